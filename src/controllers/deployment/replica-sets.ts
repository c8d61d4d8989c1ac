// What a Deployment reads off its ReplicaSets: which one is new, revisions, replica sums, the
// orders Kubernetes sorts them in, and the annotations the controller keeps on them.
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { equalIgnoreHash } from './pod-template-hash.js';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
const DEPRECATED_ROLLBACK_TO = 'deprecated.deployment.rollback.to';
/** Deployment annotations never copied to its ReplicaSets. */
const NOT_COPIED = new Set([
  LAST_APPLIED_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  DEPRECATED_ROLLBACK_TO,
]);
/** Longest revision-history annotation kept (oldest entries drop off first). */
const MAX_REVISION_HISTORY_CHARS = 2000;

export const specReplicas = (rs: ReplicaSet | undefined): number => rs?.spec?.replicas ?? 0;

/** The revision annotation as a number (0 when absent or not a number). */
export function revisionOf(obj: { metadata?: { annotations?: Record<string, string> } }): number {
  const v = obj.metadata?.annotations?.[REVISION_ANNOTATION];
  if (v === undefined || !/^\d+$/.test(v)) return 0;
  return Number(v);
}

export function maxRevision(rss: readonly ReplicaSet[]): number {
  return rss.reduce((max, rs) => Math.max(max, revisionOf(rs)), 0);
}

function createdMs(rs: ReplicaSet): number {
  const t = Date.parse(rs.metadata?.creationTimestamp ?? '');
  return Number.isNaN(t) ? 0 : t;
}

/** Older first; equal timestamps by name (ReplicaSetsByCreationTimestamp). */
export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  const d = createdMs(a) - createdMs(b);
  if (d !== 0) return d;
  const na = a.metadata?.name ?? '';
  const nb = b.metadata?.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** Larger first; equal sizes older first (ReplicaSetsBySizeOlder): where scaling down starts. */
export function bySizeOlder(a: ReplicaSet, b: ReplicaSet): number {
  return specReplicas(a) === specReplicas(b) ? byCreation(a, b) : specReplicas(b) - specReplicas(a);
}

/** Larger first; equal sizes newer first (ReplicaSetsBySizeNewer): where scaling up starts. */
export function bySizeNewer(a: ReplicaSet, b: ReplicaSet): number {
  return specReplicas(a) === specReplicas(b) ? byCreation(b, a) : specReplicas(b) - specReplicas(a);
}

/** Lower revision first; equal revisions older first (ReplicaSetsByRevision). */
export function byRevision(a: ReplicaSet, b: ReplicaSet): number {
  const d = revisionOf(a) - revisionOf(b);
  return d !== 0 ? d : byCreation(a, b);
}

