// One task at a time per key, in arrival order (Kubernetes' quota admission works through one
// namespace's requests at a time for the same reason: a read-check-write of the namespace's
// quotas must not interleave with another one in the same process).
export class KeyedLock {
  /** Per key, a promise settled when the last task queued there has finished. */
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    let release: () => void = () => undefined;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = before.then(() => mine);
    this.tails.set(key, tail);
    await before;
    try {
      return await task();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
