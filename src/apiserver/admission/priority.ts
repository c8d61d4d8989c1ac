// The Priority admission plugin (on by default in Kubernetes). A new pod's priorityClassName
// must name an existing PriorityClass, whose value and preemptionPolicy become the pod's
// spec.priority and spec.preemptionPolicy; a pod without one takes the globalDefault class
// (the lowest-valued one should there be several), or else priority 0 and PreemptLowerPriority.
// A pod may state a priority or policy only if it equals the computed one. For PriorityClasses,
// only one may be the globalDefault. Refusals are 403s worded as Kubernetes words them.
// Deviation: Kubernetes also puts a pod's stored priority back when an update leaves it out;
// k8ts has no admission step before update validation, so such an update is refused as a change
// of spec (clients that send the object they read, as kubectl and controllers do, keep it).
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import type { ResourceInfo } from '../../api/resources.js';
import { NO_TRANSACTION, type HookTransaction, type WriteHooks } from '../registry/hooks.js';
import { isPod } from '../registry/kinds.js';
import { admissionForbidden } from './forbidden.js';

/** PriorityClasses as the API server knows them now. */
export interface PriorityClasses {
  get(name: string): Promise<PriorityClass | undefined>;
  list(): Promise<PriorityClass[]>;
}

type PreemptionPolicy = 'Never' | 'PreemptLowerPriority';

/** The globalDefault class; with several (a race between two creates), the lowest-valued. */
async function defaultClass(classes: PriorityClasses): Promise<PriorityClass | undefined> {
  let found: PriorityClass | undefined;
  for (const pc of await classes.list()) {
    if (pc.globalDefault && (found === undefined || (found.value ?? 0) > (pc.value ?? 0))) found = pc;
  }
  return found;
}

async function admitPod(resource: ResourceInfo, pod: Pod, classes: PriorityClasses): Promise<void> {
  const spec = pod.spec;
  if (!spec) return;
  let priority: number;
  let policy: PreemptionPolicy | undefined;
  if (!spec.priorityClassName) {
    const pc = await defaultClass(classes);
    if (pc) {
      spec.priorityClassName = pc.metadata?.name ?? '';
      priority = pc.value ?? 0;
      policy = pc.preemptionPolicy as PreemptionPolicy | undefined;
    } else {
      priority = 0;
      policy = 'PreemptLowerPriority';
    }
  } else {
    const pc = await classes.get(spec.priorityClassName);
    if (!pc) throw admissionForbidden(resource, pod, `no PriorityClass with name ${spec.priorityClassName} was found`);
    priority = pc.value ?? 0;
    policy = pc.preemptionPolicy as PreemptionPolicy | undefined;
  }
  if (spec.priority !== undefined && spec.priority !== null && spec.priority !== priority) {
    throw admissionForbidden(resource, pod,
      `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`);
  }
  spec.priority = priority;
  if (policy !== undefined) {
    if (spec.preemptionPolicy && spec.preemptionPolicy !== policy) {
      throw admissionForbidden(resource, pod,
        `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`);
    }
    spec.preemptionPolicy = policy;
  }
}

/** A class may become the globalDefault only while no other class is. */
async function checkSingleDefault(resource: ResourceInfo, pc: PriorityClass, classes: PriorityClasses, update: boolean): Promise<HookTransaction> {
  if (!pc.globalDefault) return NO_TRANSACTION;
  const current = await defaultClass(classes);
  const currentName = current?.metadata?.name;
  if (current && (!update || currentName !== pc.metadata?.name)) {
    throw admissionForbidden(resource, pc,
      `PriorityClass ${currentName ?? ''} is already marked as default. Only one default can exist`);
  }
  return NO_TRANSACTION;
}

function isPriorityClass(r: ResourceInfo): boolean {
  return r.group === 'scheduling.k8s.io' && r.plural === 'priorityclasses';
}

/** The plugin's hooks: pods (mutating, on create) and PriorityClasses (validating); undefined for others. */
export function priorityHooks(resource: ResourceInfo, classes: PriorityClasses): WriteHooks | undefined {
  if (isPod(resource)) return { admitCreate: (obj) => admitPod(resource, obj as Pod, classes) };
  if (isPriorityClass(resource)) {
    return {
      beforeCreate: (obj) => checkSingleDefault(resource, obj as unknown as PriorityClass, classes, false),
      beforeUpdate: (_old, obj) => checkSingleDefault(resource, obj as unknown as PriorityClass, classes, true),
    };
  }
  return undefined;
}
