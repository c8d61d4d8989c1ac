// One worker per pod: syncs of a pod never overlap; a trigger during a sync runs one more sync
// after it (triggers coalesce); a sync may ask to run again later; a failed sync is retried
// with back-off (1 s doubling to 60 s). Different pods sync concurrently.
import type { Clock, Timer } from '../informer/clock.js';
import type { Logger } from '../log.js';

export interface WorkerOutcome {
  requeueAfterMs?: number;
  /** The pod is finished with: drop the worker. */
  done?: boolean;
}

interface Worker {
  busy: boolean;
  again: boolean;
  timer: Timer | undefined;
  timerAt: number;
  failures: number;
}

export class PodWorkers {
  private readonly workers = new Map<string, Worker>();
  private closed = false;

  constructor(
    private readonly o: {
      clock: Clock;
      log: Logger;
      sync(uid: string): Promise<WorkerOutcome>;
    },
  ) {}

  get size(): number {
    return this.workers.size;
  }

  /** Asks for a sync of `uid` now (or after `delayMs`). */
  trigger(uid: string, delayMs = 0): void {
    if (this.closed) return;
    let w = this.workers.get(uid);
    if (!w) {
      w = { busy: false, again: false, timer: undefined, timerAt: 0, failures: 0 };
      this.workers.set(uid, w);
    }
    if (delayMs > 0) {
      const at = this.o.clock.now() + delayMs;
      if (w.timer && w.timerAt <= at) return;
      w.timer?.cancel();
      w.timerAt = at;
      w.timer = this.o.clock.setTimer(delayMs, () => {
        const cur = this.workers.get(uid);
        if (cur) cur.timer = undefined;
        this.trigger(uid);
      });
      return;
    }
    if (w.busy) {
      w.again = true;
      return;
    }
    void this.run(uid, w);
  }

  uids(): string[] {
    return [...this.workers.keys()];
  }

  close(): void {
    this.closed = true;
    for (const w of this.workers.values()) w.timer?.cancel();
  }

  /** Resolves when no sync is running. */
  async idle(): Promise<void> {
    while ([...this.workers.values()].some((w) => w.busy)) await new Promise((r) => setTimeout(r, 10));
  }

  private async run(uid: string, w: Worker): Promise<void> {
    w.busy = true;
    try {
      do {
        w.again = false;
        let outcome: WorkerOutcome;
        try {
          outcome = await this.o.sync(uid);
          w.failures = 0;
        } catch (err) {
          w.failures++;
          const delay = Math.min(60_000, 1000 * 2 ** (w.failures - 1));
          this.o.log.warn(`sync of pod ${uid} failed (retry in ${delay} ms): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
          outcome = { requeueAfterMs: delay };
        }
        if (outcome.done) {
          w.timer?.cancel();
          this.workers.delete(uid);
          return;
        }
        if (outcome.requeueAfterMs !== undefined && !this.closed) this.trigger(uid, Math.max(1, outcome.requeueAfterMs));
      } while (w.again && !this.closed);
    } finally {
      w.busy = false;
    }
  }
}
