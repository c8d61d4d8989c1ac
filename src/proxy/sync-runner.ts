// Runs a sync function on request: requests within `debounceMs` of each other coalesce into one
// run, never two runs at once (a request during a run schedules one more after it), and a failed
// run is retried with doubling delay (up to `maxRetryMs`) until one succeeds or a new request
// comes. Event handlers call `request()`; nothing polls.
import type { Logger } from '../log.js';

export interface SyncRunnerOptions {
  name: string;
  sync: () => Promise<void>;
  /** Default 20 ms. */
  debounceMs?: number;
  /** Default 500 ms, then doubling to `maxRetryMs`. */
  retryMs?: number;
  /** Default 10000 ms. */
  maxRetryMs?: number;
  log: Pick<Logger, 'warn' | 'debug'>;
}

export class SyncRunner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private pending = false;
  private failures = 0;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly o: SyncRunnerOptions) {}

  request(): void {
    if (this.closed) return;
    this.failures = 0;
    this.pending = true;
    if (this.running) return;
    this.schedule(this.o.debounceMs ?? 20);
  }

  /** Resolves once no run is scheduled or in flight (tests and benchmarks). */
  idle(): Promise<void> {
    if (!this.timer && !this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Cancels scheduled runs and waits for one in flight. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.runOnce().finally(() => {
        this.running = undefined;
        if (this.pending && !this.closed && !this.timer) this.schedule(this.o.debounceMs ?? 20);
        if (!this.timer && !this.running) for (const w of this.idleWaiters.splice(0)) w();
      });
    }, ms);
  }

  private async runOnce(): Promise<void> {
    this.pending = false;
    try {
      await this.o.sync();
      this.failures = 0;
    } catch (err) {
      this.failures++;
      const delay = Math.min((this.o.retryMs ?? 500) * 2 ** (this.failures - 1), this.o.maxRetryMs ?? 10_000);
      this.o.log.warn(`${this.o.name}: sync failed (retry in ${delay} ms): ${err instanceof Error ? err.message : String(err)}`);
      if (!this.closed && !this.pending) {
        this.pending = true;
        this.schedule(delay);
      }
    }
  }
}
