// One reconcile of one DaemonSet (Kubernetes v1.33 DaemonSetsController.syncDaemonSet):
// revisions, one pod per eligible node (creating, deleting failed/duplicate/misplaced ones),
// then the rolling update (maxUnavailable, or maxSurge), then status.
import type { ControllerRevision, DaemonSet, DaemonSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { deepCopy } from '../../api/object.js';
import { jsonEqual } from '../../api/validation/equal.js';
import type { EventRecorder } from '../../events/recorder.js';
import { CONTROLLER_REVISION_HASH_LABEL, revisionHash, syncRevisions, truncateHistory, type RevisionWriter } from '../history/revisions.js';
import type { PodExpectations } from '../shared/expectations.js';
import { newControllerRef } from '../shared/ownership.js';
import { pinToNode, placementOn, targetNode, withDaemonTolerations } from './placement.js';
import { isPodReady, msUntilAvailable } from '../shared/pod-state.js';

export const POD_TEMPLATE_GENERATION_LABEL = 'pod-template-generation';

export interface DaemonSetDeps {
  now(): number;
  recorder: EventRecorder;
  expectations: PodExpectations;
  revisions: (ds: DaemonSet) => RevisionWriter;
  createPod(pod: Pod): Promise<Pod>;
  deletePod(pod: Pod): Promise<void>;
  updateStatus(ds: DaemonSet): Promise<DaemonSet>;
}

type Result = void | { requeueAfterMs: number };

export function newDaemonPod(ds: DaemonSet, node: string, hash: string): Pod {
  const t = deepCopy(ds.spec?.template ?? {});
  const spec = t.spec ?? { containers: [] };
  spec.tolerations = withDaemonTolerations(spec);
  spec.affinity = pinToNode(spec.affinity, node);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${ds.metadata?.name ?? ''}-`,
      namespace: ds.metadata?.namespace,
      labels: { ...(t.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash, [POD_TEMPLATE_GENERATION_LABEL]: String(ds.metadata?.generation ?? 1) },
      annotations: t.metadata?.annotations,
      ownerReferences: [newControllerRef({ apiVersion: 'apps/v1', kind: 'DaemonSet' }, ds)],
    },
    spec,
  };
}

const isFailed = (p: Pod): boolean => p.status?.phase === 'Failed';
const created = (p: Pod): string => p.metadata?.creationTimestamp ?? '';

/** Percent values scale by `total`, rounding up; as intstr.GetScaledValueFromIntOrPercent. */
function scaled(v: number | string | undefined, total: number, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  return m ? Math.ceil((Number(m[1]) * total) / 100) : Number(v) || 0;
}

export async function syncDaemonSet(ds: DaemonSet, pods: readonly Pod[], nodes: readonly Node[], owned: readonly ControllerRevision[], key: string, deps: DaemonSetDeps): Promise<Result> {
  const writer = deps.revisions(ds);
  const rev = await syncRevisions({ ...ds, apiVersion: 'apps/v1', kind: 'DaemonSet' }, owned, { currentRevisionName: undefined, collisionCount: ds.status?.collisionCount }, writer);
  const hash = revisionHash(rev.update);
  const now = deps.now();
  const minReady = ds.spec?.minReadySeconds ?? 0;
  let requeueAfterMs: number | undefined;
  const available = (p: Pod): boolean => {
    const wait = msUntilAvailable(p, minReady, now);
    if (wait === undefined) return false;
    if (wait > 0) requeueAfterMs = Math.min(requeueAfterMs ?? wait, wait);
    return wait === 0;
  };
  const isUpdated = (p: Pod): boolean => p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash;

  const byNode = new Map<string, Pod[]>();
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    const node = targetNode(pod);
    if (!node) continue;
    const list = byNode.get(node) ?? [];
    list.push(pod);
    byNode.set(node, list);
  }
  for (const list of byNode.values()) list.sort((a, b) => created(a).localeCompare(created(b)));

  const template = ds.spec?.template?.spec ?? { containers: [] };
  const surge = ds.spec?.updateStrategy?.type === 'RollingUpdate' ? ds.spec.updateStrategy.rollingUpdate?.maxSurge : undefined;
  const wanted = new Map<string, boolean>();
  const toCreate: string[] = [];
  const toDelete: Pod[] = [];
  for (const node of nodes) {
    const name = node.metadata?.name ?? '';
    const placement = placementOn(node, template);
    wanted.set(name, placement.shouldRun);
    const here = byNode.get(name) ?? [];
    if (placement.shouldRun && here.length === 0) toCreate.push(name);
    else if (!placement.shouldContinueRunning) toDelete.push(...here);
    else if (here.length > 0) {
      const failed = here.filter(isFailed);
      for (const p of failed) {
        deps.recorder.event(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''} on node ${name}, will try to kill it`);
      }
      toDelete.push(...failed);
      const alive = here.filter((p) => !isFailed(p));
      // One pod per node; while surging, one old and one updated.
      const keep = surge ? [alive.find(isUpdated), alive.find((p) => !isUpdated(p))] : [alive[0]];
      toDelete.push(...alive.filter((p) => !keep.includes(p)));
    }
  }

  if (deps.expectations.satisfied(key) && !ds.metadata?.deletionTimestamp) {
    if (toCreate.length === 0 && toDelete.length === 0) {
      const plan = ds.spec?.updateStrategy?.type === 'RollingUpdate' ? rollingUpdate(ds, byNode, wanted, isUpdated, available) : { create: [], remove: [] };
      toCreate.push(...plan.create);
      toDelete.push(...plan.remove);
    }
    await apply(ds, key, toCreate, toDelete, hash, deps);
  }

  const status = computeStatus(ds, byNode, wanted, isUpdated, available, rev.collisionCount);
  const hashes = new Set(pods.map((p) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL]));
  const live = new Set(rev.revisions.filter((r) => hashes.has(revisionHash(r)) || r === rev.update).map((r) => r.metadata?.name ?? ''));
  await truncateHistory(rev.revisions, live, ds.spec?.revisionHistoryLimit ?? 10, writer);
  if (!jsonEqual(status, ds.status ?? {})) await deps.updateStatus({ ...ds, status });
  return requeueAfterMs === undefined ? undefined : { requeueAfterMs };
}

