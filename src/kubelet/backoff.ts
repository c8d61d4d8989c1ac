// Per-key restart back-off with Kubernetes' semantics (flowcontrol.Backoff as the kubelet uses
// it): the first failure of a key is not delayed; each later failure within the window doubles
// the delay (initial, 2×, 4× … capped at max); an entry not updated for `resetAfterMs` starts over.

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  resetAfterMs: number;
}

interface Entry {
  delayMs: number;
  lastUpdate: number;
}

export class RestartBackoff {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly policy: BackoffPolicy) {}

  /**
   * Whether a restart of `key` after an event (a crash) at `eventTime` must still wait at `now`;
   * when it must, how long the current delay is and when it ends.
   */
  check(key: string, eventTime: number, now: number): { wait: false } | { wait: true; delayMs: number; untilMs: number } {
    const e = this.entries.get(key);
    if (!e || eventTime - e.lastUpdate > this.policy.resetAfterMs) return { wait: false };
    if (now - eventTime < e.delayMs) return { wait: true, delayMs: e.delayMs, untilMs: eventTime + e.delayMs };
    return { wait: false };
  }

  /** Records a restart for an event at `eventTime`, growing the next delay. */
  next(key: string, eventTime: number): void {
    const e = this.entries.get(key);
    if (!e || eventTime - e.lastUpdate > this.policy.resetAfterMs) {
      this.entries.set(key, { delayMs: this.policy.initialMs, lastUpdate: eventTime });
      return;
    }
    e.delayMs = Math.min(e.delayMs * 2, this.policy.maxMs);
    e.lastUpdate = eventTime;
  }

  /** Forgets every key starting with `prefix` (a pod's keys once it is gone). */
  forgetPrefix(prefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }
}

/** "10s", "1m20s", "5m0s" — Go's time.Duration text for whole seconds, as the messages show. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return ms < 1000 && ms > 0 ? `${ms}ms` : `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60}s`;
  return `${Math.floor(m / 60)}h${m % 60}m${s % 60}s`;
}
