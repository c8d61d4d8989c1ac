// One reconcile of one Job: count finished pods, decide whether the Job has met its success or
// failure criteria, keep the wanted pods running, and write the status.
import type { Job, JobStatus } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { EventRecorder } from '../../events/recorder.js';
import { jsonEqual } from '../../api/validation/equal.js';
import { deepCopy } from '../../api/object.js';
import { recordOutcomes, remainingBackoffMs, type BackoffRecord } from './backoff.js';
import { findCondition, isConditionTrue, MESSAGES, REASONS, setCondition, type Verdict } from './conditions.js';
import type { PodExpectations } from '../shared/expectations.js';
import { parseIndexes } from './indexes.js';
import { planPods } from './manage.js';
import { isPodActive, isPodReady } from '../shared/pod-state.js';
import { hasTrackingFinalizer, isPodTerminating, newJobPod } from './pods.js';
import { trackFinishedPods } from './tracking.js';
import { formatTime, parseTime } from '../shared/wallclock.js';

export interface SyncDeps {
  now(): number;
  recorder: EventRecorder;
  expectations: PodExpectations;
  backoff: Map<string, BackoffRecord>;
  backoffBaseMs: number;
  backoffMaxMs: number;
  strippedFor(key: string): Set<string>;
  updateStatus(job: Job): Promise<Job>;
  createPod(job: Job, pod: Pod): Promise<Pod>;
  deletePod(pod: Pod): Promise<void>;
  removeFinalizer(pod: Pod): Promise<boolean>;
}

export type SyncResult = void | { requeueAfterMs: number };

/** Reconciles `job` (from the cache) given the pods it controls (from the cache). */
export async function syncJob(key: string, cached: Job, pods: readonly Pod[], deps: SyncDeps): Promise<SyncResult> {
  const now = deps.now();
  const tracked = await trackFinishedPods(cached, pods, { ...deps, stripped: deps.strippedFor(key) });
  const job = tracked.job;
  const status = tracked.status;
  if (tracked.newSucceeded > 0 || tracked.newFailureTimes.length > 0) deps.backoff.set(key, recordOutcomes(deps.backoff.get(key), tracked));

  const spec = job.spec;
  const indexed = spec?.completionMode === 'Indexed';
  const suspended = spec?.suspend === true;
  let active = pods.filter(isPodActive);
  const terminating = pods.filter((p) => isPodTerminating(p) && hasTrackingFinalizer(p)).length;
  const succeeded = indexed ? parseIndexes(status.completedIndexes).length : (status.succeeded ?? 0) + (status.uncountedTerminatedPods?.succeeded?.length ?? 0);
  const failed = (status.failed ?? 0) + (status.uncountedTerminatedPods?.failed?.length ?? 0);
  const manageAllowed = deps.expectations.satisfied(key);
  let requeueAfterMs: number | undefined;
  const requeue = (ms: number): void => {
    requeueAfterMs = requeueAfterMs === undefined ? ms : Math.min(requeueAfterMs, ms);
  };

  let failure: Verdict | undefined = verdictOf(status, 'FailureTarget');
  let success = isConditionTrue(status, 'SuccessCriteriaMet');
  if (!failure && !success) {
    failure = tracked.failJob ?? failureCriteria(job, status, failed, suspended, now, requeue);
    if (!failure) {
      const criteria = successCriteria(job, status, succeeded, active.length);
      if (criteria === 'failed-indexes') failure = { reason: REASONS.failedIndexes, message: MESSAGES.failedIndexes };
      success = criteria === 'met';
    }
  }

  if (failure || success) {
    if (failure) setCondition(status, 'FailureTarget', 'True', failure, now);
    else setCondition(status, 'SuccessCriteriaMet', 'True', { reason: REASONS.completionsReached, message: MESSAGES.completionsReached }, now);
    if (manageAllowed) active = await removePods(key, job, active, active, deps);
    // The terminal condition waits until every pod has stopped.
    if (active.length === 0 && terminating === 0) {
      if (failure) {
        setCondition(status, 'Failed', 'True', failure, now);
        deps.recorder.event(job, 'Warning', failure.reason, failure.message);
      } else {
        setCondition(status, 'Complete', 'True', { reason: REASONS.completionsReached, message: MESSAGES.completionsReached }, now);
        status.completionTime = formatTime(now);
        deps.recorder.event(job, 'Normal', 'Completed', 'Job completed');
      }
    }
  } else if (suspended) {
    if (setCondition(status, 'Suspended', 'True', { reason: REASONS.suspended, message: MESSAGES.suspended }, now)) {
      deps.recorder.event(job, 'Normal', 'Suspended', 'Job suspended');
    }
    if (manageAllowed) active = await removePods(key, job, active, active, deps);
  } else {
    if (findCondition(status, 'Suspended')?.status === 'True') {
      setCondition(status, 'Suspended', 'False', { reason: REASONS.resumed, message: MESSAGES.resumed }, now);
      deps.recorder.event(job, 'Normal', 'Resumed', 'Job resumed');
      status.startTime = formatTime(now);
    }
    status.startTime ??= formatTime(now);
    if (manageAllowed) {
      const plan = planPods({ ...job, status }, active, terminating, succeeded, pods);
      active = await removePods(key, job, active, plan.remove, deps);
      if (plan.create.length > 0) {
        const wait = remainingBackoffMs(deps.backoff.get(key), now, deps.backoffBaseMs, deps.backoffMaxMs);
        if (wait > 0) requeue(wait);
        else active = [...active, ...(await createPods(key, job, plan.create, deps))];
      }
    }
  }

  // int32 counters with omitempty vanish at 0; ready and terminating are pointers and stay.
  setCount(status, 'active', active.length);
  setCount(status, 'succeeded', indexed ? succeeded : (status.succeeded ?? 0));
  setCount(status, 'failed', status.failed ?? 0);
  status.ready = active.filter(isPodReady).length;
  status.terminating = terminating;
  if (!jsonEqual(status, job.status ?? {})) await deps.updateStatus({ ...job, status });
  return requeueAfterMs === undefined ? undefined : { requeueAfterMs };
}

