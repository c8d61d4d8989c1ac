// Expectations (Kubernetes' UIDTrackingControllerExpectations): how many pod creations and which
// pod deletions a controller has asked for and not yet seen in its informer. While any are
// outstanding the cache is known to be stale for that owner, so the owner is not synced again —
// that is what keeps a burst of events from creating or deleting twice. Records expire after
// five minutes so a lost watch event cannot wedge an owner forever.
import type { Clock } from '../../informer/clock.js';

const EXPECTATIONS_TTL_MS = 5 * 60_000;

interface Pending {
  adds: number;
  dels: number;
  /** Keys (`namespace/name`) of the pods whose deletion is awaited: each counts once. */
  deleting: Set<string>;
  setAtMs: number;
}

export class PodExpectations {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number = EXPECTATIONS_TTL_MS,
  ) {}

  /** True when the owner may be synced: nothing outstanding, no record, or the record expired. */
  satisfied(ownerKey: string): boolean {
    const p = this.pending.get(ownerKey);
    if (!p) return true;
    if (p.adds <= 0 && p.dels <= 0) return true;
    return this.clock.now() - p.setAtMs > this.ttlMs;
  }

  expectCreations(ownerKey: string, count: number): void {
    this.pending.set(ownerKey, { adds: count, dels: 0, deleting: new Set(), setAtMs: this.clock.now() });
  }

  expectDeletions(ownerKey: string, podKeys: readonly string[]): void {
    const deleting = new Set(podKeys);
    this.pending.set(ownerKey, { adds: 0, dels: deleting.size, deleting, setAtMs: this.clock.now() });
  }

  creationObserved(ownerKey: string): void {
    const p = this.pending.get(ownerKey);
    if (p) p.adds--;
  }

  /** Counts only pods this owner was waiting for, and each only once (update then delete). */
  deletionObserved(ownerKey: string, podKey: string): void {
    const p = this.pending.get(ownerKey);
    if (p?.deleting.delete(podKey)) p.dels--;
  }

  /** The owner is gone: drop its record. */
  forget(ownerKey: string): void {
    this.pending.delete(ownerKey);
  }
}
