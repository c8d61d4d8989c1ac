// ControllerRef bookkeeping for a Deployment's ReplicaSets (Kubernetes'
// ReplicaSetControllerRefManager): adopt matching orphans, release owned ones that no longer
// match, leave those of other controllers alone.
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { ApiError } from '../../api/errors.js';
import type { LabelMatcher } from '../../api/selectors/labels.js';
import type { ResourceClient } from '../../client/resource-client.js';

export function controllerRefOf(obj: { metadata?: { ownerReferences?: OwnerReference[] } }): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

export interface ClaimOptions {
  deployment: Deployment;
  selector: LabelMatcher;
  replicaSets: ResourceClient<ReplicaSet>;
  /** A fresh read of the Deployment before the first adoption; throws when it is gone or being deleted. */
  canAdopt: () => Promise<void>;
}

export async function claimReplicaSets(candidates: readonly ReplicaSet[], options: ClaimOptions): Promise<ReplicaSet[]> {
  const { deployment: d, selector } = options;
  const uid = d.metadata?.uid ?? '';
  const deleting = Boolean(d.metadata?.deletionTimestamp);
  let checked: Promise<void> | undefined;
  const claimed: ReplicaSet[] = [];
  for (const rs of candidates) {
    const ref = controllerRefOf(rs);
    const matches = selector.matches(rs.metadata?.labels);
    if (ref) {
      if (ref.uid !== uid) continue;
      if (matches) claimed.push(rs);
      else if (!deleting) await patchIgnoringNotFound(options, rs, [{ $patch: 'delete', uid }]);
      continue;
    }
    if (deleting || !matches || rs.metadata?.deletionTimestamp) continue;
    checked ??= options.canAdopt();
    await checked;
    const ownerRef: OwnerReference = { apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata?.name ?? '', uid, controller: true, blockOwnerDeletion: true };
    const adopted = await patchIgnoringNotFound(options, rs, [ownerRef]);
    if (adopted) claimed.push(adopted);
  }
  return claimed;
}

/** Strategic merge patch of ownerReferences (merged by uid), applying to this very object only. */
async function patchIgnoringNotFound(options: ClaimOptions, rs: ReplicaSet, ownerReferences: unknown[]): Promise<ReplicaSet | undefined> {
  try {
    return await options.replicaSets.patch(rs.metadata?.name ?? '', 'strategic', { metadata: { ownerReferences, uid: rs.metadata?.uid } });
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return undefined;
    throw err;
  }
}
