// The scheduler's view of the cluster: NodeInfo per node, kept current by cluster events, plus
// "assumed" pods — placed by a scheduling cycle but not yet seen bound. Assumed pods count
// against their node at once, so a burst of cycles never oversubscribes a node; a failed bind
// forgets the pod and gives the resources back.
//
// The scheduling cycle is synchronous, so it reads this structure directly: no event can land
// in the middle of a cycle. (kube-scheduler copies a snapshot per cycle for the same guarantee.)
import type { Namespace, Node } from 'kubernetes-types/core/v1.js';
import { DomainCountIndex, type DomainCounts, type DomainCountsSpec } from './domain-counts.js';
import { NodeInfo } from './node-info.js';
import { PodInfo } from './pod-info.js';

const ZONE_LABELS = ['topology.kubernetes.io/zone', 'failure-domain.beta.kubernetes.io/zone'];
const REGION_LABELS = ['topology.kubernetes.io/region', 'failure-domain.beta.kubernetes.io/region'];

interface Placement {
  nodeName: string;
  assumed: boolean;
}

export class Snapshot {
  private readonly nodes = new Map<string, NodeInfo>();
  private readonly placements = new Map<string, Placement>();
  private readonly imageNodeCounts = new Map<string, number>();
  private readonly namespaceLabelsByName = new Map<string, Readonly<Record<string, string>>>();
  private ordered: NodeInfo[] | undefined;
  private requiredAntiAffinityPods = 0;
  private readonly domainCountIndex = new DomainCountIndex();

  // ---- nodes ----

  addNode(node: Node): NodeInfo {
    const name = node.metadata?.name ?? '';
    let ni = this.nodes.get(name);
    if (ni) {
      this.countImages(ni, -1);
      this.domainCountIndex.nodeRemoved(ni);
      ni.setNode(node);
    } else {
      ni = new NodeInfo(node);
      this.nodes.set(name, ni);
    }
    this.countImages(ni, 1);
    this.domainCountIndex.nodeAdded(ni);
    this.ordered = undefined;
    return ni;
  }

  updateNode(node: Node): NodeInfo {
    return this.addNode(node);
  }

  /** The node leaves the list; its pods stay accounted until their own delete events arrive. */
  removeNode(name: string): void {
    const ni = this.nodes.get(name);
    if (!ni) return;
    this.countImages(ni, -1);
    this.domainCountIndex.nodeRemoved(ni);
    if (ni.pods.length === 0) this.nodes.delete(name);
    else ni.known = false;
    this.ordered = undefined;
  }

  private countImages(ni: NodeInfo, sign: 1 | -1): void {
    if (!ni.known) return;
    for (const image of ni.images.keys()) {
      const n = (this.imageNodeCounts.get(image) ?? 0) + sign;
      if (n > 0) this.imageNodeCounts.set(image, n);
      else this.imageNodeCounts.delete(image);
    }
  }

  /**
   * Matching pods per topology domain over the known nodes, for one PodTopologySpread constraint
   * (`identity` names it exactly); kept current from here on.
   */
  domainCounts(identity: string, spec: () => DomainCountsSpec): DomainCounts {
    return this.domainCountIndex.get(identity, spec, this.nodes.values());
  }

  /** How many nodes report this (normalized) image. */
  imageNodeCount(image: string): number {
    return this.imageNodeCounts.get(image) ?? 0;
  }

  get(name: string): NodeInfo | undefined {
    const ni = this.nodes.get(name);
    return ni?.known ? ni : undefined;
  }

