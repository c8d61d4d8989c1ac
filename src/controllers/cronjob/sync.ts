// One reconcile of one CronJob (Kubernetes v1.33 syncCronJob): account for finished and
// missing Jobs, start the Job due now (honouring suspend, startingDeadlineSeconds and the
// concurrency policy), trim history, and say when to look again.
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { ObjectReference } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../api/errors.js';
import { deepCopy } from '../../api/object.js';
import { jsonEqual } from '../../api/validation/equal.js';
import type { EventRecorder } from '../../events/recorder.js';
import { jobFinishTime, jobNameFor, jobOutcome, newJobFor } from './jobs.js';
import { mostRecentScheduleTime } from './missed.js';
import { parseSchedule, type Schedule } from './schedule.js';
import { checkZone } from './timezone.js';
import { formatTime, parseTime } from '../shared/wallclock.js';

export interface CronSyncDeps {
  now(): number;
  recorder: EventRecorder;
  localZone: string;
  /** Live read for an active Job missing from the cache; undefined when it does not exist. */
  getJob(namespace: string, name: string): Promise<Job | undefined>;
  createJob(job: Job): Promise<Job>;
  deleteJob(job: Pick<Job, 'metadata'>): Promise<void>;
  updateStatus(cronJob: CronJob): Promise<CronJob>;
}

/** Added to the requeue delay so the next look lands just after the activation. */
const NEXT_SCHEDULE_DELTA_MS = 100;
const MAX_MISSED = 100;

export async function syncCronJob(cronJob: CronJob, childJobs: readonly Job[], deps: CronSyncDeps): Promise<void | { requeueAfterMs: number }> {
  const status = deepCopy(cronJob.status ?? {});
  const now = deps.now();
  await reconcileChildren(cronJob, status, childJobs, deps);
  const result = await schedule(cronJob, status, childJobs, now, deps);
  await cleanupFinished(cronJob, childJobs, deps);
  if (!jsonEqual(status, cronJob.status ?? {})) await deps.updateStatus({ ...cronJob, status });
  return result;
}

