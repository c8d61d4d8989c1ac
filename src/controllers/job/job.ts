// The Job controller (Kubernetes' "job-controller"): runs pods to completion. It watches Jobs
// and pods, and reconciles one Job at a time (see sync.ts); pods carry the job-tracking
// finalizer until they are counted (see tracking.ts).
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../api/errors.js';
import { labelSelectorFromObject } from '../../api/selectors/labels.js';
import { objectKey } from '../../informer/cache.js';
import { NAMESPACE_INDEX, OWNER_UID_INDEX } from '../../informer/indexers.js';
import type { Informer } from '../../informer/informer.js';
import { runWorkers } from '../../informer/workers.js';
import { WorkQueue } from '../../informer/workqueue.js';
import type { ControllerContext, ControllerFactory } from '../controller.js';
import type { BackoffRecord } from './backoff.js';
import { isJobFinished } from './conditions.js';
import { PodExpectations } from '../shared/expectations.js';
import { controllerKeyOf, controllerRefOf, recheckOwner } from '../shared/ownership.js';
import { claimJobPods } from './claim.js';
import { requireResource } from '../shared/resources.js';
import { hasTrackingFinalizer, JOB_TRACKING_FINALIZER } from './pods.js';
import { syncJob, type SyncDeps } from './sync.js';
import { wallClock } from '../shared/wallclock.js';

export interface JobControllerOptions {
  /** Delay before replacing the first failed pod; doubles per further failure (default 10 s). */
  podFailureBackoffMs?: number;
  /** Cap of that delay (default 6 min). */
  maxPodFailureBackoffMs?: number;
}

const ORPHAN_PREFIX = 'orphan-pod:';

export const JOBS = requireResource('batch', 'v1', 'jobs');
export const PODS = requireResource('', 'v1', 'pods');

export function newJobController(options: JobControllerOptions = {}): ControllerFactory {
  return (ctx) => ({ name: 'job', run: (signal) => runJobController(ctx, options, signal) });
}

export const jobController: ControllerFactory = newJobController();

/** The Job that controls `pod`, as a queue key; undefined for pods no Job controls. */
function ownerJobKey(pod: Pod): string | undefined {
  return controllerKeyOf(pod, { group: 'batch', kind: 'Job' });
}

