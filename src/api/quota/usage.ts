// What one object uses of a ResourceQuota's hard limits (pure), per Kubernetes v1.33's quota
// evaluators: object counts, pod compute requests and limits, service ports, claim storage.
// The quota controller sums it over a namespace; quota admission charges it for one object.
import type { PersistentVolumeClaim, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../object.js';
import { formatExactQuantity, parseQuantityExact, quantityText, type ExactQuantity } from '../validation/quantity.js';
import { countName, genericAlias, isCore, isStandardCompute, STORAGE_CLASS_SUFFIX, type GroupResource } from './names.js';

/** Running totals per resource name, exact (nano-units) with the format of the first addend. */
export class Usage {
  private readonly totals = new Map<string, ExactQuantity>();

  add(name: string, amount: ExactQuantity): void {
    const cur = this.totals.get(name);
    this.totals.set(name, cur ? { nanos: cur.nanos + amount.nanos, format: cur.format } : { ...amount });
  }

  count(name: string, n = 1): void {
    this.add(name, { nanos: BigInt(n) * 1_000_000_000n, format: 'DecimalSI' });
  }

  /** The total as Kubernetes prints it; "0" for nothing counted. */
  text(name: string): string {
    const q = this.totals.get(name);
    return q ? formatExactQuantity(q) : '0';
  }

  entries(): IterableIterator<[string, ExactQuantity]> {
    return this.totals.entries();
  }
}

export function quantity(v: unknown): ExactQuantity | undefined {
  const t = quantityText(v);
  return t === undefined ? undefined : parseQuantityExact(t);
}

/** Quantities by resource name. */
export type Amounts = Map<string, ExactQuantity>;

/** The quantities of a resource list (requests, limits, overhead); unparsable ones left out. */
export function amounts(list: Readonly<Record<string, unknown>> | undefined | null): Amounts {
  const out: Amounts = new Map();
  for (const [k, v] of Object.entries(list ?? {})) {
    const q = quantity(v);
    if (q) out.set(k, q);
  }
  return out;
}

export function addAmounts(into: Amounts, from: Amounts): void {
  for (const [k, q] of from) {
    const cur = into.get(k);
    into.set(k, cur ? { nanos: cur.nanos + q.nanos, format: cur.format } : q);
  }
}

export function maxAmounts(into: Amounts, from: Amounts): void {
  for (const [k, q] of from) {
    const cur = into.get(k);
    if (!cur || q.nanos > cur.nanos) into.set(k, q);
  }
}

/**
 * A pod's effective requests or limits: the sum over app and sidecar containers, or the
 * largest init container (plus the sidecars started before it) if that is more; plus overhead.
 */
export function podAmounts(pod: Pod, field: 'requests' | 'limits'): Amounts {
  const total = podContainerAmounts(pod, field);
  addAmounts(total, amounts(pod.spec?.overhead));
  return total;
}

/** What podAmounts counts without the overhead: what LimitRange's Pod items bound. */
export function podContainerAmounts(pod: Pod, field: 'requests' | 'limits'): Amounts {
  const sidecars: Amounts = new Map();
  const initMax: Amounts = new Map();
  for (const c of pod.spec?.initContainers ?? []) {
    const own = amounts(c.resources?.[field]);
    if (c.restartPolicy === 'Always') {
      addAmounts(sidecars, own);
      continue;
    }
    const withSidecars: Amounts = new Map(sidecars);
    addAmounts(withSidecars, own);
    maxAmounts(initMax, withSidecars);
  }
  const total: Amounts = new Map();
  for (const c of pod.spec?.containers ?? []) addAmounts(total, amounts(c.resources?.[field]));
  addAmounts(total, sidecars);
  maxAmounts(total, initMax);
  return total;
}

/** Kubernetes counts a pod until it is terminal or past its deletion grace period. */
export function podCounts(pod: Pod, nowMs: number): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  const deletion = pod.metadata?.deletionTimestamp;
  if (deletion && pod.metadata?.deletionGracePeriodSeconds !== undefined) {
    return nowMs <= Date.parse(deletion) + pod.metadata.deletionGracePeriodSeconds * 1000;
  }
  return true;
}

/** Adds one pod's usage: its count and compute requests and limits under every name quotas use. */
export function addPodUsage(usage: Usage, pod: Pod): void {
  usage.count('pods');
  usage.count('count/pods');
  for (const [name, q] of podAmounts(pod, 'requests')) {
    usage.add(`requests.${name}`, q);
    if (isStandardCompute(name)) usage.add(name, q);
  }
  for (const [name, q] of podAmounts(pod, 'limits')) usage.add(`limits.${name}`, q);
}

/**
 * A service's count, and its node ports and load balancer (0 for other types). A LoadBalancer
 * with allocateLoadBalancerNodePorts=false counts only the node ports it names.
 */
export function addServiceUsage(usage: Usage, svc: Service): void {
  usage.count('services');
  usage.count('count/services');
  const type = svc.spec?.type;
  const ports = svc.spec?.ports ?? [];
  let nodePorts = 0;
  if (type === 'NodePort') nodePorts = ports.length;
  if (type === 'LoadBalancer') nodePorts = svc.spec?.allocateLoadBalancerNodePorts === false ? ports.filter((p) => (p.nodePort ?? 0) !== 0).length : ports.length;
  usage.count('services.loadbalancers', type === 'LoadBalancer' ? 1 : 0);
  usage.count('services.nodeports', nodePorts);
}

/** A claim's count and requested storage, also under its storage class's names. */
export function addClaimUsage(usage: Usage, pvc: PersistentVolumeClaim): void {
  usage.count('persistentvolumeclaims');
  usage.count('count/persistentvolumeclaims');
  const storageClass = pvc.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? pvc.spec?.storageClassName ?? '';
  if (storageClass) usage.count(`${storageClass}${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`);
  const storage = quantity(pvc.spec?.resources?.requests?.['storage']);
  if (!storage) return;
  usage.add('requests.storage', storage);
  if (storageClass) usage.add(`${storageClass}${STORAGE_CLASS_SUFFIX}requests.storage`, storage);
}

/** Adds what one object of resource `r` uses (pods: whatever their phase; see podCounts). */
export function addObjectUsage(usage: Usage, r: GroupResource, obj: KubeObject): void {
  if (isCore(r, 'pods')) return addPodUsage(usage, obj as Pod);
  if (isCore(r, 'services')) return addServiceUsage(usage, obj as Service);
  if (isCore(r, 'persistentvolumeclaims')) return addClaimUsage(usage, obj as PersistentVolumeClaim);
  const alias = genericAlias(r);
  if (alias) usage.count(alias);
  usage.count(countName(r));
}
