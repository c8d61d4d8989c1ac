// The CronJob controller (Kubernetes' "cronjob-controller", v2): creates Jobs on a cron
// schedule. Each CronJob is requeued for its next activation on the injected clock, so tests
// drive schedules with a FakeClock.
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import { ApiError } from '../../api/errors.js';
import { objectKey } from '../../informer/cache.js';
import { OWNER_UID_INDEX } from '../../informer/indexers.js';
import { runWorkers } from '../../informer/workers.js';
import { WorkQueue } from '../../informer/workqueue.js';
import type { ControllerContext, ControllerFactory } from '../controller.js';
import { syncCronJob, type CronSyncDeps } from './sync.js';
import { localZone } from './timezone.js';
import { controllerKeyOf } from '../shared/ownership.js';
import { requireResource } from '../shared/resources.js';
import { wallClock } from '../shared/wallclock.js';

export const CRONJOBS = requireResource('batch', 'v1', 'cronjobs');
export const JOBS = requireResource('batch', 'v1', 'jobs');

export interface CronJobControllerOptions {
  /** Zone for schedules without spec.timeZone (default: this process's zone, as Go's time.Local). */
  defaultTimeZone?: string;
}

export function newCronJobController(options: CronJobControllerOptions = {}): ControllerFactory {
  return (ctx) => ({ name: 'cronjob', run: (signal) => runCronJobController(ctx, options, signal) });
}

export const cronJobController: ControllerFactory = newCronJobController();

function ownerCronJobKey(job: Job): string | undefined {
  return controllerKeyOf(job, { group: 'batch', kind: 'CronJob' });
}

async function runCronJobController(ctx: ControllerContext, options: CronJobControllerOptions, signal: AbortSignal): Promise<void> {
  const log = ctx.log.child('cronjob');
  const cronJobs = ctx.informers.informerFor<CronJob>(CRONJOBS);
  const jobs = ctx.informers.informerFor<Job>(JOBS);
  const queue = new WorkQueue({ clock: ctx.clock });
  cronJobs.addEventHandler({
    onAdd: (c) => queue.add(objectKey(c)),
    onUpdate: (_old, c) => queue.add(objectKey(c)),
    onDelete: (c) => queue.add(objectKey(c)),
  });
  const onJob = (j: Job): void => {
    const key = ownerCronJobKey(j);
    if (key) queue.add(key);
  };
  jobs.addEventHandler({ onAdd: onJob, onUpdate: (_old, j) => onJob(j), onDelete: onJob });

  const jobClient = (ns: string | undefined) => ctx.client.resource<Job>(JOBS, ns);
  const deps: CronSyncDeps = {
    now: wallClock(ctx.clock),
    recorder: ctx.recorder,
    localZone: options.defaultTimeZone ?? localZone(),
    getJob: async (ns, name) => {
      try {
        return await jobClient(ns).get(name);
      } catch (err) {
        if (err instanceof ApiError && err.code === 404) return undefined;
        throw err;
      }
    },
    createJob: (job) => jobClient(job.metadata?.namespace).create(job),
    deleteJob: async (job) => {
      try {
        await jobClient(job.metadata?.namespace).delete(job.metadata?.name ?? '', { propagationPolicy: 'Background' });
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
      }
    },
    updateStatus: async (cj) => {
      const client = ctx.client.resource<CronJob>(CRONJOBS, cj.metadata?.namespace);
      try {
        return await client.updateStatus(cj);
      } catch (err) {
        // The cache was behind (a spec change a moment ago): the status this sync computed is
        // the controller's own, so it is written onto the current object rather than lost to a
        // requeue (whose delay a Job just created must not wait for).
        if (!(err instanceof ApiError && err.code === 409)) throw err;
        const current = await client.get(cj.metadata?.name ?? '');
        if (current.metadata?.uid !== cj.metadata?.uid) throw err;
        return client.updateStatus({ ...current, status: cj.status });
      }
    },
  };

  const reconcile = async (key: string): Promise<void | { requeueAfterMs: number }> => {
    const cronJob = cronJobs.cache.get(key);
    if (!cronJob) return;
    const children = jobs.cache.byIndex(OWNER_UID_INDEX, cronJob.metadata?.uid ?? '');
    return syncCronJob(cronJob, children, deps);
  };

  if (!(await ctx.informers.waitForSync(signal))) return;
  await runWorkers(queue, reconcile, { workers: ctx.options.workers, signal, log });
}
