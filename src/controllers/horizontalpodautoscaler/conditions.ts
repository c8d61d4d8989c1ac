// The HPA's status conditions (AbleToScale, ScalingActive, ScalingLimited) and the status
// comparison that decides whether a write is needed, as Kubernetes' controller keeps them:
// a condition's lastTransitionTime moves only when its status changes.
import type { HorizontalPodAutoscalerCondition, HorizontalPodAutoscalerStatus } from 'kubernetes-types/autoscaling/v2.js';

export type ConditionType = 'AbleToScale' | 'ScalingActive' | 'ScalingLimited';
export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface ConditionChange {
  type: ConditionType;
  status: ConditionStatus;
  reason: string;
  message: string;
}

/** Sets one condition in place (appended when new), keeping its transition time if the status holds. */
export function setCondition(status: HorizontalPodAutoscalerStatus, change: ConditionChange, nowIso: string): void {
  const conditions = (status.conditions ??= []);
  const existing = conditions.find((c) => c.type === change.type);
  if (!existing) {
    conditions.push({ ...change, lastTransitionTime: nowIso });
    return;
  }
  if (existing.status !== change.status) existing.lastTransitionTime = nowIso;
  existing.status = change.status;
  existing.reason = change.reason;
  existing.message = change.message;
}

function normalizeCondition(c: HorizontalPodAutoscalerCondition): unknown[] {
  return [c.type, c.status, c.reason ?? '', c.message ?? '', c.lastTransitionTime ?? ''];
}

/** Whether two statuses say the same thing (empty and absent fields alike). */
export function sameStatus(a: HorizontalPodAutoscalerStatus | undefined, b: HorizontalPodAutoscalerStatus | undefined): boolean {
  const norm = (s: HorizontalPodAutoscalerStatus | undefined): unknown => [
    s?.observedGeneration ?? 0,
    s?.currentReplicas ?? 0,
    s?.desiredReplicas ?? 0,
    s?.lastScaleTime ?? '',
    JSON.stringify(s?.currentMetrics ?? []),
    (s?.conditions ?? []).map(normalizeCondition),
  ];
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}
