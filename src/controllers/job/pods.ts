// What the Job controller reads from, and writes into, the pods it owns: their state
// (active, terminating, succeeded, failed), completion indexes, and the pod it creates.
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { deepCopy } from '../../api/object.js';
import { newControllerRef } from '../shared/ownership.js';
import { parseTime } from '../shared/wallclock.js';

/** Keeps a finished pod until the controller has counted it in the Job's status. */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export const COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
export const COMPLETION_INDEX_LABEL = 'batch.kubernetes.io/job-completion-index';
export const INDEX_FAILURE_COUNT_ANNOTATION = 'batch.kubernetes.io/job-index-failure-count';
export const COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';

export function hasTrackingFinalizer(pod: Pod): boolean {
  return pod.metadata?.finalizers?.includes(JOB_TRACKING_FINALIZER) ?? false;
}

export function isPodSucceeded(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded';
}

/**
 * Failed, as the Job controller counts failures: phase Failed, or (unless only failed pods are
 * replaced) being deleted before succeeding, since such a pod may never reach a phase.
 */
export function isPodFailed(pod: Pod, job: Job): boolean {
  if (pod.status?.phase === 'Failed') return true;
  if (job.spec?.podReplacementPolicy === 'Failed') return false;
  return pod.metadata?.deletionTimestamp != null && pod.status?.phase !== 'Succeeded';
}

export function isPodFinished(pod: Pod, job: Job): boolean {
  return isPodSucceeded(pod) || isPodFailed(pod, job);
}

export function isPodTerminating(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && pod.metadata?.deletionTimestamp != null;
}

/** The completion index of a pod of an Indexed Job; undefined when absent or malformed. */
export function completionIndex(pod: Pod): number | undefined {
  const v = pod.metadata?.annotations?.[COMPLETION_INDEX_ANNOTATION];
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}

/** When the pod finished: the latest container finish time, else `fallback`. */
export function podFinishTime(pod: Pod, fallback: number): number {
  let latest: number | undefined;
  for (const s of [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])]) {
    const t = parseTime(s.state?.terminated?.finishedAt);
    if (t !== undefined && (latest === undefined || t > latest)) latest = t;
  }
  return latest ?? fallback;
}

/** A pod for `job` (and its completion index for Indexed Jobs), as the Job controller creates it. */
export function newJobPod(job: Job, index: number | undefined, indexFailureCount?: number): Pod {
  const name = job.metadata?.name ?? '';
  const template = deepCopy(job.spec?.template ?? {});
  const labels = { ...(template.metadata?.labels ?? {}) };
  const annotations = { ...(template.metadata?.annotations ?? {}) };
  const spec = template.spec ?? { containers: [] };
  if (index !== undefined) {
    annotations[COMPLETION_INDEX_ANNOTATION] = String(index);
    labels[COMPLETION_INDEX_LABEL] = String(index);
    if (indexFailureCount !== undefined) annotations[INDEX_FAILURE_COUNT_ANNOTATION] = String(indexFailureCount);
    spec.hostname ??= `${name}-${index}`;
    for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) addIndexEnv(c);
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: index === undefined ? `${name}-` : `${name}-${index}-`,
      namespace: job.metadata?.namespace,
      labels,
      annotations,
      finalizers: [JOB_TRACKING_FINALIZER],
      ownerReferences: [newControllerRef({ apiVersion: 'batch/v1', kind: 'Job' }, job)],
    },
    spec,
  };
}

function addIndexEnv(c: Container): void {
  if (c.env?.some((e) => e.name === COMPLETION_INDEX_ENV)) return;
  (c.env ??= []).push({
    name: COMPLETION_INDEX_ENV,
    valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${COMPLETION_INDEX_ANNOTATION}']` } },
  });
}
