// Expectations (Kubernetes' UIDTrackingControllerExpectations): the pod creations and deletions
// a controller has issued for an owner but not yet seen in its informer. While any are
// outstanding the cache is known to be stale for that owner, so the sync that would count its
// pods waits (the informer events requeue it) — that is what keeps a burst of events from
// creating or deleting twice. A record expires after EXPECTATIONS_TTL_MS so a lost watch event
// cannot wedge an owner forever.
//
// Contract for callers: check `satisfied` before acting, then record what is about to be issued
// (`expectCreations` / `expectDeletions`, which add to what is outstanding), and report every
// write that failed — it will never be observed — with `creationObserved` / `deletionObserved`.
import type { Clock } from '../../informer/clock.js';

export const EXPECTATIONS_TTL_MS = 5 * 60_000;

interface Pending {
  creates: number;
  /** Keys (`namespace/name`) of the pods whose deletion is awaited: each counts once. */
  deletes: Set<string>;
  setAtMs: number;
}

export class PodExpectations {
  private readonly pending = new Map<string, Pending>();

  /** Only differences of `clock.now()` matter. */
  constructor(private readonly clock: Pick<Clock, 'now'>) {}

  /**
   * True when the owner may be synced: no record, nothing outstanding, or the record expired.
   * A satisfied record is dropped, so counts never carry over into the next round.
   */
  satisfied(ownerKey: string): boolean {
    const p = this.pending.get(ownerKey);
    if (!p) return true;
    if ((p.creates <= 0 && p.deletes.size === 0) || this.clock.now() - p.setAtMs > EXPECTATIONS_TTL_MS) {
      this.pending.delete(ownerKey);
      return true;
    }
    return false;
  }

  expectCreations(ownerKey: string, count: number): void {
    this.entry(ownerKey).creates += count;
  }

  /** A creation was seen in the cache, or failed and never will be. */
  creationObserved(ownerKey: string): void {
    const p = this.pending.get(ownerKey);
    if (p) p.creates--;
  }

  expectDeletions(ownerKey: string, podKeys: readonly string[]): void {
    const p = this.entry(ownerKey);
    for (const k of podKeys) p.deletes.add(k);
  }

  /**
   * A deletion was seen (pod gone or given a deletionTimestamp), or failed. Counts only pods
   * this owner was waiting for, and each only once (an update then a delete).
   */
  deletionObserved(ownerKey: string, podKey: string): void {
    this.pending.get(ownerKey)?.deletes.delete(podKey);
  }

  /** The owner is gone: drop its record. */
  forget(ownerKey: string): void {
    this.pending.delete(ownerKey);
  }

  private entry(ownerKey: string): Pending {
    const now = this.clock.now();
    let p = this.pending.get(ownerKey);
    if (!p) this.pending.set(ownerKey, (p = { creates: 0, deletes: new Set(), setAtMs: now }));
    p.setAtMs = now;
    return p;
  }
}
