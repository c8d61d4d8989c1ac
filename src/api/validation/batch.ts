// Jobs and CronJobs (batch/v1), as Kubernetes v1.33 validates them.
import type { CronJob, Job, JobSpec } from 'kubernetes-types/batch/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { FieldError } from '../errors.js';
import { cronScheduleError, isKnownTimeZone } from './cron.js';
import { jsonEqual } from './equal.js';
import { IMMUTABLE, invalid, nonNegative, notSupported, required } from './field.js';
import { goLabelSelector, goStringMap, GoLiteral } from './gosyntax.js';
import { isEmptySelector, selectorMatches, validateAnnotations, validateLabels, validateLabelSelector } from './objectmeta.js';
import { validatePodTemplateSpec } from './podspec.js';

export const CRONJOB_MAX_NAME_LENGTH = 52;

interface JobSpecRules {
  /** A CronJob's jobTemplate gets its selector generated per Job, so none may be given. */
  isTemplate: boolean;
}

function validateJobSpec(spec: JobSpec | undefined, path: string, rules: JobSpecRules): FieldError[] {
  if (!spec) return [required(path)];
  const errs: FieldError[] = [];
  errs.push(...nonNegative(`${path}.parallelism`, spec.parallelism));
  errs.push(...nonNegative(`${path}.completions`, spec.completions));
  errs.push(...nonNegative(`${path}.activeDeadlineSeconds`, spec.activeDeadlineSeconds));
  errs.push(...nonNegative(`${path}.backoffLimit`, spec.backoffLimit));
  errs.push(...nonNegative(`${path}.ttlSecondsAfterFinished`, spec.ttlSecondsAfterFinished));
  const mode = spec.completionMode;
  if (mode !== undefined && mode !== 'NonIndexed' && mode !== 'Indexed')
    errs.push(notSupported(`${path}.completionMode`, mode, ['NonIndexed', 'Indexed']));
  if (mode === 'Indexed' && spec.completions === undefined) errs.push(required(`${path}.completions`, 'when completion mode is Indexed'));
  const prp = spec.podReplacementPolicy;
  if (prp !== undefined && prp !== 'TerminatingOrFailed' && prp !== 'Failed')
    errs.push(notSupported(`${path}.podReplacementPolicy`, prp, ['TerminatingOrFailed', 'Failed']));
  if (rules.isTemplate) {
    if (spec.selector) errs.push(invalid(`${path}.selector`, goLabelSelector(spec.selector), '`selector` will be auto-generated'));
  } else if (!spec.selector) {
    errs.push(required(`${path}.selector`));
  } else {
    errs.push(...validateLabelSelector(spec.selector, `${path}.selector`));
    const labels = spec.template?.metadata?.labels;
    if (!isEmptySelector(spec.selector) && !selectorMatches(spec.selector, labels))
      errs.push(invalid(`${path}.template.metadata.labels`, goStringMap(labels), '`selector` does not match template `labels`'));
  }
  errs.push(...validatePodTemplateSpec(spec.template, `${path}.template`));
  const restartPolicy = spec.template?.spec?.restartPolicy ?? '';
  if (restartPolicy !== 'OnFailure' && restartPolicy !== 'Never')
    errs.push(notSupported(`${path}.template.spec.restartPolicy`, restartPolicy, ['OnFailure', 'Never']));
  if (spec.podFailurePolicy && restartPolicy !== 'Never')
    errs.push(
      invalid(`${path}.template.spec.restartPolicy`, restartPolicy, 'only "Never" is supported when podFailurePolicy is specified'),
    );
  return errs;
}

export function validateJob(job: Job): FieldError[] {
  return validateJobSpec(job.spec, 'spec', { isTemplate: false });
}

/** Fields a suspended Job may still change in its template (scheduling directives). */
const SUSPENDED_MUTABLE = ['nodeSelector', 'tolerations', 'affinity', 'schedulingGates'] as const;

