// Expectations for the slices this controller writes: a Service is only reconciled once the
// informer cache shows every slice write it made (created and updated slices at least at the
// resourceVersion the write answered with, deleted names gone). Without this, a cache a few milliseconds behind would make the
// controller create duplicate slices.
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';

interface Pending {
  /** slice name → resourceVersion the cache must reach. */
  versions: Map<string, string>;
  deleted: Set<string>;
}

export class SliceTracker {
  private readonly services = new Map<string, Pending>();

  private pending(serviceKey: string): Pending {
    let p = this.services.get(serviceKey);
    if (!p) this.services.set(serviceKey, (p = { versions: new Map(), deleted: new Set() }));
    return p;
  }

  /** After a create or update answered with `slice`. */
  wrote(serviceKey: string, slice: EndpointSlice): void {
    const name = slice.metadata?.name ?? '';
    const p = this.pending(serviceKey);
    p.deleted.delete(name);
    p.versions.set(name, slice.metadata?.resourceVersion ?? '');
  }

  deleted(serviceKey: string, name: string): void {
    const p = this.pending(serviceKey);
    p.versions.delete(name);
    p.deleted.add(name);
  }

  /** True when `cached` (the slices the cache shows for the service) reflects every write; settles what it sees. */
  caughtUp(serviceKey: string, cached: readonly EndpointSlice[]): boolean {
    const p = this.services.get(serviceKey);
    if (!p) return true;
    const byName = new Map(cached.map((s) => [s.metadata?.name ?? '', s]));
    for (const [name, version] of p.versions) {
      const seen = byName.get(name)?.metadata?.resourceVersion;
      if (seen !== undefined && atLeast(seen, version)) p.versions.delete(name);
    }
    for (const name of p.deleted) if (!byName.has(name)) p.deleted.delete(name);
    if (p.versions.size === 0 && p.deleted.size === 0) this.services.delete(serviceKey);
    return !this.services.has(serviceKey);
  }

  forget(serviceKey: string): void {
    this.services.delete(serviceKey);
  }
}

/**
 * resourceVersions are opaque to clients in general; this API server's are one global
 * revision counter, so a larger number is a later write. Non-numeric ones compare equal only.
 */
function atLeast(seen: string, wanted: string): boolean {
  if (seen === wanted) return true;
  return /^[0-9]+$/.test(seen) && /^[0-9]+$/.test(wanted) && BigInt(seen) >= BigInt(wanted);
}
