// Matching pods per topology domain, kept current as pods and nodes come and go, so
// PodTopologySpread's preFilter reads a few numbers instead of walking every node for every pod
// (kube-scheduler walks them with 16 workers; a single thread cannot). One entry per distinct
// constraint — same namespace, selector, topology key and node inclusion — created on first use
// from a full walk, then adjusted by the snapshot on every pod attach/detach and node change.
// The least recently used entries are dropped beyond a small number.
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';

export interface DomainCountsSpec {
  namespace: string;
  topologyKey: string;
  /** Whether a pod (by its labels) is counted. */
  matches(labels: Readonly<Record<string, string>>): boolean;
  /** Whether a node's domain counts at all (inclusion policies, other constraints' keys). */
  includes(node: NodeInfo): boolean;
}

export class DomainCounts {
  /** Domain value → matching pods; every domain of an included node is present (maybe 0). */
  readonly counts = new Map<string, number>();
  private readonly nodesPerDomain = new Map<string, number>();
  lastUsed = 0;

  constructor(private readonly spec: DomainCountsSpec) {}

  nodeAdded(ni: NodeInfo): void {
    const v = this.domainOf(ni);
    if (v === undefined) return;
    this.nodesPerDomain.set(v, (this.nodesPerDomain.get(v) ?? 0) + 1);
    this.counts.set(v, (this.counts.get(v) ?? 0) + this.matchingOn(ni));
  }

  nodeRemoved(ni: NodeInfo): void {
    const v = this.domainOf(ni);
    if (v === undefined) return;
    const left = (this.nodesPerDomain.get(v) ?? 0) - 1;
    if (left > 0) {
      this.nodesPerDomain.set(v, left);
      this.counts.set(v, (this.counts.get(v) ?? 0) - this.matchingOn(ni));
    } else {
      this.nodesPerDomain.delete(v);
      this.counts.delete(v);
    }
  }

  podChanged(pi: PodInfo, ni: NodeInfo, delta: 1 | -1): void {
    if (!this.counted(pi)) return;
    const v = this.domainOf(ni);
    if (v !== undefined) this.counts.set(v, (this.counts.get(v) ?? 0) + delta);
  }

  private domainOf(ni: NodeInfo): string | undefined {
    if (!ni.known) return undefined;
    const v = ni.labels[this.spec.topologyKey];
    return v !== undefined && this.spec.includes(ni) ? v : undefined;
  }

  private counted(pi: PodInfo): boolean {
    return pi.namespace === this.spec.namespace && !pi.terminating && this.spec.matches(pi.labels);
  }

  private matchingOn(ni: NodeInfo): number {
    let n = 0;
    for (const p of ni.pods) if (this.counted(p)) n++;
    return n;
  }
}

const MAX_ENTRIES = 64;

export class DomainCountIndex {
  private readonly entries = new Map<string, DomainCounts>();
  private uses = 0;

  /** The counts for `identity`, built from `nodes` (all of them, known or not) when new. */
  get(identity: string, spec: () => DomainCountsSpec, nodes: Iterable<NodeInfo>): DomainCounts {
    let e = this.entries.get(identity);
    if (!e) {
      if (this.entries.size >= MAX_ENTRIES) this.dropLeastRecentlyUsed();
      e = new DomainCounts(spec());
      for (const ni of nodes) e.nodeAdded(ni);
      this.entries.set(identity, e);
    }
    e.lastUsed = ++this.uses;
    return e;
  }

  nodeAdded(ni: NodeInfo): void {
    for (const e of this.entries.values()) e.nodeAdded(ni);
  }

  nodeRemoved(ni: NodeInfo): void {
    for (const e of this.entries.values()) e.nodeRemoved(ni);
  }

  podChanged(pi: PodInfo, ni: NodeInfo, delta: 1 | -1): void {
    for (const e of this.entries.values()) e.podChanged(pi, ni, delta);
  }

  get size(): number {
    return this.entries.size;
  }

  private dropLeastRecentlyUsed(): void {
    let oldest: string | undefined;
    let at = Infinity;
    for (const [k, e] of this.entries) {
      if (e.lastUsed < at) {
        at = e.lastUsed;
        oldest = k;
      }
    }
    if (oldest !== undefined) this.entries.delete(oldest);
  }
}
