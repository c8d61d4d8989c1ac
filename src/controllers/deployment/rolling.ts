// The RollingUpdate strategy (Kubernetes' rolloutRolling): grow the new ReplicaSet within
// maxSurge, shrink old ones within maxUnavailable — unhealthy pods first — and never both in
// one sync, so each step is decided on fresh ReplicaSet status.
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { ReconcileResult } from '../../informer/workers.js';
import { deploymentComplete } from './conditions.js';
import { desiredReplicas, maxUnavailable } from './fenceposts.js';
import { activeReplicaSets, availableForScaleDown, byCreation, replicaCount, specReplicas } from './replica-sets.js';
import { newReplicasForNewRS, type DeploymentSync } from './sync.js';

export async function rolloutRolling(s: DeploymentSync, rsList: readonly ReplicaSet[]): Promise<ReconcileResult> {
  const { newRS, oldRSs } = await s.newAndOld(rsList, { create: true });
  if (!newRS) throw new Error(`deployment ${s.name}: no new replica set after creating one`);
  const all = [...oldRSs, newRS];
  if (await reconcileNewReplicaSet(s, all, newRS)) return s.syncRolloutStatus(all, newRS);
  if (await reconcileOldReplicaSets(s, all, activeReplicaSets(oldRSs), newRS)) return s.syncRolloutStatus(all, newRS);
  if (s.d.status && deploymentComplete(s.d, s.d.status)) await s.cleanup(oldRSs);
  return s.syncRolloutStatus(all, newRS);
}

async function reconcileNewReplicaSet(s: DeploymentSync, all: ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
  const replicas = desiredReplicas(s.d);
  if (specReplicas(newRS) === replicas) return false;
  if (specReplicas(newRS) > replicas) return (await s.scaleAndRecord(newRS, replicas)).scaled;
  return (await s.scaleAndRecord(newRS, newReplicasForNewRS(s.d, all, newRS))).scaled;
}

/**
 * Scales old ReplicaSets down as far as availability allows: at most
 * all pods − (replicas − maxUnavailable) − the new ReplicaSet's unavailable pods.
 */
async function reconcileOldReplicaSets(s: DeploymentSync, all: ReplicaSet[], oldRSs: ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
  if (replicaCount(oldRSs) === 0) return false;
  const minAvailable = desiredReplicas(s.d) - maxUnavailable(s.d);
  const newUnavailable = specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
  const maxScaledDown = replicaCount(all) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;
  const { rss: cleaned, scaledDown: cleanedCount } = await cleanupUnhealthyReplicas(s, oldRSs, maxScaledDown);
  const scaledDown = await scaleDownOldForRollingUpdate(s, [...cleaned, newRS], cleaned);
  return cleanedCount + scaledDown > 0;
}

/** Removes old pods that are not available anyway, oldest ReplicaSets first, up to `maxCleanup`. */
async function cleanupUnhealthyReplicas(s: DeploymentSync, oldRSs: ReplicaSet[], maxCleanup: number): Promise<{ rss: ReplicaSet[]; scaledDown: number }> {
  const rss = [...oldRSs].sort(byCreation);
  let total = 0;
  for (const [i, rs] of rss.entries()) {
    if (total >= maxCleanup) break;
    const unhealthy = specReplicas(rs) - (rs.status?.availableReplicas ?? 0);
    if (specReplicas(rs) === 0 || unhealthy <= 0) continue;
    const count = Math.min(maxCleanup - total, unhealthy);
    rss[i] = (await s.scaleAndRecord(rs, specReplicas(rs) - count)).rs;
    total += count;
  }
  return { rss, scaledDown: total };
}

/** Scales old ReplicaSets down, oldest first, by the available pods above replicas − maxUnavailable. */
async function scaleDownOldForRollingUpdate(s: DeploymentSync, all: ReplicaSet[], oldRSs: ReplicaSet[]): Promise<number> {
  const minAvailable = desiredReplicas(s.d) - maxUnavailable(s.d);
  const available = availableForScaleDown(all);
  if (available <= minAvailable) return 0;
  const budget = available - minAvailable;
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= budget) break;
    if (specReplicas(rs) === 0) continue;
    const count = Math.min(specReplicas(rs), budget - total);
    await s.scaleAndRecord(rs, specReplicas(rs) - count);
    total += count;
  }
  return total;
}
