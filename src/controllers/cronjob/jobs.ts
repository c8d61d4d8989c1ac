// The Jobs a CronJob creates, and reading their state.
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import { deepCopy } from '../../api/object.js';
import { newControllerRef } from '../shared/ownership.js';
import { formatInZone } from './timezone.js';

export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

/** `<cronjob>-<scheduled time in minutes since the epoch>`: one name per activation. */
export function jobNameFor(cronJob: CronJob, scheduled: number): string {
  return `${cronJob.metadata?.name ?? ''}-${Math.floor(scheduled / 60_000)}`;
}

export function newJobFor(cronJob: CronJob, scheduled: number): Job {
  const template = deepCopy(cronJob.spec?.jobTemplate ?? {});
  const tz = cronJob.spec?.timeZone ?? 'UTC';
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobNameFor(cronJob, scheduled),
      namespace: cronJob.metadata?.namespace,
      labels: { ...(template.metadata?.labels ?? {}) },
      annotations: { ...(template.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP_ANNOTATION]: formatInZone(scheduled, tz) },
      ownerReferences: [newControllerRef({ apiVersion: 'batch/v1', kind: 'CronJob' }, cronJob)],
    },
    spec: template.spec ?? { template: {} },
  };
}

export type JobOutcome = 'Complete' | 'Failed' | undefined;

export function jobOutcome(job: Job): JobOutcome {
  for (const c of job.status?.conditions ?? []) {
    if (c.status === 'True' && (c.type === 'Complete' || c.type === 'Failed')) return c.type;
  }
  return undefined;
}

export function jobFinishTime(job: Job): string | undefined {
  return job.status?.completionTime ?? job.status?.conditions?.find((c) => c.type === 'Complete' || c.type === 'Failed')?.lastTransitionTime;
}
