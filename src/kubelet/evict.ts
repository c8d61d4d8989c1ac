// A pod evicted under node pressure, as Kubernetes' kubelet does it: a Warning "Evicted"
// event, its containers killed at once (hard thresholds allow no grace beyond 1 s), then the
// status phase Failed, reason Evicted, the eviction manager's message and the condition
// DisruptionTarget (reason TerminationByKubelet). The pod object stays for its owner to see;
// later syncs find it Failed and keep it so.
import type { PodCondition } from 'kubernetes-types/core/v1.js';
import type { KubeletContext, PodRecord } from './context.js';
import { observePod } from './runtime-state.js';
import { rfc3339 } from './status.js';
import { statusFromRuntime, writePodStatus } from './status-manager.js';
import { killPod } from './terminate.js';

/** Grace period of a pod evicted for a hard threshold (Kubernetes' immediate eviction). */
const HARD_EVICTION_GRACE_SECONDS = 1;

export async function evictPod(ctx: KubeletContext, rec: PodRecord, message: string): Promise<void> {
  ctx.events.podEvent(rec.pod, 'Warning', 'Evicted', message);
  await killPod(ctx, rec, await observePod(ctx, rec.uid), HARD_EVICTION_GRACE_SECONDS);
  const state = await observePod(ctx, rec.uid);
  const now = ctx.cfg.clock.now();
  const base = statusFromRuntime(ctx, rec, state, true);
  const disruption: PodCondition = {
    type: 'DisruptionTarget',
    status: 'True',
    reason: 'TerminationByKubelet',
    message,
    lastProbeTime: null as unknown as string,
    lastTransitionTime: rfc3339(now),
  };
  const conditions = [...(base.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget'), disruption];
  await writePodStatus(ctx, rec, { ...base, phase: 'Failed', reason: 'Evicted', message, conditions });
}
