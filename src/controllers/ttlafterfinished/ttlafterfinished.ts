// The TTL-after-finished controller (Kubernetes' "ttl-after-finished-controller"): deletes a
// finished Job (Complete or Failed) `spec.ttlSecondsAfterFinished` seconds after it finished,
// with propagationPolicy Background so its pods go with it. The finish time is the
// lastTransitionTime of the Job's Complete/Failed condition. Before deleting it re-reads the
// Job from the API (the TTL may have been changed since the cache saw it) and deletes with a
// resourceVersion precondition.
import type { Job } from 'kubernetes-types/batch/v1.js';
import { ApiError } from '../../api/errors.js';
import { objectKey, splitKey } from '../../informer/cache.js';
import { runWorkers } from '../../informer/workers.js';
import { WorkQueue } from '../../informer/workqueue.js';
import type { ControllerContext, ControllerFactory } from '../controller.js';
import { requireResource } from '../shared/resources.js';
import { parseTime, wallClock } from '../shared/wallclock.js';

const JOBS = requireResource('batch', 'v1', 'jobs');

export const ttlAfterFinishedController: ControllerFactory = (ctx) => ({
  name: 'ttl-after-finished',
  run: (signal) => run(ctx, signal),
});

/** Milliseconds until `job` expires (≤ 0: now); undefined when it has no TTL or has not finished. */
export function timeLeft(job: Job, now: number): number | undefined {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  if (ttl == null || job.metadata?.deletionTimestamp) return undefined;
  const finished = job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
  if (!finished) return undefined;
  const at = parseTime(finished.lastTransitionTime) ?? now;
  return at + ttl * 1000 - now;
}

async function run(ctx: ControllerContext, signal: AbortSignal): Promise<void> {
  const log = ctx.log.child('ttl-after-finished');
  const now = wallClock(ctx.clock);
  const jobs = ctx.informers.informerFor<Job>(JOBS);
  const queue = new WorkQueue({ clock: ctx.clock });
  const enqueue = (job: Job): void => {
    if (timeLeft(job, now()) !== undefined) queue.add(objectKey(job));
  };
  jobs.addEventHandler({ onAdd: enqueue, onUpdate: (_old, j) => enqueue(j) });

  const reconcile = async (key: string): Promise<void | { requeueAfterMs: number }> => {
    const cached = jobs.cache.get(key);
    if (!cached) return;
    const left = timeLeft(cached, now());
    if (left === undefined) return;
    if (left > 0) return { requeueAfterMs: left };
    const { namespace, name } = splitKey(key);
    const client = ctx.client.resource<Job>(JOBS, namespace);
    let fresh: Job;
    try {
      fresh = await client.get(name);
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return;
      throw err;
    }
    const freshLeft = timeLeft(fresh, now());
    if (freshLeft === undefined) return;
    if (freshLeft > 0) return { requeueAfterMs: freshLeft };
    try {
      await client.delete(name, { propagationPolicy: 'Background', preconditions: { resourceVersion: fresh.metadata?.resourceVersion } });
      log.debug(`deleted ${key}: finished more than ${fresh.spec?.ttlSecondsAfterFinished ?? 0}s ago`);
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return;
      throw err;
    }
  };

  if (!(await ctx.informers.waitForSync(signal))) return;
  await runWorkers(queue, reconcile, { workers: ctx.options.workers, signal, log });
}
