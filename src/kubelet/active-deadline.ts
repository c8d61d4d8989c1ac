// spec.activeDeadlineSeconds, as Kubernetes' kubelet enforces it: a pod active on the node for
// that long since its startTime fails — a Normal "DeadlineExceeded" event, the status phase
// Failed with reason DeadlineExceeded, then its containers stopped with the pod's grace period.
// The field may be set or shortened on a running pod; every sync checks it again, and a sync
// before the deadline asks to run again when it comes.
import type { Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import type { KubeletContext, PodRecord } from './context.js';
import { observePod, type PodRuntimeState } from './runtime-state.js';
import { statusFromRuntime, writePodStatus } from './status-manager.js';
import { killPod } from './terminate.js';

export const DEADLINE_EXCEEDED = 'DeadlineExceeded';
export const DEADLINE_MESSAGE = 'Pod was active on the node longer than the specified deadline';

/** When the pod's active deadline passes (ms since the epoch), or undefined without one. */
export function activeDeadlineAt(pod: Pod, status: PodStatus | undefined, firstSeen: number): number | undefined {
  const seconds = pod.spec?.activeDeadlineSeconds;
  if (typeof seconds !== 'number') return undefined;
  const started = Date.parse(status?.startTime ?? '');
  return (Number.isNaN(started) ? firstSeen : started) + seconds * 1000;
}

/** Fails the pod for its deadline (once: later calls only stop what still runs). */
export async function failPastDeadline(ctx: KubeletContext, rec: PodRecord): Promise<void> {
  const failed = (state: PodRuntimeState): PodStatus => ({ ...statusFromRuntime(ctx, rec, state, true), phase: 'Failed', reason: DEADLINE_EXCEEDED, message: DEADLINE_MESSAGE });
  const previous = rec.lastStatus ?? rec.pod.status;
  if (previous?.reason !== DEADLINE_EXCEEDED) ctx.events.podEvent(rec.pod, 'Normal', DEADLINE_EXCEEDED, DEADLINE_MESSAGE);
  let state = await observePod(ctx, rec.uid);
  // The Failed phase goes out first, as Kubernetes' status manager has it before the kill.
  await writePodStatus(ctx, rec, failed(state));
  if (state.containers.some((c) => c.state === 'running') || state.sandboxes.some((s) => s.state === 'ready')) {
    await killPod(ctx, rec, state, rec.pod.spec?.terminationGracePeriodSeconds ?? 30);
    state = await observePod(ctx, rec.uid);
    await writePodStatus(ctx, rec, failed(state));
  }
}
