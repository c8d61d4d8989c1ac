// One worker per pod: syncs of a pod never overlap; a trigger during a sync runs one more sync
// after it (triggers coalesce); a sync may ask to run again later; a failed sync is retried
// with back-off (1 s doubling to 60 s). Different pods sync concurrently.
// Triggered workers start in the order they were triggered, at most START_PER_TURN per
// event-loop turn: a sync that never waits for real I/O (the fake runtime) runs to its end in
// promise callbacks, so a watch chunk of hundreds of new pods would otherwise hold the loop for
// hundreds of milliseconds, and the answers to the kubelet's own status writes would sit unread
// meanwhile.
import { Fifo } from '../api/fifo.js';
import type { Clock, Timer } from '../informer/clock.js';
import type { Logger } from '../log.js';

export interface WorkerOutcome {
  requeueAfterMs?: number;
  /** The pod is finished with: drop the worker. */
  done?: boolean;
}

/** Enough that a kubelet sharing its loop with the API server keeps up with a burst of pods. */
export const START_PER_TURN = 8;

interface Worker {
  /** Queued to start, or syncing. */
  busy: boolean;
  again: boolean;
  timer: Timer | undefined;
  timerAt: number;
  failures: number;
}

export class PodWorkers {
  private readonly workers = new Map<string, Worker>();
  /** Triggered workers waiting for their turn to start. */
  private readonly ready = new Fifo<string>();
  private scheduled = false;
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
    w.busy = true;
    this.ready.push(uid);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.startNext);
    }
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

  /** Starts the longest-waiting triggered workers; the loop polls its sockets before the next ones. */
  private readonly startNext = (): void => {
    this.scheduled = false;
    for (let n = 0; n < START_PER_TURN && this.ready.size > 0; n++) {
      const uid = this.ready.shift() ?? '';
      const w = this.workers.get(uid);
      if (!w) continue;
      if (this.closed) w.busy = false;
      else void this.run(uid, w);
    }
    if (this.ready.size > 0) {
      this.scheduled = true;
      setImmediate(this.startNext);
    }
  };

  private async run(uid: string, w: Worker): Promise<void> {
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
