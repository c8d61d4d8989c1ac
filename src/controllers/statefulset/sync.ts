// One reconcile of one StatefulSet (Kubernetes v1.33 StatefulSetControl): revisions, then pods
// in ordinal order — create missing ones (claims first), replace failed ones, delete condemned
// ones from the highest ordinal down, roll updates from the highest ordinal down to the
// partition — one at a time and only past Running+Ready pods under OrderedReady, all at
// once under Parallel; then status.
import type { ControllerRevision, StatefulSet, StatefulSetStatus } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { jsonEqual } from '../../api/validation/equal.js';
import type { EventRecorder } from '../../events/recorder.js';
import { syncRevisions, templateOf, truncateHistory, type RevisionWriter } from '../history/revisions.js';
import { claimsFor, isFinished, isRunningAndReady, isTerminating, newPod, ordinalOf, podRevision, untilAvailable } from './pods.js';

export interface StatefulSetDeps {
  now(): number;
  recorder: EventRecorder;
  revisions: (set: StatefulSet) => RevisionWriter;
  claimExists(namespace: string, name: string): boolean;
  createClaim(claim: PersistentVolumeClaim): Promise<'created' | 'exists'>;
  /** Makes `pod` an owner of the claim (whenScaled: Delete), so the claim goes with the pod. */
  ownClaimByPod(namespace: string, claim: string, pod: Pod): Promise<void>;
  createPod(pod: Pod): Promise<Pod>;
  deletePod(pod: Pod): Promise<void>;
  updateStatus(set: StatefulSet): Promise<StatefulSet>;
}

