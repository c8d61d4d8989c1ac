// Kubernetes v1.33's quota admission check (apiserver/pkg/admission/plugin/resourcequota,
// CheckRequest), pure: whether a written object fits every quota of its namespace that limits
// it, judged against each quota's status (hard and used), and each such quota's status.used
// with the object charged. Refusal texts are Kubernetes' own.
import type { Pod, ResourceQuota } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import { isCore, matchingNames, type GroupResource } from '../../api/quota/names.js';
import { missingPodAmounts } from '../../api/quota/pod-constraints.js';
import { hasScopes, podMatchesScopes } from '../../api/quota/scopes.js';
import { addObjectUsage, quantity, Usage, type Amounts } from '../../api/quota/usage.js';
import { formatExactQuantity, type ExactQuantity } from '../../api/validation/quantity.js';

export interface QuotaRequest {
  resource: GroupResource;
  /** The object as it is about to be stored. */
  obj: KubeObject;
  /** On an update, the stored object it replaces: only increases are charged. */
  old?: KubeObject;
}

/** A quota the request raises. */
export interface QuotaCharge {
  quota: ResourceQuota;
  /** The quota's status.used with the request charged. */
  used: Record<string, string>;
  /** What the request adds, per limited name. */
  added: ReadonlyMap<string, ExactQuantity>;
}

export type QuotaDecision = { allowed: true; charges: QuotaCharge[] } | { allowed: false; reason: string };


function usageOf(r: GroupResource, obj: KubeObject): Amounts {
  const usage = new Usage();
  addObjectUsage(usage, r, obj);
  return new Map(usage.entries());
}

/** The object's usage, less the old object's on an update (never below zero, as SubtractWithNonNegativeResult). */
function requestUsage(req: QuotaRequest, usage: Amounts): Amounts {
  if (!req.old) return usage;
  const before = usageOf(req.resource, req.old);
  const delta: Amounts = new Map();
  for (const [name, q] of usage) {
    const nanos = q.nanos - (before.get(name)?.nanos ?? 0n);
    delta.set(name, { nanos: nanos > 0n ? nanos : 0n, format: q.format });
  }
  return delta;
}

/** Resource lists as Kubernetes prints them in refusals: sorted `name=quantity`, comma-separated. */
function prettyPrint(list: Iterable<[string, ExactQuantity | undefined]>): string {
  return [...list]
    .flatMap(([name, q]) => (q ? [`${name}=${formatExactQuantity(q)}`] : []))
    .sort()
    .join(',');
}

/** The quota's hard limits this object's resource is matched against, when its scopes take the object. */
function limitedNames(quota: ResourceQuota, req: QuotaRequest): string[] {
  const inScope = !hasScopes(quota) || (isCore(req.resource, 'pods') && podMatchesScopes(req.obj as Pod, quota));
  return inScope ? matchingNames(Object.keys(quota.status?.hard ?? {}), req.resource) : [];
}

/** The quota with the request's usage added, or the refusal when that is over a hard limit. */
function charge(quota: ResourceQuota, delta: Amounts): QuotaCharge | { reason: string } | undefined {
  const hard = quota.status?.hard ?? {};
  const used: Record<string, string> = { ...(quota.status?.used ?? {}) };
  const added = new Map([...delta].filter(([name]) => name in hard));
  const exceeded: string[] = [];
  for (const [name, q] of added) {
    const before = quantity(used[name]);
    const after = { nanos: (before?.nanos ?? 0n) + q.nanos, format: before?.format ?? q.format };
    used[name] = formatExactQuantity(after);
    const limit = quantity(hard[name]);
    if (limit && after.nanos > limit.nanos) exceeded.push(name);
  }
  if (exceeded.length > 0) {
    const name = quota.metadata?.name ?? '';
    const requested = prettyPrint(exceeded.map((n) => [n, added.get(n)]));
    const usedBefore = prettyPrint(exceeded.map((n) => [n, quantity(quota.status?.used?.[n])]));
    const limited = prettyPrint(exceeded.map((n) => [n, quantity(hard[n])]));
    return { reason: `exceeded quota: ${name}, requested: ${requested}, used: ${usedBefore}, limited: ${limited}` };
  }
  // Adding only zeros leaves the quota as it was: nothing to write.
  return [...added.values()].some((q) => q.nanos !== 0n) ? { quota, used, added } : undefined;
}

export function checkQuotas(quotas: readonly ResourceQuota[], req: QuotaRequest): QuotaDecision {
  const limiting: ResourceQuota[] = [];
  for (const quota of quotas) {
    const names = limitedNames(quota, req);
    if (names.length === 0) continue;
    const name = quota.metadata?.name ?? '';
    const missing = isCore(req.resource, 'pods') ? missingPodAmounts(req.obj as Pod, names) : undefined;
    if (missing) return { allowed: false, reason: `failed quota: ${name}: ${missing}` };
    const used = quota.status?.used ?? {};
    if (names.some((n) => !(n in used))) return { allowed: false, reason: `status unknown for quota: ${name}, resources: ${[...names].sort().join(',')}` };
    limiting.push(quota);
  }
  if (limiting.length === 0) return { allowed: true, charges: [] };

  const usage = usageOf(req.resource, req.obj);
  const negative = [...usage].filter(([, q]) => q.nanos < 0n).map(([n]) => n);
  if (negative.length > 0) return { allowed: false, reason: `quota usage is negative for resource(s): ${negative.sort().join(',')}` };
  const delta = requestUsage(req, usage);
  if ([...delta.values()].every((q) => q.nanos === 0n)) return { allowed: true, charges: [] };

  const charges: QuotaCharge[] = [];
  for (const quota of limiting) {
    const result = charge(quota, delta);
    if (result && 'reason' in result) return { allowed: false, reason: result.reason };
    if (result) charges.push(result);
  }
  return { allowed: true, charges };
}
