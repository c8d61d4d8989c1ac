// What workload controllers read from a pod's status (Kubernetes' FilterActivePods,
// IsPodReady). Readiness is the first Ready condition, as podutil.GetPodReadyCondition reads it.
import type { Pod } from 'kubernetes-types/core/v1.js';
import { parseTime } from './wallclock.js';

/** Counted towards replicas/parallelism: not finished (Succeeded/Failed) and not being deleted. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata?.deletionTimestamp;
}

export function isPodReady(pod: Pod): boolean {
  return readyCondition(pod)?.status === 'True';
}

/**
 * Milliseconds until a ready pod has been ready for `minReadySeconds` at wall time `now`
 * (0: available now); undefined when it is not ready. A Ready condition without a (parsable)
 * transition time counts from `now`. (The ReplicaSet controller reads that case differently:
 * see replicaset/pod-state.ts.)
 */
export function msUntilAvailable(pod: Pod, minReadySeconds: number, now: number): number | undefined {
  if (!isPodReady(pod)) return undefined;
  if (minReadySeconds <= 0) return 0;
  const since = parseTime(readyCondition(pod)?.lastTransitionTime) ?? now;
  return Math.max(0, since + minReadySeconds * 1000 - now);
}

function readyCondition(pod: Pod): { status: string; lastTransitionTime?: string } | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}