async function runJobController(ctx: ControllerContext, options: JobControllerOptions, signal: AbortSignal): Promise<void> {
  const log = ctx.log.child('job');
  const now = wallClock(ctx.clock);
  const jobs: Informer<Job> = ctx.informers.informerFor<Job>(JOBS);
  const pods: Informer<Pod> = ctx.informers.informerFor<Pod>(PODS);
  const queue = new WorkQueue({ clock: ctx.clock });
  const expectations = new PodExpectations(ctx.clock);
  const stripped = new Map<string, Set<string>>();
  const backoff = new Map<string, BackoffRecord>();

  /** The Jobs of the pod's namespace whose selector matches it: who may adopt an orphan. */
  const enqueueAdopters = (pod: Pod): void => {
    if (pod.metadata?.deletionTimestamp) return;
    for (const job of jobs.cache.byIndex(NAMESPACE_INDEX, pod.metadata?.namespace ?? '')) {
      if (job.spec?.selector && labelSelectorFromObject(job.spec.selector).matches(pod.metadata?.labels)) queue.add(objectKey(job));
    }
  };
  const onPod = (pod: Pod, what: 'add' | 'update' | 'delete'): void => {
    const key = ownerJobKey(pod);
    if (!key) {
      if (what !== 'delete' && !controllerRefOf(pod)) enqueueAdopters(pod);
      return;
    }
    const podKey = objectKey(pod);
    if (what === 'add') expectations.creationObserved(key);
    if (what === 'delete' || pod.metadata?.deletionTimestamp) expectations.deletionObserved(key, podKey);
    if (what === 'delete' || !hasTrackingFinalizer(pod)) stripped.get(key)?.delete(pod.metadata?.uid ?? '');
    if (what !== 'delete' && hasTrackingFinalizer(pod) && !jobs.cache.get(key) && jobs.hasSynced()) queue.add(ORPHAN_PREFIX + podKey);
    queue.add(key);
  };
  pods.addEventHandler({
    onAdd: (p) => onPod(p, 'add'),
    onUpdate: (old, p) => {
      // A pod that lost its Job's controller reference, or whose labels changed, is looked at
      // by its former Job (to release it) as well.
      const oldKey = ownerJobKey(old);
      if (oldKey && oldKey !== ownerJobKey(p)) queue.add(oldKey);
      onPod(p, 'update');
    },
    onDelete: (p) => onPod(p, 'delete'),
  });
  jobs.addEventHandler({
    onAdd: (j) => queue.add(objectKey(j)),
    onUpdate: (_old, j) => queue.add(objectKey(j)),
    onDelete: (j) => {
      queue.add(objectKey(j));
      for (const p of pods.cache.byIndex(OWNER_UID_INDEX, j.metadata?.uid ?? '')) if (hasTrackingFinalizer(p)) queue.add(ORPHAN_PREFIX + objectKey(p));
    },
  });

  const podClient = (ns: string | undefined) => ctx.client.resource<Pod>(PODS, ns);
  const removeFinalizer = async (pod: Pod): Promise<boolean> => {
    try {
      await podClient(pod.metadata?.namespace).patch(pod.metadata?.name ?? '', 'strategic', {
        metadata: { [`$deleteFromPrimitiveList/finalizers`]: [JOB_TRACKING_FINALIZER] },
      });
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return false;
      throw err;
    }
  };
  const deps: SyncDeps = {
    now,
    recorder: ctx.recorder,
    expectations,
    backoff,
    backoffBaseMs: options.podFailureBackoffMs ?? 10_000,
    backoffMaxMs: options.maxPodFailureBackoffMs ?? 360_000,
    strippedFor: (key) => {
      let s = stripped.get(key);
      if (!s) stripped.set(key, (s = new Set()));
      return s;
    },
    updateStatus: (job) => ctx.client.resource<Job>(JOBS, job.metadata?.namespace).updateStatus(job),
    createPod: (job, pod) => podClient(job.metadata?.namespace).create(pod),
    deletePod: async (pod) => {
      try {
        await podClient(pod.metadata?.namespace).delete(pod.metadata?.name ?? '', { preconditions: { uid: pod.metadata?.uid } });
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
      }
    },
    removeFinalizer,
  };

  const reconcile = async (key: string): Promise<void | { requeueAfterMs: number }> => {
    if (key.startsWith(ORPHAN_PREFIX)) {
      // A pod whose Job is gone keeps nothing to be counted for: release it.
      const pod = pods.cache.get(key.slice(ORPHAN_PREFIX.length));
      const owner = pod && ownerJobKey(pod);
      if (pod && owner && !jobs.cache.get(owner) && hasTrackingFinalizer(pod)) await removeFinalizer(pod);
      return;
    }
    const job = jobs.cache.get(key);
    if (!job) {
      expectations.forget(key);
      stripped.delete(key);
      backoff.delete(key);
      return;
    }
    const selector = labelSelectorFromObject(job.spec?.selector);
    const mine = pods.cache.byIndex(OWNER_UID_INDEX, job.metadata?.uid ?? '');
    if (isJobFinished(job.status) || job.metadata?.deletionTimestamp) {
      await Promise.all(mine.filter((p) => selector.matches(p.metadata?.labels) && hasTrackingFinalizer(p)).map(removeFinalizer));
      return;
    }
    const orphans = pods.cache.byIndex(NAMESPACE_INDEX, job.metadata?.namespace ?? '').filter((p) => !controllerRefOf(p) && selector.matches(p.metadata?.labels));
    const owned = await claimJobPods([...mine, ...orphans], {
      job,
      selector,
      pods: podClient(job.metadata?.namespace),
      canAdopt: () => recheckOwner(ctx.client.resource<Job>(JOBS, job.metadata?.namespace), job),
    });
    return syncJob(key, job, owned, deps);
  };

  if (!(await ctx.informers.waitForSync(signal))) return;
  log.debug('caches synced');
  await runWorkers(queue, reconcile, { workers: ctx.options.workers, signal, log });
}
