// ResourceQuota scopes (spec.scopes and spec.scopeSelector), as Kubernetes v1.33's pod
// evaluator matches them. Only pods have scopes: a scoped quota matches no other object
// (generic.MatchesNoScopeFunc), so it counts and limits pods only.
import type { Container, Pod, PodAffinityTerm, ResourceQuota, WeightedPodAffinityTerm } from 'kubernetes-types/core/v1.js';
import { parseQuantityExact, quantityText } from '../validation/quantity.js';

interface ScopeRequirement {
  scopeName: string;
  operator: string;
  values: readonly string[];
}

/** The quota's scopes as selector requirements: each of spec.scopes is an Exists. */
function scopeRequirements(quota: ResourceQuota): ScopeRequirement[] {
  return [
    ...(quota.spec?.scopes ?? []).map((s) => ({ scopeName: s, operator: 'Exists', values: [] })),
    ...(quota.spec?.scopeSelector?.matchExpressions ?? []).map((e) => ({ scopeName: e.scopeName, operator: e.operator, values: e.values ?? [] })),
  ];
}

export function hasScopes(quota: ResourceQuota): boolean {
  return scopeRequirements(quota).length > 0;
}

/** Any cpu or memory request or limit above zero makes a container not best effort (qos.GetPodQOS). */
function asksForCompute(c: Container): boolean {
  const lists = [c.resources?.requests, c.resources?.limits];
  return lists.some((list) =>
    ['cpu', 'memory'].some((name) => {
      const text = quantityText(list?.[name]);
      return text !== undefined && (parseQuantityExact(text)?.nanos ?? 0n) > 0n;
    }),
  );
}

export function isBestEffort(pod: Pod): boolean {
  return ![...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].some(asksForCompute);
}

function isTerminating(pod: Pod): boolean {
  const deadline = pod.spec?.activeDeadlineSeconds;
  return typeof deadline === 'number' && deadline >= 0;
}

/** Pod (anti-)affinity terms naming other namespaces, by list or by selector. */
function usesCrossNamespacePodAffinity(pod: Pod): boolean {
  const affinity = pod.spec?.affinity;
  const crossNamespace = (t: PodAffinityTerm): boolean => (t.namespaces?.length ?? 0) > 0 || (t.namespaceSelector !== undefined && t.namespaceSelector !== null);
  const weighted = (terms: readonly WeightedPodAffinityTerm[] | undefined): boolean => (terms ?? []).some((w) => crossNamespace(w.podAffinityTerm));
  return [affinity?.podAffinity, affinity?.podAntiAffinity].some(
    (a) => (a?.requiredDuringSchedulingIgnoredDuringExecution ?? []).some(crossNamespace) || weighted(a?.preferredDuringSchedulingIgnoredDuringExecution),
  );
}

/** The PriorityClass scope is a label selector over {PriorityClass: <name>} (empty when unnamed). */
function priorityClassMatches(pod: Pod, s: ScopeRequirement): boolean {
  const pc = pod.spec?.priorityClassName ?? '';
  switch (s.operator) {
    case 'Exists':
      return pc !== '';
    case 'DoesNotExist':
      return pc === '';
    case 'In':
      return pc !== '' && s.values.includes(pc);
    case 'NotIn':
      return pc === '' || !s.values.includes(pc);
    default:
      return false;
  }
}

function podMatchesScope(pod: Pod, s: ScopeRequirement): boolean {
  switch (s.scopeName) {
    case 'Terminating':
      return isTerminating(pod);
    case 'NotTerminating':
      return !isTerminating(pod);
    case 'BestEffort':
      return isBestEffort(pod);
    case 'NotBestEffort':
      return !isBestEffort(pod);
    case 'PriorityClass':
      return priorityClassMatches(pod, s);
    case 'CrossNamespacePodAffinity':
      return usesCrossNamespacePodAffinity(pod);
    default:
      return false;
  }
}

/** Whether a pod falls under every scope of the quota (a quota without scopes takes every pod). */
export function podMatchesScopes(pod: Pod, quota: ResourceQuota): boolean {
  return scopeRequirements(quota).every((s) => podMatchesScope(pod, s));
}