/** The oldest ReplicaSet whose template equals the Deployment's (ignoring the hash label). */
export function findNewReplicaSet(d: Deployment, rss: readonly ReplicaSet[]): ReplicaSet | undefined {
  return [...rss].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

/** Every ReplicaSet but the new one. */
export function findOldReplicaSets(d: Deployment, rss: readonly ReplicaSet[]): ReplicaSet[] {
  const fresh = findNewReplicaSet(d, rss);
  return rss.filter((rs) => !fresh || rs.metadata?.uid !== fresh.metadata?.uid);
}

export function activeReplicaSets(rss: readonly (ReplicaSet | undefined)[]): ReplicaSet[] {
  return rss.filter((rs): rs is ReplicaSet => rs !== undefined && specReplicas(rs) > 0);
}

type Defined = readonly (ReplicaSet | undefined)[];
const sum = (rss: Defined, f: (rs: ReplicaSet) => number): number => rss.reduce((n, rs) => n + (rs ? f(rs) : 0), 0);
/** Sum of spec.replicas. */
export const replicaCount = (rss: Defined): number => sum(rss, specReplicas);
/** Sum of status.replicas: pods that exist. */
export const actualReplicaCount = (rss: Defined): number => sum(rss, (rs) => rs.status?.replicas ?? 0);
export const readyReplicaCount = (rss: Defined): number => sum(rss, (rs) => rs.status?.readyReplicas ?? 0);
export const availableReplicaCount = (rss: Defined): number => sum(rss, (rs) => rs.status?.availableReplicas ?? 0);
/**
 * Available pods a rolling update may count on before scaling down: each ReplicaSet counts at
 * most its spec.replicas, because right after a scale-down its status still shows the pods it
 * is about to delete, and counting those could take away more than maxUnavailable.
 */
export const availableForScaleDown = (rss: Defined): number => sum(rss, (rs) => Math.min(rs.status?.availableReplicas ?? 0, specReplicas(rs)));

function annotationNumber(rs: ReplicaSet, key: string): number | undefined {
  const v = rs.metadata?.annotations?.[key];
  return v !== undefined && /^-?\d+$/.test(v) ? Number(v) : undefined;
}

export const desiredReplicasOf = (rs: ReplicaSet): number | undefined => annotationNumber(rs, DESIRED_REPLICAS_ANNOTATION);
export const maxReplicasOf = (rs: ReplicaSet): number | undefined => annotationNumber(rs, MAX_REPLICAS_ANNOTATION);

export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = rs.metadata?.annotations;
  return a?.[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || a[MAX_REPLICAS_ANNOTATION] !== String(max);
}

/** Sets desired-replicas and max-replicas on a ReplicaSet being written; true if changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  if (!replicasAnnotationsNeedUpdate(rs, desired, max)) return false;
  const meta = (rs.metadata ??= {});
  meta.annotations = { ...meta.annotations, [DESIRED_REPLICAS_ANNOTATION]: String(desired), [MAX_REPLICAS_ANNOTATION]: String(max) };
  return true;
}

/**
 * Kubernetes' SetNewReplicaSetAnnotations on a ReplicaSet being written: copy the Deployment's
 * annotations, raise the revision to `newRevision` (remembering the revision it had — a rollback —
 * in revision-history), and on a ReplicaSet about to be created set the replica annotations.
 * True when anything changed.
 */
export function setNewReplicaSetAnnotations(
  d: Deployment,
  rs: ReplicaSet,
  newRevision: number,
  options: { exists: boolean; maxSurge: number },
): boolean {
  const meta = (rs.metadata ??= {});
  const annotations: Record<string, string> = { ...meta.annotations };
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
    if (NOT_COPIED.has(k) || annotations[k] === v) continue;
    annotations[k] = v;
    changed = true;
  }
  const oldRevisionText = annotations[REVISION_ANNOTATION];
  const hadRevision = oldRevisionText !== undefined;
  if (hadRevision && !/^\d+$/.test(oldRevisionText)) {
    meta.annotations = annotations;
    return changed;
  }
  const oldRevision = hadRevision ? Number(oldRevisionText) : 0;
  if (oldRevision < newRevision) {
    annotations[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    if (hadRevision) {
      const history = annotations[REVISION_HISTORY_ANNOTATION] ?? '';
      if (history === '') annotations[REVISION_HISTORY_ANNOTATION] = oldRevisionText;
      else {
        const entries = history.split(',');
        let total = history.length + oldRevisionText.length + 1;
        let start = 0;
        while (total > MAX_REVISION_HISTORY_CHARS && start < entries.length) total -= (entries[start++] ?? '').length + 1;
        if (total <= MAX_REVISION_HISTORY_CHARS) annotations[REVISION_HISTORY_ANNOTATION] = [...entries.slice(start), oldRevisionText].join(',');
      }
    }
  }
  meta.annotations = annotations;
  if (!options.exists) {
    const desired = d.spec?.replicas ?? 1;
    if (setReplicasAnnotations(rs, desired, desired + options.maxSurge)) changed = true;
  }
  return changed;
}
