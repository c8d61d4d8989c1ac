// The status a ReplicaSet/ReplicationController reports (Kubernetes' calculateStatus), and
// whether it differs from what is stored (updateReplicaSetStatus skips no-op writes).
import type { Pod } from 'kubernetes-types/core/v1.js';
import { labelSelectorFromSet } from '../../api/selectors/labels.js';
import { isPodReady } from '../shared/pod-state.js';
import { isPodAvailable, readySinceMs } from './pod-state.js';
import type { ReplicatedCondition, ReplicatedObject, ReplicatedStatus } from './replicated-kind.js';

export const REPLICA_FAILURE = 'ReplicaFailure';

/** What the last manageReplicas attempt ran into, if anything. */
export type ManageOutcome = { ok: true } | { ok: false; error: Error };

/** RFC 3339 with second precision, as metav1.Time serializes. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function calculateStatus(obj: ReplicatedObject, pods: readonly Pod[], outcome: ManageOutcome, nowMs: number): ReplicatedStatus {
  const templateLabels = labelSelectorFromSet(obj.spec?.template?.metadata?.labels ?? {});
  const minReady = obj.spec?.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of pods) {
    if (templateLabels.matches(pod.metadata?.labels)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReady, nowMs)) available++;
    }
  }
  let conditions = [...(obj.status?.conditions ?? [])];
  const failure = conditions.find((c) => c.type === REPLICA_FAILURE);
  if (!outcome.ok && !failure) {
    const diff = pods.length - (obj.spec?.replicas ?? 1);
    const reason = diff < 0 ? 'FailedCreate' : diff > 0 ? 'FailedDelete' : '';
    conditions.push({ type: REPLICA_FAILURE, status: 'True', lastTransitionTime: rfc3339(nowMs), reason, message: outcome.error.message });
  } else if (outcome.ok && failure) {
    conditions = conditions.filter((c) => c.type !== REPLICA_FAILURE);
  }
  const status: ReplicatedStatus = { replicas: pods.length };
  // Zero counts are omitted on the wire (omitempty); replicas always appears.
  if (fullyLabeled) status.fullyLabeledReplicas = fullyLabeled;
  if (ready) status.readyReplicas = ready;
  if (available) status.availableReplicas = available;
  if (obj.status?.observedGeneration) status.observedGeneration = obj.status.observedGeneration;
  if (conditions.length > 0) status.conditions = conditions;
  return status;
}

/** True when writing `next` would change nothing Kubernetes compares. */
export function statusUnchanged(obj: ReplicatedObject, next: ReplicatedStatus): boolean {
  const cur = obj.status;
  return (
    (cur?.replicas ?? 0) === next.replicas &&
    (cur?.fullyLabeledReplicas ?? 0) === (next.fullyLabeledReplicas ?? 0) &&
    (cur?.readyReplicas ?? 0) === (next.readyReplicas ?? 0) &&
    (cur?.availableReplicas ?? 0) === (next.availableReplicas ?? 0) &&
    (obj.metadata?.generation ?? 0) === (cur?.observedGeneration ?? 0) &&
    conditionsEqual(cur?.conditions ?? [], next.conditions ?? [])
  );
}

function conditionsEqual(a: readonly ReplicatedCondition[], b: readonly ReplicatedCondition[]): boolean {
  return a.length === b.length && a.every((c, i) => JSON.stringify(c) === JSON.stringify(b[i]));
}

/**
 * Milliseconds until the next ready pod becomes available under minReadySeconds (undefined when
 * none is waiting): the controller looks again then, since no pod event marks that moment.
 */
export function nextAvailableInMs(obj: ReplicatedObject, pods: readonly Pod[], nowMs: number): number | undefined {
  const minReady = obj.spec?.minReadySeconds ?? 0;
  if (minReady <= 0) return undefined;
  let next: number | undefined;
  for (const pod of pods) {
    if (!isPodReady(pod) || isPodAvailable(pod, minReady, nowMs)) continue;
    const since = readySinceMs(pod);
    if (since === undefined) continue;
    const wait = since + minReady * 1000 - nowMs + 1;
    next = next === undefined ? wait : Math.min(next, wait);
  }
  return next === undefined ? undefined : Math.max(1, next);
}