async function reconcileChildren(cronJob: CronJob, status: NonNullable<CronJob['status']>, children: readonly Job[], deps: CronSyncDeps): Promise<void> {
  const active = new Map((status.active ?? []).map((r) => [r.uid ?? '', r]));
  const seen = new Set<string>();
  for (const job of children) {
    const uid = job.metadata?.uid ?? '';
    seen.add(uid);
    const outcome = jobOutcome(job);
    if (active.has(uid) && outcome) {
      active.delete(uid);
      deps.recorder.event(cronJob, 'Normal', 'SawCompletedJob', `Saw completed job: ${job.metadata?.name ?? ''}, condition: ${outcome}`);
      const finished = jobFinishTime(job);
      if (outcome === 'Complete' && finished && (parseTime(status.lastSuccessfulTime) ?? 0) < (parseTime(finished) ?? 0)) status.lastSuccessfulTime = finished;
    } else if (!active.has(uid) && !outcome) {
      deps.recorder.event(cronJob, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${job.metadata?.name ?? ''}`);
    }
  }
  for (const [uid, ref] of active) {
    if (seen.has(uid)) continue;
    // The cache may just be behind: only a live NotFound (or another uid) means it is gone.
    const live = await deps.getJob(ref.namespace ?? cronJob.metadata?.namespace ?? '', ref.name ?? '');
    if (live && live.metadata?.uid === uid) continue;
    active.delete(uid);
    deps.recorder.event(cronJob, 'Normal', 'MissingJob', `Active job went missing: ${ref.name ?? ''}`);
  }
  if (active.size > 0) status.active = [...active.values()];
  else delete status.active;
}

async function schedule(
  cronJob: CronJob,
  status: NonNullable<CronJob['status']>,
  children: readonly Job[],
  now: number,
  deps: CronSyncDeps,
): Promise<void | { requeueAfterMs: number }> {
  const spec = cronJob.spec;
  if (!spec || cronJob.metadata?.deletionTimestamp) return;
  const zone = spec.timeZone ?? deps.localZone;
  try {
    checkZone(zone);
  } catch (err) {
    deps.recorder.event(cronJob, 'Warning', 'UnknownTimeZone', `invalid timeZone: ${JSON.stringify(zone)}: ${(err as Error).message}`);
    return;
  }
  if (spec.suspend) return;
  let sched: Schedule;
  try {
    sched = parseSchedule(spec.schedule, zone);
  } catch (err) {
    deps.recorder.event(cronJob, 'Warning', 'UnparseableSchedule', `unparseable schedule: ${JSON.stringify(spec.schedule)} : ${(err as Error).message}`);
    return;
  }
  let earliest = parseTime(status.lastScheduleTime) ?? parseTime(cronJob.metadata?.creationTimestamp) ?? now;
  if (spec.startingDeadlineSeconds != null) earliest = Math.max(earliest, now - spec.startingDeadlineSeconds * 1000);
  const window = mostRecentScheduleTime(sched, earliest, now);
  const requeue = (): { requeueAfterMs: number } | void => {
    const next = sched.next(now);
    return next === undefined ? undefined : { requeueAfterMs: next - now + NEXT_SCHEDULE_DELTA_MS };
  };
  if (window.missed > MAX_MISSED) {
    deps.recorder.event(
      cronJob,
      'Warning',
      'TooManyMissedTimes',
      `too many missed start times: ${window.missed}. Set or decrease .spec.startingDeadlineSeconds or check clock skew`,
    );
  }
  const scheduled = window.mostRecent;
  if (scheduled === undefined) return requeue();
  if (spec.startingDeadlineSeconds != null && scheduled + spec.startingDeadlineSeconds * 1000 < now) {
    deps.recorder.event(cronJob, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${new Date(scheduled).toUTCString()}`);
    return requeue();
  }
  const name = jobNameFor(cronJob, scheduled);
  if ((status.active ?? []).some((r) => r.name === name) || parseTime(status.lastScheduleTime) === Math.floor(scheduled / 1000) * 1000) return requeue();
  const running = status.active ?? [];
  if (spec.concurrencyPolicy === 'Forbid' && running.length > 0) {
    deps.recorder.event(cronJob, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
    return requeue();
  }
  if (spec.concurrencyPolicy === 'Replace') {
    for (const ref of running) {
      await deps.deleteJob({ metadata: { name: ref.name, namespace: ref.namespace } });
      deps.recorder.event(cronJob, 'Normal', 'SuccessfulDelete', `Deleted job ${ref.name ?? ''}`);
    }
    delete status.active;
  }
  let created: Job;
  try {
    created = await deps.createJob(newJobFor(cronJob, scheduled));
  } catch (err) {
    if (err instanceof ApiError && err.reason === 'AlreadyExists') {
      // Created by an earlier sync whose status write was lost: adopt it if it is ours.
      const existing = children.find((j) => j.metadata?.name === name);
      if (existing && !jobOutcome(existing)) status.active = [...(status.active ?? []), refTo(existing)];
      status.lastScheduleTime = formatTime(scheduled);
      return requeue();
    }
    deps.recorder.event(cronJob, 'Warning', 'FailedCreate', `Error creating job: ${err instanceof Error ? err.message : String(err)}`);
    throw err;
  }
  deps.recorder.event(cronJob, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata?.name ?? ''}`);
  status.active = [...(status.active ?? []), refTo(created)];
  status.lastScheduleTime = formatTime(scheduled);
  return requeue();
}

function refTo(job: Job): ObjectReference {
  return {
    kind: 'Job',
    namespace: job.metadata?.namespace,
    name: job.metadata?.name,
    uid: job.metadata?.uid,
    apiVersion: 'batch/v1',
    resourceVersion: job.metadata?.resourceVersion,
  };
}

/** Keeps the newest successfulJobsHistoryLimit Complete and failedJobsHistoryLimit Failed Jobs. */
async function cleanupFinished(cronJob: CronJob, children: readonly Job[], deps: CronSyncDeps): Promise<void> {
  const limits = { Complete: cronJob.spec?.successfulJobsHistoryLimit, Failed: cronJob.spec?.failedJobsHistoryLimit };
  for (const outcome of ['Complete', 'Failed'] as const) {
    const limit = limits[outcome];
    if (limit == null) continue;
    const finished = children
      .filter((j) => jobOutcome(j) === outcome && !j.metadata?.deletionTimestamp)
      .sort((a, b) => startOf(a) - startOf(b));
    for (const job of finished.slice(0, Math.max(0, finished.length - limit))) {
      await deps.deleteJob(job);
      deps.recorder.event(cronJob, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata?.name ?? ''}`);
    }
  }
}

function startOf(job: Job): number {
  return parseTime(job.status?.startTime) ?? parseTime(job.metadata?.creationTimestamp) ?? 0;
}
