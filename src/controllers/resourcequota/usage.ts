// What one object uses of a ResourceQuota's hard limits (pure), per Kubernetes v1.33's quota
// evaluators: object counts, pod compute requests and limits, service ports, claim storage.
import type { PersistentVolumeClaim, Pod, ResourceQuota, Service } from 'kubernetes-types/core/v1.js';
import { formatExactQuantity, parseQuantityExact, quantityText, type ExactQuantity } from '../../api/validation/quantity.js';

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
}

function quantity(v: unknown): ExactQuantity | undefined {
  const t = quantityText(v);
  return t === undefined ? undefined : parseQuantityExact(t);
}

/** Resources whose bare name means the request (`cpu` = `requests.cpu`). */
function isStandardCompute(name: string): boolean {
  return name === 'cpu' || name === 'memory' || name === 'ephemeral-storage' || name.startsWith('hugepages-');
}

type Amounts = Map<string, ExactQuantity>;

function amounts(list: Readonly<Record<string, unknown>> | undefined | null): Amounts {
  const out: Amounts = new Map();
  for (const [k, v] of Object.entries(list ?? {})) {
    const q = quantity(v);
    if (q) out.set(k, q);
  }
  return out;
}

function addAmounts(into: Amounts, from: Amounts): void {
  for (const [k, q] of from) {
    const cur = into.get(k);
    into.set(k, cur ? { nanos: cur.nanos + q.nanos, format: cur.format } : q);
  }
}

function maxAmounts(into: Amounts, from: Amounts): void {
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
  addAmounts(total, amounts(pod.spec?.overhead));
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

export function isBestEffort(pod: Pod): boolean {
  const all = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  return all.every((c) => Object.keys(c.resources?.requests ?? {}).length === 0 && Object.keys(c.resources?.limits ?? {}).length === 0);
}

/** Whether a pod falls under every scope of the quota (scopes and scopeSelector). */
export function podMatchesScopes(pod: Pod, quota: ResourceQuota): boolean {
  const scopes = [
    ...(quota.spec?.scopes ?? []).map((s) => ({ scopeName: s, operator: 'Exists', values: [] as string[] })),
    ...(quota.spec?.scopeSelector?.matchExpressions ?? []).map((e) => ({ scopeName: e.scopeName, operator: e.operator, values: e.values ?? [] })),
  ];
  return scopes.every((s) => {
    switch (s.scopeName) {
      case 'Terminating':
        return pod.spec?.activeDeadlineSeconds !== undefined && pod.spec.activeDeadlineSeconds !== null;
      case 'NotTerminating':
        return pod.spec?.activeDeadlineSeconds === undefined || pod.spec.activeDeadlineSeconds === null;
      case 'BestEffort':
        return isBestEffort(pod);
      case 'NotBestEffort':
        return !isBestEffort(pod);
      case 'PriorityClass': {
        const pc = pod.spec?.priorityClassName ?? '';
        if (s.operator === 'Exists') return pc !== '';
        if (s.operator === 'DoesNotExist') return pc === '';
        if (s.operator === 'In') return s.values.includes(pc);
        if (s.operator === 'NotIn') return !s.values.includes(pc);
        return false;
      }
      default:
        return false;
    }
  });
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

export function addServiceUsage(usage: Usage, svc: Service): void {
  usage.count('services');
  usage.count('count/services');
  const type = svc.spec?.type;
  if (type === 'LoadBalancer') usage.count('services.loadbalancers');
  if (type === 'NodePort' || type === 'LoadBalancer') usage.count('services.nodeports', (svc.spec?.ports ?? []).length);
}

export function addClaimUsage(usage: Usage, pvc: PersistentVolumeClaim): void {
  usage.count('persistentvolumeclaims');
  usage.count('count/persistentvolumeclaims');
  const storage = quantity(pvc.spec?.resources?.requests?.['storage']);
  if (storage) usage.add('requests.storage', storage);
}