function setCount(status: JobStatus, field: 'active' | 'succeeded' | 'failed', n: number): void {
  if (n > 0) status[field] = n;
  else delete status[field];
}

function verdictOf(status: JobStatus, type: 'FailureTarget'): Verdict | undefined {
  const c = findCondition(status, type);
  return c?.status === 'True' ? { reason: c.reason ?? '', message: c.message ?? '' } : undefined;
}

function failureCriteria(job: Job, status: JobStatus, failed: number, suspended: boolean, now: number, requeue: (ms: number) => void): Verdict | undefined {
  const spec = job.spec;
  if (spec?.backoffLimitPerIndex === undefined && failed > (spec?.backoffLimit ?? 6)) {
    return { reason: REASONS.backoffLimitExceeded, message: MESSAGES.backoffLimitExceeded };
  }
  const maxFailedIndexes = spec?.maxFailedIndexes;
  if (maxFailedIndexes != null && parseIndexes(status.failedIndexes ?? undefined).length > maxFailedIndexes) {
    return { reason: REASONS.maxFailedIndexesExceeded, message: MESSAGES.maxFailedIndexesExceeded };
  }
  const deadline = spec?.activeDeadlineSeconds;
  const start = parseTime(status.startTime);
  if (!suspended && deadline != null && start !== undefined) {
    const left = start + deadline * 1000 - now;
    if (left <= 0) return { reason: REASONS.deadlineExceeded, message: MESSAGES.deadlineExceeded };
    requeue(left);
  }
  return undefined;
}

/** 'met', 'failed-indexes' (every index done but some failed), or 'not-yet'. */
function successCriteria(job: Job, status: JobStatus, succeeded: number, active: number): 'met' | 'failed-indexes' | 'not-yet' {
  const completions = job.spec?.completions;
  if (job.spec?.completionMode === 'Indexed') {
    const failedIndexes = parseIndexes(status.failedIndexes ?? undefined).length;
    if (succeeded + failedIndexes < (completions ?? 0)) return 'not-yet';
    return failedIndexes > 0 ? 'failed-indexes' : 'met';
  }
  if (completions == null) return succeeded > 0 && active === 0 ? 'met' : 'not-yet';
  return succeeded >= completions ? 'met' : 'not-yet';
}

/** Deletes `victims` (a subset of `active`); returns the active pods left. */
async function removePods(key: string, job: Job, active: Pod[], victims: readonly Pod[], deps: SyncDeps): Promise<Pod[]> {
  if (victims.length === 0) return active;
  const podKey = (p: Pod): string => `${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`;
  deps.expectations.expectDeletions(key, victims.map(podKey));
  const gone = new Set<Pod>();
  const errors: unknown[] = [];
  await Promise.all(
    victims.map(async (pod) => {
      try {
        await deps.deletePod(pod);
        gone.add(pod);
        deps.recorder.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata?.name ?? ''}`);
      } catch (err) {
        deps.expectations.deletionObserved(key, podKey(pod));
        errors.push(err);
      }
    }),
  );
  if (errors.length > 0) throw errors[0];
  return active.filter((p) => !gone.has(p));
}

async function createPods(key: string, job: Job, wanted: readonly { index: number | undefined; failureCount?: number }[], deps: SyncDeps): Promise<Pod[]> {
  deps.expectations.expectCreations(key, wanted.length);
  const created: Pod[] = [];
  const errors: unknown[] = [];
  await Promise.all(
    wanted.map(async (w) => {
      try {
        const pod = await deps.createPod(job, newJobPod(deepCopy(job), w.index, w.failureCount));
        created.push(pod);
        deps.recorder.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata?.name ?? ''}`);
      } catch (err) {
        deps.expectations.creationObserved(key);
        deps.recorder.event(job, 'Warning', 'FailedCreate', `Error creating: ${err instanceof Error ? err.message : String(err)}`);
        errors.push(err);
      }
    }),
  );
  if (errors.length > 0) throw errors[0];
  return created;
}
