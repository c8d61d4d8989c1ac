// Job status conditions with Kubernetes' types, reasons and messages (batch/v1, v1.33).
import type { JobCondition, JobStatus } from 'kubernetes-types/batch/v1.js';
import { formatTime } from '../shared/wallclock.js';

export type JobConditionType = 'Complete' | 'Failed' | 'FailureTarget' | 'SuccessCriteriaMet' | 'Suspended';

export const REASONS = {
  backoffLimitExceeded: 'BackoffLimitExceeded',
  deadlineExceeded: 'DeadlineExceeded',
  podFailurePolicy: 'PodFailurePolicy',
  maxFailedIndexesExceeded: 'MaxFailedIndexesExceeded',
  failedIndexes: 'FailedIndexes',
  completionsReached: 'CompletionsReached',
  suspended: 'JobSuspended',
  resumed: 'JobResumed',
} as const;

export const MESSAGES = {
  backoffLimitExceeded: 'Job has reached the specified backoff limit',
  deadlineExceeded: 'Job was active longer than specified deadline',
  maxFailedIndexesExceeded: 'Job has exceeded the specified maximal number of failed indexes',
  failedIndexes: 'Job has failed indexes',
  completionsReached: 'Reached expected number of succeeded pods',
  suspended: 'Job suspended',
  resumed: 'Job resumed',
} as const;

/** A reason and message for a terminal (or about to be terminal) condition. */
export interface Verdict {
  reason: string;
  message: string;
}

export function findCondition(status: JobStatus | undefined, type: JobConditionType): JobCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

export function isConditionTrue(status: JobStatus | undefined, type: JobConditionType): boolean {
  return findCondition(status, type)?.status === 'True';
}

/** A finished job has Complete or Failed true; nothing more happens to it. */
export function isJobFinished(status: JobStatus | undefined): boolean {
  return isConditionTrue(status, 'Complete') || isConditionTrue(status, 'Failed');
}

/**
 * Sets a condition on `status` (a working copy). Times move only when the status flips, as
 * Kubernetes does; returns whether anything changed.
 */
export function setCondition(status: JobStatus, type: JobConditionType, value: 'True' | 'False', verdict: Verdict, now: number): boolean {
  const conditions = (status.conditions ??= []);
  const existing = conditions.find((c) => c.type === type);
  const time = formatTime(now);
  if (!existing) {
    conditions.push({ type, status: value, reason: verdict.reason, message: verdict.message, lastProbeTime: time, lastTransitionTime: time });
    return true;
  }
  if (existing.status === value && existing.reason === verdict.reason && existing.message === verdict.message) return false;
  if (existing.status !== value) existing.lastTransitionTime = time;
  existing.status = value;
  existing.reason = verdict.reason;
  existing.message = verdict.message;
  existing.lastProbeTime = time;
  return true;
}
