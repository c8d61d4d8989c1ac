// NodeInfo: one node plus the incremental accounting of what its pods (bound or assumed) use.
// Every add/remove adjusts the sums, so a filter reads them in O(1).
import type { Node } from 'kubernetes-types/core/v1.js';
import type { PodInfo } from './pod-info.js';
import { addResources, cloneResources, emptyResources, parseValue, resourcesFromList, type Resources } from './resources.js';

export class NodeInfo {
  node: Node;
  readonly name: string;
  labels: Readonly<Record<string, string>>;
  allocatable: Resources = emptyResources();
  allowedPodNumber = 0;
  /** Image name (with `:latest` added when untagged) → size on this node in bytes. */
  images = new Map<string, number>();
  pods: PodInfo[] = [];
  podsWithAffinity: PodInfo[] = [];
  podsWithRequiredAntiAffinity: PodInfo[] = [];
  /** How many pods here have terms that score other pods (see PodInfo.scoresOthers). */
  podsScoringOthers = 0;
  requested: Resources = emptyResources();
  nonZeroMilliCPU = 0;
  nonZeroMemory = 0;
  /** `protocol/port` → host IPs in use (one entry per user, so removal is exact). */
  usedPorts = new Map<string, string[]>();
  /** False for the placeholder created when pods are seen before their node. */
  known: boolean;
  /** Bumped on every change; lets callers cache per-node derived data. */
  generation = 0;

  constructor(node: Node, opts: { known: boolean } = { known: true }) {
    this.node = node;
    this.name = node.metadata?.name ?? '';
    this.labels = node.metadata?.labels ?? {};
    this.known = opts.known;
    this.setNode(node);
    this.known = opts.known;
  }

  setNode(node: Node): void {
    this.node = node;
    this.known = true;
    this.labels = node.metadata?.labels ?? {};
    const alloc = node.status?.allocatable;
    this.allocatable = resourcesFromList(alloc);
    this.allowedPodNumber = parseValue(alloc?.['pods']) ?? 0;
    this.images = new Map();
    for (const image of node.status?.images ?? []) {
      for (const name of image.names ?? []) this.images.set(normalizedImageName(name), image.sizeBytes ?? 0);
    }
    this.generation++;
  }

  addPod(pi: PodInfo): void {
    this.pods.push(pi);
    if (pi.hasAffinity) this.podsWithAffinity.push(pi);
    if (pi.requiredAntiAffinity.length > 0) this.podsWithRequiredAntiAffinity.push(pi);
    this.account(pi, 1);
  }

  /** Removes the pod with this key; returns it, or undefined when it was not here. */
  removePod(key: string): PodInfo | undefined {
    const i = this.pods.findIndex((p) => p.key === key);
    if (i < 0) return undefined;
    const pi = this.pods[i] as PodInfo;
    this.pods[i] = this.pods[this.pods.length - 1] as PodInfo;
    this.pods.pop();
    if (pi.hasAffinity) this.podsWithAffinity = this.podsWithAffinity.filter((p) => p.key !== key);
    if (pi.requiredAntiAffinity.length > 0) this.podsWithRequiredAntiAffinity = this.podsWithRequiredAntiAffinity.filter((p) => p.key !== key);
    this.account(pi, -1);
    return pi;
  }

  private account(pi: PodInfo, sign: 1 | -1): void {
    if (pi.scoresOthers) this.podsScoringOthers += sign;
    addResources(this.requested, pi.requests, sign);
    this.nonZeroMilliCPU += sign * pi.nonZeroMilliCPU;
    this.nonZeroMemory += sign * pi.nonZeroMemory;
    for (const hp of pi.hostPorts) {
      const k = `${hp.protocol}/${hp.port}`;
      const ips = this.usedPorts.get(k) ?? [];
      if (sign > 0) ips.push(hp.ip);
      else {
        const at = ips.indexOf(hp.ip);
        if (at >= 0) ips.splice(at, 1);
      }
      if (ips.length > 0) this.usedPorts.set(k, ips);
      else this.usedPorts.delete(k);
    }
    this.generation++;
  }

  /** A wanted host port conflicts when the same protocol/port is used on the same IP or on 0.0.0.0. */
  portInUse(ip: string, protocol: string, port: number): boolean {
    const ips = this.usedPorts.get(`${protocol}/${port}`);
    if (!ips || ips.length === 0) return false;
    if (ip === '0.0.0.0') return true;
    return ips.includes(ip) || ips.includes('0.0.0.0');
  }

  /** An independent copy for what-if evaluation (preemption, nominated pods). */
  clone(): NodeInfo {
    const c = Object.create(NodeInfo.prototype) as NodeInfo;
    Object.assign(c, this);
    c.pods = [...this.pods];
    c.podsWithAffinity = [...this.podsWithAffinity];
    c.podsWithRequiredAntiAffinity = [...this.podsWithRequiredAntiAffinity];
    c.requested = cloneResources(this.requested);
    c.usedPorts = new Map([...this.usedPorts].map(([k, v]) => [k, [...v]]));
    return c;
  }
}

/** Image names as the kubelet reports them: an untagged name means `:latest`. */
export function normalizedImageName(name: string): string {
  return name.lastIndexOf(':') <= name.lastIndexOf('/') ? `${name}:latest` : name;
}
