// Pod priority: the built-in PriorityClasses and how a pod's priority is resolved from its
// priorityClassName (the Priority admission plugin's job; offered here for callers that
// create pods without it).
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';

export const SYSTEM_CLUSTER_CRITICAL = 'system-cluster-critical';
export const SYSTEM_NODE_CRITICAL = 'system-node-critical';
/** Highest value a user-defined PriorityClass may have. */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
export const SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY;

export function builtinPriorityClasses(): PriorityClass[] {
  const pc = (name: string, value: number, description: string): PriorityClass => ({
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name },
    value,
    description,
    preemptionPolicy: 'PreemptLowerPriority',
  });
  return [
    pc(SYSTEM_CLUSTER_CRITICAL, SYSTEM_CRITICAL_PRIORITY, 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.'),
    pc(SYSTEM_NODE_CRITICAL, SYSTEM_CRITICAL_PRIORITY + 1000, 'Used for system critical pods that must not be moved from their current node.'),
  ];
}

/**
 * Priority and preemption policy for a pod: from its class, else the globalDefault class, else 0.
 * Undefined when the named class does not exist (admission rejects such a pod).
 */
export function resolvePriority(pod: Pod, classes: readonly PriorityClass[]): { priority: number; preemptionPolicy: string } | undefined {
  const name = pod.spec?.priorityClassName;
  const all = [...builtinPriorityClasses(), ...classes];
  const pc = name ? all.find((c) => c.metadata?.name === name) : all.find((c) => c.globalDefault);
  if (name && !pc) return undefined;
  return { priority: pc?.value ?? 0, preemptionPolicy: pc?.preemptionPolicy ?? 'PreemptLowerPriority' };
}
