// spec.podFailurePolicy: the first rule matching a failed pod decides what its failure means.
import type { Job, PodFailurePolicyRule } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';

export type FailureAction =
  | { action: 'Count' }
  | { action: 'Ignore' }
  | { action: 'FailIndex' }
  | { action: 'FailJob'; message: string };

/** What the policy says about a pod in phase Failed; Count when no rule matches (or no policy). */
export function matchPodFailurePolicy(job: Job, pod: Pod): FailureAction {
  const rules = job.spec?.podFailurePolicy?.rules ?? [];
  if (pod.status?.phase !== 'Failed') return { action: 'Count' };
  for (const [i, rule] of rules.entries()) {
    const why = ruleMatch(rule, pod);
    if (why === undefined) continue;
    const podRef = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
    switch (rule.action) {
      case 'Ignore':
        return { action: 'Ignore' };
      case 'FailIndex':
        return { action: 'FailIndex' };
      case 'FailJob':
        return { action: 'FailJob', message: `${why.replace('{pod}', podRef)} matching FailJob rule at index ${i}` };
      default:
        return { action: 'Count' };
    }
  }
  return { action: 'Count' };
}

/** A description of the match (with `{pod}` for the pod) or undefined. */
function ruleMatch(rule: PodFailurePolicyRule, pod: Pod): string | undefined {
  const codes = rule.onExitCodes;
  if (codes) {
    const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    for (const s of statuses) {
      if (codes.containerName && codes.containerName !== s.name) continue;
      const exit = s.state?.terminated?.exitCode;
      if (exit === undefined || exit === 0) continue;
      const listed = codes.values.includes(exit);
      if (codes.operator === 'In' ? listed : !listed) return `Container ${s.name} for pod {pod} failed with exit code ${exit}`;
    }
    return undefined;
  }
  for (const pattern of rule.onPodConditions ?? []) {
    const want = pattern.status ?? 'True';
    if (pod.status?.conditions?.some((c) => c.type === pattern.type && c.status === want)) return `Pod {pod} has condition ${pattern.type}`;
  }
  return undefined;
}
