// batch/v1 defaults (SetDefaults_Job, SetDefaults_CronJob, v1.33), and the selector and
// labels the Job strategy generates on create.
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import { defaultPodTemplateSpec } from './podspec.js';

export const JOB_CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const LEGACY_JOB_CONTROLLER_UID_LABEL = 'controller-uid';
export const LEGACY_JOB_NAME_LABEL = 'job-name';

const MAX_INT32 = 2147483647;

export function defaultJob(job: Job): void {
  job.spec ??= { template: {} };
  const spec = job.spec;
  // A non-parallel job may leave both unset; then both are 1.
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex !== undefined ? MAX_INT32 : 6;
  copyTemplateLabels(job);
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  for (const rule of spec.podFailurePolicy?.rules ?? []) for (const c of rule.onPodConditions ?? []) c.status ??= 'True';
  spec.podReplacementPolicy ??= spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  defaultPodTemplateSpec(spec.template);
}

/** A Job without labels of its own takes its pod template's labels. */
function copyTemplateLabels(job: Job): void {
  const labels = job.spec?.template?.metadata?.labels;
  if (!labels) return;
  job.metadata ??= {};
  if (Object.keys(job.metadata.labels ?? {}).length === 0) job.metadata.labels = { ...labels };
}

/**
 * What the Job strategy does on create, after the API server has assigned the Job's uid and
 * before validation: unless `spec.manualSelector` is true, the pod template gets the
 * controller-uid and job-name labels (new and legacy keys) and the selector matches the
 * controller uid. The Job's own labels
 * then default from the template, as they do when Kubernetes reads a Job back.
 */
export function setJobSelector(job: Job, uid: string): void {
  job.spec ??= { template: {} };
  const spec = job.spec;
  if (spec.manualSelector === true) return;
  const name = job.metadata?.name ?? '';
  spec.template ??= {};
  spec.template.metadata ??= {};
  const labels = (spec.template.metadata.labels ??= {});
  // Labels the user set are kept; a conflicting value then fails validation.
  for (const k of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) if (!(k in labels)) labels[k] = name;
  for (const k of [LEGACY_JOB_CONTROLLER_UID_LABEL, JOB_CONTROLLER_UID_LABEL]) if (!(k in labels)) labels[k] = uid;
  const selector = (spec.selector ??= {});
  const matchLabels = (selector.matchLabels ??= {});
  if (!(JOB_CONTROLLER_UID_LABEL in matchLabels)) matchLabels[JOB_CONTROLLER_UID_LABEL] = uid;
  copyTemplateLabels(job);
}

export function defaultCronJob(cj: CronJob): void {
  cj.spec ??= { schedule: '', jobTemplate: {} };
  const spec = cj.spec;
  if (!spec.concurrencyPolicy) spec.concurrencyPolicy = 'Allow';
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;
  spec.jobTemplate ??= {};
  spec.jobTemplate.metadata ??= {};
  if (spec.jobTemplate.metadata.creationTimestamp === undefined)
    (spec.jobTemplate.metadata as { creationTimestamp?: string | null }).creationTimestamp = null;
  spec.jobTemplate.spec ??= { template: {} };
  defaultPodTemplateSpec(spec.jobTemplate.spec.template);
}