export async function syncStatefulSet(set: StatefulSet, pods: readonly Pod[], owned: readonly ControllerRevision[], deps: StatefulSetDeps): Promise<void | { requeueAfterMs: number }> {
  const writer = deps.revisions(set);
  const rev = await syncRevisions({ ...set, apiVersion: 'apps/v1', kind: 'StatefulSet' }, owned, {
    currentRevisionName: set.status?.currentRevision,
    collisionCount: set.status?.collisionCount,
  }, writer);
  const currentName = rev.current.metadata?.name ?? '';
  const updateName = rev.update.metadata?.name ?? '';
  const currentTemplate = templateOf(rev.current);
  const updateTemplate: PodTemplateSpec = set.spec?.template ?? {};
  const replicas = set.spec?.replicas ?? 1;
  const monotonic = (set.spec?.podManagementPolicy ?? 'OrderedReady') === 'OrderedReady';
  const minReady = set.spec?.minReadySeconds ?? 0;
  const strategy = set.spec?.updateStrategy;
  const partition = strategy?.type === 'OnDelete' ? replicas : (strategy?.rollingUpdate?.partition ?? 0);
  const now = deps.now();
  const ns = set.metadata?.namespace ?? '';
  const name = set.metadata?.name ?? '';
  let requeueAfterMs: number | undefined;
  const requeue = (ms: number): void => {
    requeueAfterMs = Math.min(requeueAfterMs ?? ms, ms);
  };

  const slots: (Pod | undefined)[] = Array.from({ length: replicas }, () => undefined);
  const condemned: Pod[] = [];
  for (const pod of pods) {
    const ord = ordinalOf(set, pod);
    if (ord !== undefined && ord < replicas) slots[ord] = pod;
    else condemned.push(pod);
  }
  condemned.sort((a, b) => (ordinalOf(set, b) ?? -1) - (ordinalOf(set, a) ?? -1));

  const healthy = (pod: Pod): boolean => {
    if (isTerminating(pod) || !isRunningAndReady(pod)) return false;
    const wait = untilAvailable(pod, minReady, now) ?? 0;
    if (wait > 0) requeue(wait);
    return wait === 0;
  };
  const podEvent = (verb: 'create' | 'delete', pod: Pod, err?: unknown): void => {
    const what = `${verb} Pod ${pod.metadata?.name ?? ''} in StatefulSet ${name}`;
    if (err === undefined) deps.recorder.event(set, 'Normal', verb === 'create' ? 'SuccessfulCreate' : 'SuccessfulDelete', `${what} successful`);
    else deps.recorder.event(set, 'Warning', verb === 'create' ? 'FailedCreate' : 'FailedDelete', `${what} failed error: ${err instanceof Error ? err.message : String(err)}`);
  };
  const remove = async (pod: Pod): Promise<void> => {
    try {
      await deps.deletePod(pod);
      podEvent('delete', pod);
    } catch (err) {
      podEvent('delete', pod, err);
      throw err;
    }
  };
  const create = async (ordinal: number): Promise<Pod> => {
    const useCurrent = ordinal < partition && strategy?.type !== 'OnDelete';
    const pod = newPod(set, useCurrent ? currentTemplate : updateTemplate, ordinal, useCurrent ? currentName : updateName);
    for (const claim of claimsFor(set, ordinal)) {
      if (deps.claimExists(ns, claim.metadata?.name ?? '')) continue;
      try {
        if ((await deps.createClaim(claim)) === 'created') {
          deps.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Claim ${claim.metadata?.name ?? ''} Pod ${pod.metadata?.name ?? ''} in StatefulSet ${name} success`);
        }
      } catch (err) {
        deps.recorder.event(set, 'Warning', 'FailedCreate', `create Claim ${claim.metadata?.name ?? ''} for Pod ${pod.metadata?.name ?? ''} in StatefulSet ${name} failed error: ${(err as Error).message}`);
        throw err;
      }
    }
    try {
      const created = await deps.createPod(pod);
      podEvent('create', pod);
      return created;
    } catch (err) {
      podEvent('create', pod, err);
      throw err;
    }
  };

  // Pods in ordinal order: create, replace failed, and (OrderedReady) wait for each to be ready.
  const work = async (): Promise<void> => {
    if (set.metadata?.deletionTimestamp) return;
    const creations: Promise<unknown>[] = [];
    for (let ord = 0; ord < replicas; ord++) {
      const pod = slots[ord];
      if (pod && isFinished(pod) && !isTerminating(pod)) {
        await remove(pod);
        slots[ord] = undefined;
        if (monotonic) return;
        continue;
      }
      if (!pod) {
        if (monotonic) {
          slots[ord] = await create(ord);
          return;
        }
        creations.push(create(ord).then((p) => (slots[ord] = p)));
        continue;
      }
      if (monotonic && !healthy(pod)) return;
    }
    await Promise.all(creations);
    if (monotonic && slots.some((p) => !p || !healthy(p))) return;
    // Condemned pods, highest ordinal first. Under OrderedReady an unhealthy one halts the
    // scale-down unless it is the set's first unhealthy pod (lowest ordinal), as in Kubernetes.
    const unhealthy = (p: Pod): boolean => isTerminating(p) || !isRunningAndReady(p);
    const firstUnhealthy = [...slots, ...[...condemned].reverse()].find((p) => p !== undefined && unhealthy(p));
    for (const pod of condemned) {
      if (isTerminating(pod)) {
        if (monotonic) return;
        continue;
      }
      if (monotonic && !isRunningAndReady(pod) && pod !== firstUnhealthy) return;
      await retainOrReleaseClaims(pod);
      await remove(pod);
      if (monotonic) return;
    }
    if (strategy?.type === 'OnDelete') return;
    // Rolling update from the highest ordinal down to the partition, one pod at a time.
    for (let ord = replicas - 1; ord >= partition; ord--) {
      const pod = slots[ord];
      if (!pod) return;
      if (podRevision(pod) !== updateName && !isTerminating(pod)) {
        await remove(pod);
        return;
      }
      if (!healthy(pod)) return;
    }
  };
  const retainOrReleaseClaims = async (pod: Pod): Promise<void> => {
    if (set.spec?.persistentVolumeClaimRetentionPolicy?.whenScaled !== 'Delete') return;
    const ord = ordinalOf(set, pod);
    if (ord === undefined) return;
    for (const claim of claimsFor(set, ord)) await deps.ownClaimByPod(ns, claim.metadata?.name ?? '', pod);
  };
  await work();

  const status = computeStatus(set, slots, condemned, { currentName, updateName, minReady, now, collisionCount: rev.collisionCount });
  const live = new Set([currentName, updateName, ...pods.map((p) => podRevision(p) ?? '')]);
  await truncateHistory(rev.revisions, live, set.spec?.revisionHistoryLimit ?? 10, writer);
  if (!jsonEqual(status, set.status ?? {})) await deps.updateStatus({ ...set, status });
  return requeueAfterMs === undefined ? undefined : { requeueAfterMs };
}

function computeStatus(
  set: StatefulSet,
  slots: readonly (Pod | undefined)[],
  condemned: readonly Pod[],
  o: { currentName: string; updateName: string; minReady: number; now: number; collisionCount: number },
): StatefulSetStatus {
  const status: StatefulSetStatus = { replicas: 0, observedGeneration: set.metadata?.generation, collisionCount: o.collisionCount };
  let ready = 0;
  let available = 0;
  let current = 0;
  let updated = 0;
  for (const pod of [...slots, ...condemned]) {
    if (!pod) continue;
    status.replicas++;
    if (isRunningAndReady(pod)) {
      ready++;
      if (untilAvailable(pod, o.minReady, o.now) === 0) available++;
    }
    if (isTerminating(pod)) continue;
    if (podRevision(pod) === o.currentName) current++;
    if (podRevision(pod) === o.updateName) updated++;
  }
  status.readyReplicas = ready;
  status.availableReplicas = available;
  status.currentReplicas = current;
  status.updatedReplicas = updated;
  status.currentRevision = o.currentName;
  status.updateRevision = o.updateName;
  // The rollout is complete once every wanted pod runs the update revision.
  const replicas = set.spec?.replicas ?? 1;
  if (updated === replicas && status.replicas === replicas && slots.every((p) => p && podRevision(p) === o.updateName)) {
    status.currentRevision = o.updateName;
    status.currentReplicas = updated;
  }
  // availableReplicas has no omitempty in apps/v1; the others do.
  for (const k of ['readyReplicas', 'currentReplicas', 'updatedReplicas'] as const) if (status[k] === 0) delete status[k];
  // The controller sets no conditions; those others write are kept, as Kubernetes keeps them.
  if (set.status?.conditions) status.conditions = set.status.conditions;
  return status;
}