function templateForComparison(t: PodTemplateSpec | undefined, opts: { allowScheduling: boolean }): unknown {
  if (!t || !opts.allowScheduling) return t;
  const spec = Object.fromEntries(Object.entries(t.spec ?? {}).filter(([k]) => !(SUSPENDED_MUTABLE as readonly string[]).includes(k)));
  return { spec };
}

export function validateJobUpdate(job: Job, old: Job): FieldError[] {
  const errs = validateJob(job);
  const spec = job.spec ?? ({} as JobSpec);
  const before = old.spec ?? ({} as JobSpec);
  if (!jsonEqual(spec.selector, before.selector)) errs.push(invalid('spec.selector', goLabelSelector(spec.selector), IMMUTABLE));
  const elastic = spec.completionMode === 'Indexed' && spec.completions === spec.parallelism && before.completions === before.parallelism;
  if (spec.completions !== before.completions && !elastic)
    errs.push(invalid('spec.completions', spec.completions ?? null, IMMUTABLE));
  if (spec.completionMode !== before.completionMode) errs.push(invalid('spec.completionMode', spec.completionMode ?? null, IMMUTABLE));
  if (!jsonEqual(spec.podFailurePolicy, before.podFailurePolicy))
    errs.push(invalid('spec.podFailurePolicy', spec.podFailurePolicy ?? null, IMMUTABLE));
  // A Job suspended since creation (never started) may retarget its pods' scheduling.
  const allowScheduling = before.suspend === true && old.status?.startTime === undefined;
  if (!jsonEqual(templateForComparison(spec.template, { allowScheduling }), templateForComparison(before.template, { allowScheduling })))
    errs.push(invalid('spec.template', new GoLiteral('core.PodTemplateSpec{...}', spec.template ?? null), IMMUTABLE));
  return errs;
}

export function validateCronJob(cj: CronJob): FieldError[] {
  const errs: FieldError[] = [];
  const name = cj.metadata?.name ?? '';
  if (name.length > CRONJOB_MAX_NAME_LENGTH)
    errs.push(invalid('metadata.name', name, `must be no more than ${CRONJOB_MAX_NAME_LENGTH} characters`));
  const spec = cj.spec;
  if (!spec) return [...errs, required('spec')];
  if (!spec.schedule) errs.push(required('spec.schedule'));
  else {
    if (/^\s*(CRON_)?TZ=/.test(spec.schedule))
      errs.push(invalid('spec.schedule', spec.schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
    const err = cronScheduleError(spec.schedule);
    if (err) errs.push(invalid('spec.schedule', spec.schedule, err));
  }
  if (spec.timeZone !== undefined && spec.timeZone !== null) {
    if (spec.timeZone === 'Local' || spec.timeZone === '')
      errs.push(invalid('spec.timeZone', spec.timeZone, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
    else if (!isKnownTimeZone(spec.timeZone)) errs.push(invalid('spec.timeZone', spec.timeZone, `unknown time zone ${spec.timeZone}`));
  }
  const cp = spec.concurrencyPolicy;
  if (!cp) errs.push(required('spec.concurrencyPolicy'));
  else if (!['Allow', 'Forbid', 'Replace'].includes(cp)) errs.push(notSupported('spec.concurrencyPolicy', cp, ['Allow', 'Forbid', 'Replace']));
  errs.push(...nonNegative('spec.startingDeadlineSeconds', spec.startingDeadlineSeconds));
  errs.push(...nonNegative('spec.successfulJobsHistoryLimit', spec.successfulJobsHistoryLimit));
  errs.push(...nonNegative('spec.failedJobsHistoryLimit', spec.failedJobsHistoryLimit));
  const jt = spec.jobTemplate;
  errs.push(...validateLabels(jt?.metadata?.labels, 'spec.jobTemplate.metadata.labels'));
  errs.push(...validateAnnotations(jt?.metadata?.annotations, 'spec.jobTemplate.metadata.annotations'));
  errs.push(...validateJobSpec(jt?.spec, 'spec.jobTemplate.spec', { isTemplate: true }));
  return errs;
}
