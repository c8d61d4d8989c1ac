// The RuntimeClass admission plugin (on by default in Kubernetes): a new pod naming a
// RuntimeClass must name one that exists, takes its overhead as spec.overhead, and takes its
// scheduling constraints (nodeSelector merged in, tolerations appended). Create only.
import type { Pod, PodSpec } from 'kubernetes-types/core/v1.js';
import type { RuntimeClass } from 'kubernetes-types/node/v1.js';
import type { Quantity } from 'kubernetes-types/api/resource.js';
import type { KubeObject } from '../../api/object.js';
import { compareQuantities, quantityText } from '../../api/validation/quantity.js';
import type { WriteHooks } from '../registry/hooks.js';
import { mergeTolerations } from './merge-tolerations.js';
import { admissionForbidden, PODS } from './forbidden.js';

type ResourceList = Record<string, Quantity>;

/** Reads a RuntimeClass by name, or undefined when there is none. */
export type RuntimeClassLookup = (name: string) => Promise<RuntimeClass | undefined>;

function listOrEmpty<T>(list: readonly T[] | undefined): readonly T[] {
  return Array.isArray(list) ? list : [];
}

function isEmpty(list: ResourceList | undefined): boolean {
  return list === undefined || Object.keys(list).length === 0;
}

/** Same resources with equal amounts ("1Mi" equals "1048576"); absent and empty are equal. */
export function sameResourceList(a: ResourceList | undefined, b: ResourceList | undefined): boolean {
  const x = a ?? {};
  const y = b ?? {};
  const keys = Object.keys(x);
  if (keys.length !== Object.keys(y).length) return false;
  return keys.every((k) => {
    if (!(k in y)) return false;
    const l = quantityText(x[k]);
    const r = quantityText(y[k]);
    return l !== undefined && r !== undefined && (compareQuantities(l, r) ?? (l === r ? 0 : 1)) === 0;
  });
}

const OVERHEAD_MISMATCH = "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead";
const OVERHEAD_WITHOUT_CLASS = 'pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead';

/** The class's pod overhead becomes the pod's; an overhead the pod states must be the same. */
function setOverhead(pod: Pod, spec: PodSpec, rc: RuntimeClass | undefined): void {
  const podFixed = rc?.overhead?.podFixed;
  if (rc?.overhead === undefined) {
    // Only RuntimeClass admission may set a pod's overhead.
    if (!isEmpty(spec.overhead)) throw admissionForbidden(PODS, pod, OVERHEAD_WITHOUT_CLASS);
    return;
  }
  if (!isEmpty(spec.overhead) && !sameResourceList(podFixed, spec.overhead)) throw admissionForbidden(PODS, pod, OVERHEAD_MISMATCH);
  if (podFixed === undefined) delete spec.overhead;
  else spec.overhead = { ...podFixed };
}

/** The class's node selector joins the pod's (a different value for one key refuses the pod); tolerations merge. */
function setScheduling(pod: Pod, spec: PodSpec, rc: RuntimeClass | undefined): void {
  const scheduling = rc?.scheduling;
  if (scheduling === undefined) return;
  const selector = scheduling.nodeSelector ?? {};
  if (Object.keys(selector).length > 0) {
    const podSelector = spec.nodeSelector ?? {};
    for (const [key, value] of Object.entries(selector)) {
      const podValue = podSelector[key];
      if (podValue !== undefined && podValue !== value) {
        throw admissionForbidden(
          PODS,
          pod,
          `conflict: runtimeClass.scheduling.nodeSelector[${key}] = ${value}; pod.spec.nodeSelector[${key}] = ${podValue}`,
        );
      }
    }
    spec.nodeSelector = { ...podSelector, ...selector };
  }
  const merged = mergeTolerations(listOrEmpty(spec.tolerations), listOrEmpty(scheduling.tolerations));
  if (merged.length > 0 || spec.tolerations !== undefined) spec.tolerations = merged;
}

/** Admits a new pod (changing it in place), or throws a 403 ApiError. */
export async function admitPodRuntimeClass(pod: Pod, lookup: RuntimeClassLookup): Promise<void> {
  const spec = pod.spec;
  if (!spec) return;
  const className = spec.runtimeClassName;
  let rc: RuntimeClass | undefined;
  if (className) {
    rc = await lookup(className);
    if (!rc) throw admissionForbidden(PODS, pod, `pod rejected: RuntimeClass "${className}" not found`);
  }
  setOverhead(pod, spec, rc);
  setScheduling(pod, spec, rc);
}

/** The plugin as a pods write hook (src/apiserver/registry/hooks.ts). */
export function runtimeClassAdmission(lookup: RuntimeClassLookup): WriteHooks {
  return { admitCreate: (obj: KubeObject) => admitPodRuntimeClass(obj as Pod, lookup) };
}
