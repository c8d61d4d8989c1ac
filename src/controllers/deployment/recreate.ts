// The Recreate strategy (Kubernetes' rolloutRecreate): scale every old ReplicaSet to 0, wait
// until none of their pods is left running, then create/scale the new one to spec.replicas.
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ReconcileResult } from '../../informer/workers.js';
import { deploymentComplete } from './conditions.js';
import { desiredReplicas } from './fenceposts.js';
import { activeReplicaSets, actualReplicaCount, specReplicas } from './replica-sets.js';
import type { DeploymentSync } from './sync.js';

/** `podsByReplicaSet`: the Deployment's pods keyed by the uid of the ReplicaSet controlling them. */
export async function rolloutRecreate(s: DeploymentSync, rsList: readonly ReplicaSet[], podsByReplicaSet: ReadonlyMap<string, readonly Pod[]>): Promise<ReconcileResult> {
  let { newRS, oldRSs } = await s.newAndOld(rsList, { create: false });
  let all = [...oldRSs, newRS];
  let scaledDown = false;
  for (const rs of activeReplicaSets(oldRSs)) {
    if ((await s.scaleAndRecord(rs, 0)).scaled) scaledDown = true;
  }
  if (scaledDown) return s.syncRolloutStatus(all, newRS);
  if (oldPodsRunning(newRS, oldRSs, podsByReplicaSet)) return s.syncRolloutStatus(all, newRS);
  if (!newRS) {
    ({ newRS, oldRSs } = await s.newAndOld(rsList, { create: true }));
    all = [...oldRSs, newRS];
  }
  if (newRS && specReplicas(newRS) !== desiredReplicas(s.d)) await s.scaleAndRecord(newRS, desiredReplicas(s.d));
  if (s.d.status && deploymentComplete(s.d, s.d.status)) await s.cleanup(oldRSs);
  return s.syncRolloutStatus(all, newRS);
}

/** Old ReplicaSets still report pods, or some old pod has not finished (Succeeded/Failed). */
function oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[], podsByReplicaSet: ReadonlyMap<string, readonly Pod[]>): boolean {
  if (actualReplicaCount(oldRSs) > 0) return true;
  for (const [uid, pods] of podsByReplicaSet) {
    if (newRS && newRS.metadata?.uid === uid) continue;
    if (pods.some((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed')) return true;
  }
  return false;
}
