// PriorityClass (scheduling.k8s.io/v1) as Kubernetes v1.33 validates it, and the system classes
// that validation reserves the `system-` prefix for (Kubernetes' SystemPriorityClasses, which
// the API server also creates at startup: src/apiserver/system-priority-classes.ts).
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import type { FieldError } from '../errors.js';
import { forbidden, IMMUTABLE, invalid, notSupported, required } from './field.js';

/** The highest value a PriorityClass not named `system-…` may have. */
const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
/** system-cluster-critical's value; system-node-critical's is 1000 more. */
const SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY;
const SYSTEM_PRIORITY_CLASS_PREFIX = 'system-';

interface SystemPriorityClass {
  name: string;
  value: number;
  description: string;
}

export const SYSTEM_PRIORITY_CLASSES: readonly SystemPriorityClass[] = [
  {
    name: 'system-node-critical',
    value: SYSTEM_CRITICAL_PRIORITY + 1000,
    description: 'Used for system critical pods that must not be moved from their current node.',
  },
  {
    name: 'system-cluster-critical',
    value: SYSTEM_CRITICAL_PRIORITY,
    description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
  },
];

/** Why `pc` is not one of the system classes as defined (name, value, not global default); undefined when it is. */
function systemClassMismatch(pc: PriorityClass): string | undefined {
  const name = pc.metadata?.name ?? '';
  const known = SYSTEM_PRIORITY_CLASSES.find((c) => c.name === name);
  if (!known) return `${name} is not a known system priority class`;
  if ((pc.value ?? 0) !== known.value) return `value of ${name} PriorityClass must be ${known.value}`;
  if ((pc.globalDefault ?? false) !== false) return `globalDefault of ${name} PriorityClass must be false`;
  return undefined;
}

const PREEMPTION_POLICIES = ['PreemptLowerPriority', 'Never'];

export function validatePriorityClass(pc: PriorityClass): FieldError[] {
  const errs: FieldError[] = [];
  const name = pc.metadata?.name ?? '';
  if (name.startsWith(SYSTEM_PRIORITY_CLASS_PREFIX)) {
    const why = systemClassMismatch(pc);
    if (why) errs.push(forbidden('metadata.name', `priority class names with '${SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are reserved for system use only. error: ${why}`));
  } else if ((pc.value ?? 0) > HIGHEST_USER_DEFINABLE_PRIORITY) {
    errs.push(forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`));
  }
  const pp = pc.preemptionPolicy;
  if (pp === '') errs.push(required('preemptionPolicy'));
  else if (pp !== undefined && pp !== null && !PREEMPTION_POLICIES.includes(pp)) errs.push(notSupported('preemptionPolicy', pp, PREEMPTION_POLICIES));
  return errs;
}

/** An update may change neither value nor preemptionPolicy; the create rules are not run again (as Kubernetes). */
export function validatePriorityClassUpdate(pc: PriorityClass, old: PriorityClass): FieldError[] {
  const errs: FieldError[] = [];
  if ((pc.value ?? 0) !== (old.value ?? 0)) errs.push(forbidden('value', 'may not be changed in an update.'));
  if (pc.preemptionPolicy !== old.preemptionPolicy) errs.push(invalid('preemptionPolicy', pc.preemptionPolicy ?? null, IMMUTABLE));
  return errs;
}
