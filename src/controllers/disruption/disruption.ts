// The disruption controller: keeps each PodDisruptionBudget's status (currentHealthy,
// desiredHealthy, expectedPods, disruptionsAllowed, the DisruptionAllowed condition) in step
// with the pods it selects, as Kubernetes v1.33 does. The expected pod count comes from the
// scale of the pods' controllers (ReplicationController, ReplicaSet or its Deployment,
// StatefulSet, or any other kind's scale subresource).
import type { Pod, ReplicationController } from 'kubernetes-types/core/v1.js';
import type { Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { ApiError } from '../../api/errors.js';
import { deepCopy, parseApiVersion } from '../../api/object.js';
import { findResourceByKind } from '../../api/resources.js';
import { labelSelectorFromObject } from '../../api/selectors/labels.js';
import { objectKey, splitKey } from '../../informer/cache.js';
import type { Informer } from '../../informer/informer.js';
import { NAMESPACE_INDEX } from '../../informer/indexers.js';
import { runWorkers, type ReconcileResult } from '../../informer/workers.js';
import { WorkQueue } from '../../informer/workqueue.js';
import type { ControllerContext, ControllerFactory } from '../controller.js';
import { allowedConditions, budgetStatus, currentHealthy, disruptedPods, expectedCounts, type ExpectedScale } from './budget.js';

const PDBS = { group: 'policy', version: 'v1', resource: 'poddisruptionbudgets' };
const PODS = { group: '', version: 'v1', resource: 'pods' };

export const disruptionController: ControllerFactory = (ctx) => ({ name: 'disruption', run: (signal) => run(ctx, signal) });

interface Caches {
  pdbs: Informer<PodDisruptionBudget>;
  pods: Informer<Pod>;
  rcs: Informer<ReplicationController>;
  replicaSets: Informer<ReplicaSet>;
  deployments: Informer<Deployment>;
  statefulSets: Informer<StatefulSet>;
}

function selects(pdb: PodDisruptionBudget, pod: Pod): boolean {
  // A budget without a selector selects nothing; an empty one selects every pod.
  if (!pdb.spec?.selector) return false;
  try {
    return labelSelectorFromObject(pdb.spec.selector).matches(pod.metadata?.labels);
  } catch {
    return false;
  }
}

async function run(ctx: ControllerContext, signal: AbortSignal): Promise<void> {
  const caches: Caches = {
    pdbs: ctx.informers.informerFor<PodDisruptionBudget>(PDBS),
    pods: ctx.informers.informerFor<Pod>(PODS),
    rcs: ctx.informers.informerFor<ReplicationController>({ group: '', version: 'v1', resource: 'replicationcontrollers' }),
    replicaSets: ctx.informers.informerFor<ReplicaSet>({ group: 'apps', version: 'v1', resource: 'replicasets' }),
    deployments: ctx.informers.informerFor<Deployment>({ group: 'apps', version: 'v1', resource: 'deployments' }),
    statefulSets: ctx.informers.informerFor<StatefulSet>({ group: 'apps', version: 'v1', resource: 'statefulsets' }),
  };
  const queue = new WorkQueue({ clock: ctx.clock });
  const enqueueForPod = (pod: Pod): void => {
    for (const pdb of caches.pdbs.cache.byIndex(NAMESPACE_INDEX, pod.metadata?.namespace ?? '')) if (selects(pdb, pod)) queue.add(objectKey(pdb));
  };
  caches.pdbs.addEventHandler({ onAdd: (p) => queue.add(objectKey(p)), onUpdate: (_, p) => queue.add(objectKey(p)) });
  caches.pods.addEventHandler({
    onAdd: enqueueForPod,
    onUpdate: (oldPod, newPod) => {
      enqueueForPod(newPod);
      enqueueForPod(oldPod);
    },
    onDelete: enqueueForPod,
  });
  const synced = await Promise.all([
    caches.pdbs.waitForSync(signal),
    caches.pods.waitForSync(signal),
    caches.rcs.waitForSync(signal),
    caches.replicaSets.waitForSync(signal),
    caches.deployments.waitForSync(signal),
    caches.statefulSets.waitForSync(signal),
  ]);
  if (!synced.every(Boolean)) return;
  await runWorkers(queue, (key) => reconcile(ctx, caches, key), { workers: ctx.options.workers, signal, log: ctx.log });
}

async function reconcile(ctx: ControllerContext, caches: Caches, key: string): Promise<ReconcileResult> {
  const pdb = caches.pdbs.cache.get(key);
  if (!pdb) return;
  const { namespace = '' } = splitKey(key);
  const pods = caches.pods.cache.byIndex(NAMESPACE_INDEX, namespace).filter((p) => selects(pdb, p));
  if (pods.length === 0) ctx.recorder.event(pdb, 'Normal', 'NoPods', 'No matching pods found');
  const now = new Date();
  const nowIso = now.toISOString().replace(/\.[0-9]+Z$/, 'Z');

  // Scale lookups through the scale subresource are asynchronous; gather them first.
  const scales = await controllerScales(ctx, caches, namespace, pods);
  const counts = expectedCounts(pdb, pods, () => scales);
  let status: PodDisruptionBudgetStatus;
  let recheck: number | undefined;
  if ('error' in counts) {
    ctx.recorder.event(pdb, 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${counts.error}`);
    status = {
      currentHealthy: pdb.status?.currentHealthy ?? 0,
      desiredHealthy: pdb.status?.desiredHealthy ?? 0,
      expectedPods: pdb.status?.expectedPods ?? 0,
      observedGeneration: pdb.metadata?.generation,
      disruptionsAllowed: 0,
      conditions: allowedConditions(pdb, 'failed', counts.error, nowIso),
    };
  } else {
    const disrupted = disruptedPods(pdb, pods, now.getTime());
    recheck = disrupted.recheckAtMs;
    status = budgetStatus(pdb, { ...counts, currentHealthy: currentHealthy(pods, disrupted.map), disrupted: disrupted.map }, nowIso);
  }
  if (JSON.stringify(normalize(pdb.status)) !== JSON.stringify(normalize(status))) {
    try {
      await ctx.client.resource<PodDisruptionBudget>(PDBS, namespace).updateStatus({ ...deepCopy(pdb), status });
    } catch (err) {
      if (err instanceof ApiError && (err.code === 409 || err.code === 404)) return { requeueAfterMs: 100 };
      throw err;
    }
  }
  return recheck === undefined ? undefined : { requeueAfterMs: Math.max(0, recheck - now.getTime()) };
}

/** Status with keys in a fixed order and empty fields dropped, for comparing stored and computed. */
function normalize(s: PodDisruptionBudgetStatus | undefined): unknown {
  return [
    s?.observedGeneration ?? 0,
    s?.currentHealthy ?? 0,
    s?.desiredHealthy ?? 0,
    s?.expectedPods ?? 0,
    s?.disruptionsAllowed ?? 0,
    Object.entries(s?.disruptedPods ?? {}).sort(),
    (s?.conditions ?? []).map((c) => [c.type, c.status, c.reason, c.message ?? '', c.observedGeneration ?? 0, c.lastTransitionTime]),
  ];
}

/** The summed scale of the distinct controllers of `pods`, or why it cannot be known. */
async function controllerScales(ctx: ControllerContext, caches: Caches, namespace: string, pods: readonly Pod[]): Promise<ExpectedScale> {
  const seen = new Map<string, number>();
  for (const pod of pods) {
    const ref = pod.metadata?.ownerReferences?.find((r) => r.controller === true);
    if (!ref) return { ok: false, error: `found no controller ref for pod "${pod.metadata?.name ?? ''}"` };
    if (seen.has(ref.uid)) continue;
    const scale = await scaleOf(ctx, caches, namespace, ref);
    if (scale === undefined) return { ok: false, error: `found no controllers for pod "${pod.metadata?.name ?? ''}"` };
    seen.set(ref.uid, scale);
  }
  let expected = 0;
  for (const n of seen.values()) expected += n;
  return { ok: true, expected };
}

async function scaleOf(ctx: ControllerContext, caches: Caches, namespace: string, ref: OwnerReference): Promise<number | undefined> {
  const { group } = parseApiVersion(ref.apiVersion);
  const key = `${namespace}/${ref.name}`;
  const matches = (o: { metadata?: { uid?: string } } | undefined): boolean => o?.metadata?.uid === ref.uid;
  if (group === '' && ref.kind === 'ReplicationController') {
    const rc = caches.rcs.cache.get(key);
    return matches(rc) ? (rc?.spec?.replicas ?? 1) : undefined;
  }
  if (group === 'apps' && ref.kind === 'ReplicaSet') {
    const rs = caches.replicaSets.cache.get(key);
    if (!rs || !matches(rs)) return undefined;
    const owner = rs.metadata?.ownerReferences?.find((r) => r.controller === true && r.kind === 'Deployment');
    if (owner) {
      const d = caches.deployments.cache.get(`${namespace}/${owner.name}`);
      if (d && d.metadata?.uid === owner.uid) return d.spec?.replicas ?? 1;
    }
    return rs.spec?.replicas ?? 1;
  }
  if (group === 'apps' && ref.kind === 'StatefulSet') {
    const sts = caches.statefulSets.cache.get(key);
    return matches(sts) ? (sts?.spec?.replicas ?? 1) : undefined;
  }
  return scaleSubresource(ctx, namespace, ref);
}

/** Any other controller: its scale subresource, if its kind is a known resource that has one. */
async function scaleSubresource(ctx: ControllerContext, namespace: string, ref: OwnerReference): Promise<number | undefined> {
  const { group, version } = parseApiVersion(ref.apiVersion);
  const resource = findResourceByKind({ group, version, kind: ref.kind });
  if (!resource || !resource.subresources.some((s) => s.name === 'scale')) return undefined;
  const client = ctx.client.resource(resource, namespace);
  const res = await ctx.client.transport.request({ method: 'GET', path: client.objectPath(ref.name, namespace, 'scale') });
  if (res.status === 404) return undefined;
  if (res.status < 200 || res.status > 299) throw new Error(`scale of ${ref.kind} ${namespace}/${ref.name}: HTTP ${res.status}`);
  const scale = JSON.parse(Buffer.from(res.body).toString('utf8')) as { metadata?: { uid?: string }; spec?: { replicas?: number } };
  if (scale.metadata?.uid && scale.metadata.uid !== ref.uid) return undefined;
  return scale.spec?.replicas ?? 0;
}
