// ControllerRef bookkeeping for pods (Kubernetes' PodControllerRefManager): adopt orphans that
// match, release owned pods that no longer match, leave pods of other controllers alone.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { ApiError } from '../../api/errors.js';
import type { LabelMatcher } from '../../api/selectors/labels.js';
import type { ResourceClient } from '../../client/resource-client.js';
import type { ReplicatedKind, ReplicatedObject } from './replicated-kind.js';

export function controllerRefOf(obj: { metadata?: { ownerReferences?: OwnerReference[] } }): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

export function newControllerRef(kind: ReplicatedKind, owner: ReplicatedObject): OwnerReference {
  return {
    apiVersion: kind.apiVersion,
    kind: kind.kind,
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

export interface ClaimOptions {
  kind: ReplicatedKind;
  owner: ReplicatedObject;
  selector: LabelMatcher;
  pods: ResourceClient<Pod>;
  /**
   * Asked once, before the first adoption: a fresh read of the owner, failing when it is gone
   * or being deleted (Kubernetes' RecheckDeletionTimestamp) — the cache may not know yet.
   */
  canAdopt: () => Promise<void>;
}

/** The pods (from `candidates`: owned or orphaned, active) that belong to the owner after claiming. */
export async function claimPods(candidates: readonly Pod[], options: ClaimOptions): Promise<Pod[]> {
  const { owner, selector } = options;
  const ownerUid = owner.metadata?.uid ?? '';
  const ownerDeleting = Boolean(owner.metadata?.deletionTimestamp);
  let adoptionChecked: Promise<void> | undefined;
  const claimed: Pod[] = [];
  const errors: unknown[] = [];
  await Promise.all(
    candidates.map(async (pod) => {
      const ref = controllerRefOf(pod);
      const matches = selector.matches(pod.metadata?.labels);
      try {
        if (ref) {
          if (ref.uid !== ownerUid) return;
          if (matches) claimed.push(pod);
          else if (!ownerDeleting) await release(pod, options);
          return;
        }
        if (ownerDeleting || !matches || pod.metadata?.deletionTimestamp) return;
        if (pod.metadata?.namespace !== owner.metadata?.namespace) return;
        adoptionChecked ??= options.canAdopt();
        await adoptionChecked;
        if (await adopt(pod, options)) claimed.push(pod);
      } catch (err) {
        errors.push(err);
      }
    }),
  );
  if (errors.length > 0) throw errors[0];
  return claimed;
}

/** Strategic merge patches as Kubernetes sends them; metadata.uid makes them apply to this pod only. */
async function adopt(pod: Pod, options: ClaimOptions): Promise<boolean> {
  const patch = { metadata: { ownerReferences: [newControllerRef(options.kind, options.owner)], uid: pod.metadata?.uid } };
  return ignoreNotFound(options.pods.patch(pod.metadata?.name ?? '', 'strategic', patch));
}

async function release(pod: Pod, options: ClaimOptions): Promise<void> {
  const patch = { metadata: { ownerReferences: [{ $patch: 'delete', uid: options.owner.metadata?.uid }], uid: pod.metadata?.uid } };
  await ignoreNotFound(options.pods.patch(pod.metadata?.name ?? '', 'strategic', patch));
}

/** True when the call succeeded, false when the pod was gone; other errors propagate. */
async function ignoreNotFound(call: Promise<unknown>): Promise<boolean> {
  try {
    await call;
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return false;
    throw err;
  }
}
