// Bringing a running Job's active pods to what its spec wants: how many (NonIndexed), or which
// completion indexes (Indexed), within parallelism.
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { parseIndexes } from './indexes.js';
import { isPodReady } from '../shared/pod-state.js';
import { completionIndex, INDEX_FAILURE_COUNT_ANNOTATION } from './pods.js';

export interface PodPlan {
  /** Completion index per pod to create (undefined entries for NonIndexed Jobs). */
  create: { index: number | undefined; failureCount?: number }[];
  remove: Pod[];
}

/** Most pods created per sync, as Kubernetes' burst limit. */
const MAX_CREATE_PER_SYNC = 500;

/**
 * `active`: pods neither finished nor being deleted; `terminating`: pods being deleted that
 * count as still running when only failed pods are replaced (podReplacementPolicy Failed).
 */
export function planPods(job: Job, active: readonly Pod[], terminating: number, succeeded: number, allPods: readonly Pod[]): PodPlan {
  const spec = job.spec;
  const parallelism = spec?.parallelism ?? 1;
  const occupied = spec?.podReplacementPolicy === 'Failed' ? terminating : 0;
  if (spec?.completionMode === 'Indexed') return planIndexed(job, active, occupied, allPods);
  let want: number;
  if (spec?.completions === undefined) want = succeeded > 0 ? active.length : parallelism;
  else want = Math.max(0, Math.min(parallelism, spec.completions - succeeded));
  const diff = want - active.length - occupied;
  if (diff > 0) return { create: Array.from({ length: Math.min(diff, MAX_CREATE_PER_SYNC) }, () => ({ index: undefined })), remove: [] };
  if (active.length > want) return { create: [], remove: pickForRemoval(active, active.length - want) };
  return { create: [], remove: [] };
}

function planIndexed(job: Job, active: readonly Pod[], occupied: number, allPods: readonly Pod[]): PodPlan {
  const completions = job.spec?.completions ?? 0;
  const parallelism = job.spec?.parallelism ?? 1;
  const done = new Set([...parseIndexes(job.status?.completedIndexes), ...parseIndexes(job.status?.failedIndexes ?? undefined)]);
  const remove: Pod[] = [];
  const running = new Map<number, Pod>();
  for (const pod of active) {
    const ix = completionIndex(pod);
    if (ix === undefined || ix >= completions || done.has(ix) || running.has(ix)) remove.push(pod);
    else running.set(ix, pod);
  }
  const keep = [...running.values()];
  if (keep.length > parallelism) remove.push(...pickForRemoval(keep, keep.length - parallelism));
  const room = Math.min(MAX_CREATE_PER_SYNC, parallelism - Math.min(keep.length, parallelism) - occupied);
  const create: PodPlan['create'] = [];
  for (let ix = 0; ix < completions && create.length < room; ix++) {
    if (done.has(ix) || running.has(ix)) continue;
    create.push({ index: ix, failureCount: job.spec?.backoffLimitPerIndex !== undefined ? indexFailures(allPods, ix) : undefined });
  }
  return { create, remove };
}

/** Failures so far of one index: the highest count a failed pod of it carries, plus one. */
function indexFailures(pods: readonly Pod[], ix: number): number {
  let n = 0;
  for (const p of pods) {
    if (completionIndex(p) !== ix || p.status?.phase !== 'Failed') continue;
    n = Math.max(n, Number(p.metadata?.annotations?.[INDEX_FAILURE_COUNT_ANNOTATION] ?? '0') + 1);
  }
  return n;
}

/** The pods that cost least to lose: unscheduled, then not ready, then newest. */
function pickForRemoval(pods: readonly Pod[], count: number): Pod[] {
  const rank = (p: Pod): number => (p.spec?.nodeName ? 2 : 0) + (isPodReady(p) ? 1 : 0);
  return [...pods]
    .sort((a, b) => rank(a) - rank(b) || (b.metadata?.creationTimestamp ?? '').localeCompare(a.metadata?.creationTimestamp ?? ''))
    .slice(0, count);
}
