// An unbounded FIFO between a producer that pushes synchronously (a commit, an etcd watch
// callback) and one async consumer (a watch iterator). It ends when the producer ends or fails
// it, or when the consumer's AbortSignal fires; items already queued are dropped on abort,
// since the consumer asked to stop.

export class EventQueue<T> {
  private items: T[] = [];
  private head = 0;
  private waiter: { resolve: (item: T | undefined) => void; reject: (err: unknown) => void } | undefined;
  private state: { kind: 'open' } | { kind: 'ended' } | { kind: 'failed'; error: unknown } = { kind: 'open' };
  private readonly onAbort = (): void => this.end();

  constructor(private readonly signal: AbortSignal) {
    if (signal.aborted) this.state = { kind: 'ended' };
    else signal.addEventListener('abort', this.onAbort, { once: true });
  }

  get closed(): boolean {
    return this.state.kind !== 'open';
  }

  push(item: T): void {
    if (this.state.kind !== 'open') return;
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter.resolve(item);
      return;
    }
    this.items.push(item);
  }

  /** No more items: the consumer drains what is queued, then sees the end. */
  end(): void {
    if (this.state.kind !== 'open') return;
    this.state = { kind: 'ended' };
    this.settle();
  }

  /** The consumer drains what is queued, then receives `error`. */
  fail(error: unknown): void {
    if (this.state.kind !== 'open') return;
    this.state = { kind: 'failed', error };
    this.settle();
  }

  /** The next item, or undefined once the queue has ended (or the signal aborted). */
  next(): Promise<T | undefined> {
    if (this.signal.aborted) return Promise.resolve(undefined);
    if (this.head < this.items.length) return Promise.resolve(this.shift());
    if (this.state.kind === 'ended') return Promise.resolve(undefined);
    if (this.state.kind === 'failed') return Promise.reject(this.state.error);
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** Stop listening to the signal; call when the consumer is done. */
  dispose(): void {
    this.signal.removeEventListener('abort', this.onAbort);
    this.items = [];
    this.head = 0;
  }

  private shift(): T {
    const item = this.items[this.head] as T;
    this.head++;
    // Reclaim the consumed front once it dominates the array.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  private settle(): void {
    const waiter = this.waiter;
    if (!waiter) return;
    this.waiter = undefined;
    if (this.state.kind === 'failed') waiter.reject(this.state.error);
    else waiter.resolve(undefined);
  }
}