  /**
   * Known nodes, interleaved across zones (one from each zone in turn, as kube-scheduler's node
   * tree does) so a partial scan still sees every zone.
   */
  list(): readonly NodeInfo[] {
    if (this.ordered) return this.ordered;
    const zones = new Map<string, NodeInfo[]>();
    for (const ni of this.nodes.values()) {
      if (!ni.known) continue;
      const zone = `${firstLabel(ni, REGION_LABELS)}:\0:${firstLabel(ni, ZONE_LABELS)}`;
      let bucket = zones.get(zone);
      if (!bucket) zones.set(zone, (bucket = []));
      bucket.push(ni);
    }
    const buckets = [...zones.values()];
    const out: NodeInfo[] = [];
    for (let i = 0; out.length < this.nodes.size; i++) {
      let added = false;
      for (const b of buckets) {
        const ni = b[i];
        if (ni) {
          out.push(ni);
          added = true;
        }
      }
      if (!added) break;
    }
    this.ordered = out;
    return out;
  }

  get numNodes(): number {
    return this.list().length;
  }

  // ---- pods ----

  /** A pod observed bound to a node. Confirms it if it was assumed (possibly elsewhere). */
  addPod(pi: PodInfo): void {
    const nodeName = pi.nodeName;
    if (!nodeName) return;
    const existing = this.placements.get(pi.key);
    if (existing) this.detach(pi.key, existing);
    this.attach(pi, nodeName, { assumed: false });
  }

  updatePod(pi: PodInfo): void {
    this.addPod(pi);
  }

  removePod(key: string): void {
    const p = this.placements.get(key);
    if (p) this.detach(key, p);
  }

  /** Counts the pod on `nodeName` before the bind is confirmed. */
  assume(pi: PodInfo, nodeName: string): PodInfo {
    const existing = this.placements.get(pi.key);
    if (existing) this.detach(pi.key, existing);
    const pod = pi.pod;
    const placed = new PodInfo({ ...pod, spec: { containers: [], ...pod.spec, nodeName } });
    this.attach(placed, nodeName, { assumed: true });
    return placed;
  }

  /** Undoes `assume` (the bind failed). A pod already confirmed bound is left alone. */
  forget(key: string): void {
    const p = this.placements.get(key);
    if (p?.assumed) this.detach(key, p);
  }

  isAssumed(key: string): boolean {
    return this.placements.get(key)?.assumed ?? false;
  }

  /** Where the pod is counted (bound or assumed), if anywhere. */
  placementOf(key: string): string | undefined {
    return this.placements.get(key)?.nodeName;
  }

  /** Pods (bound or assumed) with required anti-affinity terms: when 0, no node has any. */
  get podsWithRequiredAntiAffinity(): number {
    return this.requiredAntiAffinityPods;
  }

  private attach(pi: PodInfo, nodeName: string, opts: { assumed: boolean }): void {
    let ni = this.nodes.get(nodeName);
    if (!ni) {
      ni = new NodeInfo({ metadata: { name: nodeName } }, { known: false });
      this.nodes.set(nodeName, ni);
    }
    ni.addPod(pi);
    this.domainCountIndex.podChanged(pi, ni, 1);
    if (pi.requiredAntiAffinity.length > 0) this.requiredAntiAffinityPods++;
    this.placements.set(pi.key, { nodeName, assumed: opts.assumed });
  }

  private detach(key: string, p: Placement): void {
    const ni = this.nodes.get(p.nodeName);
    const removed = ni?.removePod(key);
    if (ni && removed) this.domainCountIndex.podChanged(removed, ni, -1);
    if (removed && removed.requiredAntiAffinity.length > 0) this.requiredAntiAffinityPods--;
    this.placements.delete(key);
    if (ni && !ni.known && ni.pods.length === 0) this.nodes.delete(p.nodeName);
  }

  // ---- namespaces (for namespaceSelector in pod affinity terms) ----

  setNamespace(ns: Namespace): void {
    this.namespaceLabelsByName.set(ns.metadata?.name ?? '', ns.metadata?.labels ?? {});
  }

  removeNamespace(name: string): void {
    this.namespaceLabelsByName.delete(name);
  }

  readonly namespaceLabels = (name: string): Readonly<Record<string, string>> | undefined => this.namespaceLabelsByName.get(name);
}

function firstLabel(ni: NodeInfo, keys: readonly string[]): string {
  for (const k of keys) {
    const v = ni.labels[k];
    if (v !== undefined) return v;
  }
  return '';
}
