// Counting finished pods exactly once, as Kubernetes' Job controller does with the
// `batch.kubernetes.io/job-tracking` finalizer:
//   1. a finished pod that still carries the finalizer is written to
//      status.uncountedTerminatedPods (and, for Indexed Jobs, its index to completedIndexes);
//   2. only then is its finalizer removed;
//   3. uids in uncountedTerminatedPods whose pods have lost the finalizer (or are gone) move
//      into status.succeeded / status.failed.
// A crash between any two steps loses nothing and counts nothing twice. Pods whose finalizer
// this process removed but the cache still shows are skipped (`stripped`), and every status
// write carries the cached resourceVersion, so a stale cache ends in 409 rather than a recount.
import type { Job, JobStatus } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { deepCopy } from '../../api/object.js';
import { matchPodFailurePolicy } from './failure-policy.js';
import { formatIndexes, parseIndexes } from './indexes.js';
import { completionIndex, hasTrackingFinalizer, INDEX_FAILURE_COUNT_ANNOTATION, isPodFailed, isPodSucceeded, podFinishTime } from './pods.js';
import type { Verdict } from './conditions.js';

export interface TrackingDeps {
  now(): number;
  updateStatus(job: Job): Promise<Job>;
  /** Removes the tracking finalizer; resolves false when the pod is already gone. */
  removeFinalizer(pod: Pod): Promise<boolean>;
  /** Pod uids whose finalizer was removed here but may still show in the cache. */
  stripped: Set<string>;
}

export interface TrackingResult {
  /** The Job as last written (or as given when nothing was written). */
  job: Job;
  /** Working status: counts moved out of uncountedTerminatedPods, not written yet. */
  status: JobStatus;
  /** A FailJob rule of the pod failure policy matched a newly failed pod. */
  failJob: Verdict | undefined;
  newSucceeded: number;
  /** Finish times of newly counted failures (for the pod failure backoff). */
  newFailureTimes: number[];
}

export async function trackFinishedPods(job: Job, pods: readonly Pod[], deps: TrackingDeps): Promise<TrackingResult> {
  const status = deepCopy(job.status ?? {});
  const indexed = job.spec?.completionMode === 'Indexed';
  const completions = job.spec?.completions ?? 0;
  const perIndexLimit = job.spec?.backoffLimitPerIndex;
  const uncountedSucceeded = new Set(status.uncountedTerminatedPods?.succeeded ?? []);
  const uncountedFailed = new Set(status.uncountedTerminatedPods?.failed ?? []);
  const completed = new Set(parseIndexes(status.completedIndexes));
  const failedIndexes = new Set(parseIndexes(status.failedIndexes ?? undefined));
  const toStrip: Pod[] = [];
  let failJob: Verdict | undefined;
  let changed = false;
  let newSucceeded = 0;
  const newFailureTimes: number[] = [];

  for (const pod of pods) {
    const uid = pod.metadata?.uid ?? '';
    if (!hasTrackingFinalizer(pod) || deps.stripped.has(uid)) continue;
    if (uncountedSucceeded.has(uid) || uncountedFailed.has(uid)) {
      toStrip.push(pod);
      continue;
    }
    const ix = completionIndex(pod);
    const validIndex = ix !== undefined && ix < completions;
    if (isPodSucceeded(pod)) {
      if (indexed && validIndex && !failedIndexes.has(ix)) completed.add(ix);
      uncountedSucceeded.add(uid);
      newSucceeded++;
    } else if (isPodFailed(pod, job)) {
      const verdict = matchPodFailurePolicy(job, pod);
      if (verdict.action === 'Ignore') {
        toStrip.push(pod);
        continue;
      }
      if (verdict.action === 'FailJob') failJob ??= { reason: 'PodFailurePolicy', message: verdict.message };
      if (indexed && validIndex && perIndexLimit !== undefined) {
        const failures = Number(pod.metadata?.annotations?.[INDEX_FAILURE_COUNT_ANNOTATION] ?? '0') + 1;
        if (verdict.action === 'FailIndex' || failures > perIndexLimit) failedIndexes.add(ix);
      }
      uncountedFailed.add(uid);
      newFailureTimes.push(podFinishTime(pod, deps.now()));
    } else {
      continue;
    }
    toStrip.push(pod);
    changed = true;
  }

  let current = job;
  if (changed) {
    status.uncountedTerminatedPods = uncountedOf(uncountedSucceeded, uncountedFailed);
    if (indexed) status.completedIndexes = formatIndexes(completed);
    if (indexed && perIndexLimit !== undefined) status.failedIndexes = formatIndexes(failedIndexes);
    current = await deps.updateStatus({ ...job, status: deepCopy(status) });
  }

  const gone = new Set<string>();
  await Promise.all(
    toStrip.map(async (pod) => {
      const uid = pod.metadata?.uid ?? '';
      await deps.removeFinalizer(pod);
      deps.stripped.add(uid);
      gone.add(uid);
    }),
  );
  const stillTracked = new Set(pods.filter((p) => hasTrackingFinalizer(p)).map((p) => p.metadata?.uid ?? ''));
  const counted = (uid: string): boolean => gone.has(uid) || !stillTracked.has(uid) || deps.stripped.has(uid);
  let moved = false;
  for (const uid of [...uncountedSucceeded]) {
    if (!counted(uid)) continue;
    uncountedSucceeded.delete(uid);
    if (!indexed) status.succeeded = (status.succeeded ?? 0) + 1;
    moved = true;
  }
  for (const uid of [...uncountedFailed]) {
    if (!counted(uid)) continue;
    uncountedFailed.delete(uid);
    status.failed = (status.failed ?? 0) + 1;
    moved = true;
  }
  if (indexed) status.succeeded = completed.size;
  if (moved || changed || !status.uncountedTerminatedPods) {
    status.uncountedTerminatedPods = uncountedOf(uncountedSucceeded, uncountedFailed);
  }
  return { job: current, status, failJob, newSucceeded, newFailureTimes };
}

/** As Kubernetes serializes it: empty lists left out, so none at all is `{}`. */
function uncountedOf(succeeded: ReadonlySet<string>, failed: ReadonlySet<string>): JobStatus['uncountedTerminatedPods'] {
  const out: NonNullable<JobStatus['uncountedTerminatedPods']> = {};
  if (succeeded.size > 0) out.succeeded = [...succeeded];
  if (failed.size > 0) out.failed = [...failed];
  return out;
}