function rollingUpdate(
  ds: DaemonSet,
  byNode: ReadonlyMap<string, Pod[]>,
  wanted: ReadonlyMap<string, boolean>,
  isUpdated: (p: Pod) => boolean,
  available: (p: Pod) => boolean,
): { create: string[]; remove: Pod[] } {
  const desired = [...wanted.values()].filter(Boolean).length;
  const ru = ds.spec?.updateStrategy?.rollingUpdate;
  const maxSurge = scaled(ru?.maxSurge, desired, 0);
  let maxUnavailable = scaled(ru?.maxUnavailable, desired, 1);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  const create: string[] = [];
  const remove: Pod[] = [];
  if (maxSurge === 0) {
    let unavailable = 0;
    const candidates: Pod[] = [];
    for (const [node, pods] of byNode) {
      if (!wanted.get(node)) continue;
      const fresh = pods.find(isUpdated);
      const old = pods.find((p) => !isUpdated(p));
      if ((!fresh && !old) || (fresh && old)) unavailable++;
      else if (fresh) {
        if (!available(fresh)) unavailable++;
      } else if (old && !available(old)) remove.push(old);
      else if (old) candidates.push(old);
    }
    for (const [node, want] of wanted) if (want && !byNode.has(node)) unavailable++;
    remove.push(...candidates.slice(0, Math.max(0, maxUnavailable - unavailable)));
    return { create, remove };
  }
  let surging = 0;
  const candidates: string[] = [];
  for (const [node, pods] of byNode) {
    if (!wanted.get(node)) continue;
    const fresh = pods.find(isUpdated);
    const old = pods.find((p) => !isUpdated(p));
    if (!old) continue;
    if (!fresh) {
      if (!available(old)) create.push(node);
      else candidates.push(node);
    } else if (!available(fresh)) surging++;
    else remove.push(old);
  }
  create.push(...candidates.slice(0, Math.max(0, maxSurge - surging)));
  return { create, remove };
}

async function apply(ds: DaemonSet, key: string, nodes: readonly string[], victims: readonly Pod[], hash: string, deps: DaemonSetDeps): Promise<void> {
  const errors: unknown[] = [];
  deps.expectations.expectCreations(key, nodes.length);
  const podKey = (p: Pod): string => `${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`;
  deps.expectations.expectDeletions(key, victims.map(podKey));
  await Promise.all([
    ...nodes.map(async (node) => {
      try {
        const pod = await deps.createPod(newDaemonPod(ds, node, hash));
        deps.recorder.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata?.name ?? ''}`);
      } catch (err) {
        deps.expectations.creationObserved(key);
        deps.recorder.event(ds, 'Warning', 'FailedCreate', `Error creating: ${err instanceof Error ? err.message : String(err)}`);
        errors.push(err);
      }
    }),
    ...victims.map(async (pod) => {
      try {
        await deps.deletePod(pod);
        deps.recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata?.name ?? ''}`);
      } catch (err) {
        deps.expectations.deletionObserved(key, podKey(pod));
        errors.push(err);
      }
    }),
  ]);
  if (errors.length > 0) throw errors[0];
}

function computeStatus(
  ds: DaemonSet,
  byNode: ReadonlyMap<string, Pod[]>,
  wanted: ReadonlyMap<string, boolean>,
  isUpdated: (p: Pod) => boolean,
  available: (p: Pod) => boolean,
  collisionCount: number,
): DaemonSetStatus {
  const s: DaemonSetStatus = { currentNumberScheduled: 0, desiredNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0 };
  let updated = 0;
  let avail = 0;
  for (const [node, want] of wanted) {
    const pods = byNode.get(node) ?? [];
    if (!want) {
      if (pods.length > 0) s.numberMisscheduled++;
      continue;
    }
    s.desiredNumberScheduled++;
    const pod = pods[0];
    if (!pod) continue;
    s.currentNumberScheduled++;
    if (isPodReady(pod)) {
      s.numberReady++;
      if (available(pod)) avail++;
    }
    if (pods.some(isUpdated)) updated++;
  }
  s.observedGeneration = ds.metadata?.generation;
  if (updated > 0) s.updatedNumberScheduled = updated;
  if (avail > 0) s.numberAvailable = avail;
  if (s.desiredNumberScheduled - avail > 0) s.numberUnavailable = s.desiredNumberScheduled - avail;
  if (collisionCount > 0) s.collisionCount = collisionCount;
  // The controller sets no conditions; those others write are kept, as Kubernetes keeps them.
  if (ds.status?.conditions) s.conditions = ds.status.conditions;
  return s;
}
