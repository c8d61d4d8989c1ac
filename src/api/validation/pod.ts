// Pods: create validation, and the update rule that a pod's spec is immutable except for a
// few fields (ValidatePodCreate / ValidatePodUpdate, Kubernetes v1.33).
import type { Pod, PodSpec, Toleration } from 'kubernetes-types/core/v1.js';
import type { FieldError } from '../errors.js';
import { deepCopy } from '../object.js';
import { list } from './container.js';
import { forbidden, invalid } from './field.js';
import { inclusiveRangeError, isDNS1123Subdomain } from './names.js';
import { validatePodSpec } from './podspec.js';
import { jsonEqual } from './equal.js';

export const POD_UPDATE_FORBIDDEN =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

const MAX_INT32 = 2147483647;

/** Spec checks for a new pod; metadata is checked by the caller. */
export function validatePod(pod: Pod): FieldError[] {
  const errs = validatePodSpec(pod.spec, 'spec');
  if (list(pod.spec?.ephemeralContainers).length > 0) errs.push(forbidden('spec.ephemeralContainers', 'cannot be set on create'));
  return errs;
}

/** Spec checks for a pod update, including which fields may change; metadata is checked by the caller. */
export function validatePodUpdate(pod: Pod, old: Pod): FieldError[] {
  const errs = validatePodSpec(pod.spec, 'spec');
  const spec = pod.spec ?? { containers: [] };
  const oldSpec = old.spec ?? { containers: [] };
  errs.push(...validateActiveDeadlineUpdate(spec.activeDeadlineSeconds, oldSpec.activeDeadlineSeconds));
  errs.push(...validateOnlyAddedTolerations(list(spec.tolerations), list(oldSpec.tolerations)));
  if (!jsonEqual(mutableFieldsFrom(spec, oldSpec), oldSpec)) errs.push(forbidden('spec', POD_UPDATE_FORBIDDEN));
  return errs;
}

/**
 * A write through pods/status: its spec is the stored one, so only status is checked (as
 * Kubernetes' ValidatePodStatusUpdate; it checks more of status than this does).
 */
export function validatePodStatusUpdate(pod: Pod): FieldError[] {
  const nominated = pod.status?.nominatedNodeName;
  if (!nominated) return [];
  return isDNS1123Subdomain(nominated).map((msg) => invalid('status.nominatedNodeName', nominated, msg));
}

/** The new spec with every field a pod update may change put back to its old value. */
function mutableFieldsFrom(spec: PodSpec, old: PodSpec): PodSpec {
  const m = deepCopy(spec);
  const restoreImages = (now: { name: string; image?: string }[] | undefined, before: { image?: string }[] | undefined): void => {
    (now ?? []).forEach((c, i) => {
      const prev = before?.[i];
      if (prev) c.image = prev.image;
    });
  };
  restoreImages(m.containers, old.containers);
  restoreImages(m.initContainers, old.initContainers);
  m.activeDeadlineSeconds = old.activeDeadlineSeconds;
  m.tolerations = old.tolerations;
  if (old.terminationGracePeriodSeconds !== undefined && old.terminationGracePeriodSeconds < 0 && m.terminationGracePeriodSeconds === 1)
    m.terminationGracePeriodSeconds = old.terminationGracePeriodSeconds;
  // The JSON form drops undefined members, so compare as JSON would.
  return JSON.parse(JSON.stringify(m)) as PodSpec;
}

function validateActiveDeadlineUpdate(now: number | undefined, before: number | undefined): FieldError[] {
  const path = 'spec.activeDeadlineSeconds';
  if (now !== undefined) {
    if (now < 0 || now > MAX_INT32) return [invalid(path, now, inclusiveRangeError(0, MAX_INT32))];
    if (before !== undefined && before < now) return [invalid(path, now, 'must be less than or equal to previous value')];
    return [];
  }
  return before !== undefined ? [invalid(path, null, 'must not update from a positive integer to nil value')] : [];
}

/** Existing tolerations stay; only a NoExecute toleration's tolerationSeconds may shrink. */
function validateOnlyAddedTolerations(now: Toleration[], before: Toleration[]): FieldError[] {
  for (const o of before) {
    const kept = now.some((n) => {
      if (jsonEqual(n, o)) return true;
      const { tolerationSeconds: ns, ...nRest } = n;
      const { tolerationSeconds: os, ...oRest } = o;
      return jsonEqual(nRest, oRest) && o.effect === 'NoExecute' && ns !== undefined && os !== undefined && ns <= os;
    });
    if (!kept) return [forbidden('spec.tolerations', 'existing toleration can not be modified except its tolerationSeconds')];
  }
  return [];
}


