// The LimitRanger admission plugin (on by default in Kubernetes, first in its chain): the
// namespace's LimitRanges give a new pod's containers their default requests and limits
// (mutating, before validation: `admitCreate`), then bound each container, the pod, and a
// claim's storage request (validating, after field validation: `beforeCreate`/`beforeUpdate`),
// refusing with 403 and Kubernetes' texts. Pods are checked on create only: their containers'
// resources cannot change afterwards. Claims on create and update, except while being deleted.
import type { LimitRange, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import type { ResourceInfo } from '../../api/resources.js';
import { NO_TRANSACTION, type HookTransaction, type WriteHooks } from '../registry/hooks.js';
import { isPod } from '../registry/kinds.js';
import { aggregateMessage, claimViolations, podViolations } from './limit-ranger-checks.js';
import { applyLimitRangeDefaults } from './limit-ranger-defaults.js';
import { admissionForbidden } from './forbidden.js';

/** The LimitRanges of a namespace, as stored now. */
export type LimitRangeLookup = (namespace: string) => Promise<LimitRange[]>;

function isClaim(r: ResourceInfo): boolean {
  return r.group === '' && r.plural === 'persistentvolumeclaims';
}

/** Runs `violations` per LimitRange; the first one violated refuses the object (as Kubernetes). */
async function enforce(
  lookup: LimitRangeLookup,
  plural: string,
  obj: KubeObject,
  violations: (lr: LimitRange) => string[],
): Promise<HookTransaction> {
  const namespace = obj.metadata?.namespace;
  if (!namespace) return NO_TRANSACTION;
  for (const lr of await lookup(namespace)) {
    const found = violations(lr);
    if (found.length > 0) throw admissionForbidden({ group: '', plural }, obj, aggregateMessage(found));
  }
  return NO_TRANSACTION;
}

/** The plugin's hooks for one resource: pods and persistent volume claims; undefined for others. */
export function limitRangerHooks(resource: ResourceInfo, lookup: LimitRangeLookup): WriteHooks | undefined {
  if (isPod(resource)) {
    // The LimitRanges a pod was defaulted from also validate it: one read per create.
    const seen = new WeakMap<KubeObject, LimitRange[]>();
    return {
      admitCreate: async (obj) => {
        const namespace = obj.metadata?.namespace;
        if (!namespace) return;
        const ranges = await lookup(namespace);
        seen.set(obj, ranges);
        for (const lr of ranges) applyLimitRangeDefaults(obj as Pod, lr);
      },
      beforeCreate: (obj) => {
        const ranges = seen.get(obj);
        const read: LimitRangeLookup = ranges ? async () => ranges : lookup;
        return enforce(read, 'pods', obj, (lr) => podViolations(obj as Pod, lr));
      },
    };
  }
  if (isClaim(resource)) {
    const plural = 'persistentvolumeclaims';
    return {
      beforeCreate: (obj) => enforce(lookup, plural, obj, (lr) => claimViolations(obj as PersistentVolumeClaim, lr)),
      beforeUpdate: async (old, obj) => {
        // Objects being deleted are left alone, so that finalizers can still be removed.
        if (old.metadata?.deletionTimestamp) return NO_TRANSACTION;
        return enforce(lookup, plural, obj, (lr) => claimViolations(obj as PersistentVolumeClaim, lr, old as PersistentVolumeClaim));
      },
    };
  }
  return undefined;
}
