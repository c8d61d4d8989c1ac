// Controller expectations: creates and deletes a worker has issued but the informer cache has
// not shown yet. While a job has any outstanding, its pods in the cache are not to be trusted
// for counting, so the sync that would act on them waits (the informer events requeue it).
// Expectations older than EXPECTATION_TTL_MS are dropped, as Kubernetes does, so a lost watch
// event cannot wedge a job forever.

export const EXPECTATION_TTL_MS = 5 * 60_000;

interface Pending {
  creates: number;
  deletes: Set<string>;
  setAt: number;
}

export class Expectations {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly now: () => number) {}

  /** True when nothing is outstanding (or what is outstanding has expired). */
  satisfied(key: string): boolean {
    const p = this.pending.get(key);
    if (!p) return true;
    if ((p.creates <= 0 && p.deletes.size === 0) || this.now() - p.setAt > EXPECTATION_TTL_MS) {
      this.pending.delete(key);
      return true;
    }
    return false;
  }

  expectCreations(key: string, count: number): void {
    this.entry(key).creates += count;
  }

  /** A create was seen in the cache, or failed and will never be. */
  creationObserved(key: string): void {
    const p = this.pending.get(key);
    if (p) p.creates--;
  }

  expectDeletions(key: string, podKeys: readonly string[]): void {
    const p = this.entry(key);
    for (const k of podKeys) p.deletes.add(k);
  }

  /** A delete was seen (pod gone or given a deletionTimestamp), or failed. */
  deletionObserved(key: string, podKey: string): void {
    this.pending.get(key)?.deletes.delete(podKey);
  }

  forget(key: string): void {
    this.pending.delete(key);
  }

  private entry(key: string): Pending {
    let p = this.pending.get(key);
    if (!p) this.pending.set(key, (p = { creates: 0, deletes: new Set(), setAt: this.now() }));
    p.setAt = this.now();
    return p;
  }
}
