// The pod evaluator's Constraints (Kubernetes v1.33): a quota limiting cpu or memory (bare,
// requests.* or limits.*) requires every container and init container to state that amount —
// "a mistake" Kubernetes keeps for compatibility, and extends to no other resource.
import type { Container, Pod } from 'kubernetes-types/core/v1.js';

const VALIDATED = new Set(['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']);

/** The validated names a container states (podComputeUsageHelper: a request gives bare and requests.*). */
function statedNames(c: Container): Set<string> {
  const out = new Set<string>();
  for (const name of ['cpu', 'memory']) {
    if (c.resources?.requests?.[name] !== undefined) out.add(name).add(`requests.${name}`);
    if (c.resources?.limits?.[name] !== undefined) out.add(`limits.${name}`);
  }
  return out;
}

/**
 * Kubernetes' refusal for a pod missing amounts that the quota's `limited` names require, e.g.
 * "must specify limits.cpu for: a,b; requests.memory for: a"; undefined when nothing is missing.
 */
export function missingPodAmounts(pod: Pod, limited: readonly string[]): string | undefined {
  const required = limited.filter((n) => VALIDATED.has(n));
  if (required.length === 0) return undefined;
  const missing = new Map<string, Set<string>>();
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    const stated = statedNames(c);
    for (const name of required) {
      if (stated.has(name)) continue;
      const containers = missing.get(name) ?? new Set<string>();
      missing.set(name, containers.add(c.name));
    }
  }
  if (missing.size === 0) return undefined;
  const parts = [...missing.keys()].sort().map((name) => `${name} for: ${[...(missing.get(name) ?? [])].sort().join(',')}`);
  return `must specify ${parts.join('; ')}`;
}
