// What the ReplicaSet controller reads from a pod's status beyond ../shared/pod-state.ts: since
// when it is ready, and whether it is available (Kubernetes' IsPodAvailable).
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isPodReady } from '../shared/pod-state.js';

/** When the pod last became ready (epoch ms), or undefined when it is not ready or never said. */
export function readySinceMs(pod: Pod): number | undefined {
  const c = readyCondition(pod);
  if (c?.status !== 'True' || !c.lastTransitionTime) return undefined;
  const ms = Date.parse(c.lastTransitionTime);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Ready for longer than minReadySeconds at wall time `nowMs` (epoch ms). A ready pod without a
 * transition time is available only when minReadySeconds is 0, as in Kubernetes.
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const since = readySinceMs(pod);
  return since !== undefined && since + minReadySeconds * 1000 < nowMs;
}

function readyCondition(pod: Pod): { status: string; lastTransitionTime?: string } | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}
