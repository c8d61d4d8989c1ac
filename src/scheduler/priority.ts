// Pod priority: the built-in PriorityClasses and how a pod's priority is resolved from its
// priorityClassName (the Priority admission plugin's job; offered here for callers that
// create pods without it).
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import { SYSTEM_PRIORITY_CLASSES } from '../api/validation/priority-class.js';

/** The system classes the API server creates at startup, as the scheduler sees them. */
export function builtinPriorityClasses(): PriorityClass[] {
  return SYSTEM_PRIORITY_CLASSES.map((c) => ({
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: c.name },
    value: c.value,
    description: c.description,
    preemptionPolicy: 'PreemptLowerPriority',
  }));
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
