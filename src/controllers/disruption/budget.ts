// A PodDisruptionBudget's status from its pods and their controllers' scale (pure), following
// Kubernetes v1.33's disruption controller.
import type { Condition } from 'kubernetes-types/meta/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1.js';
import { isPodReady } from '../shared/pod-state.js';

/** An evicted pod not deleted within this long is counted again (the eviction did not happen). */
export const DELETION_TIMEOUT_MS = 2 * 60_000;

/** `value` of an int-or-percent against `total`, percentages rounded up; undefined when malformed. */
export function scaledValue(value: number | string, total: number): number | undefined {
  if (typeof value === 'number') return value;
  const m = /^([0-9]+)%$/.exec(value);
  if (!m) return /^[0-9]+$/.test(value) ? Number(value) : undefined;
  return Math.ceil((Number(m[1]) * total) / 100);
}

export type ExpectedScale = { ok: true; expected: number } | { ok: false; error: string };

/** expectedPods and desiredHealthy, or the error that stops the computation. */
export function expectedCounts(pdb: PodDisruptionBudget, pods: readonly Pod[], scale: () => ExpectedScale): { expected: number; desiredHealthy: number } | { error: string } {
  const spec = pdb.spec ?? {};
  if (spec.maxUnavailable !== undefined && spec.maxUnavailable !== null) {
    const s = scale();
    if (!s.ok) return { error: s.error };
    const maxUnavailable = scaledValue(spec.maxUnavailable, s.expected);
    if (maxUnavailable === undefined) return { error: `invalid maxUnavailable ${String(spec.maxUnavailable)}` };
    return { expected: s.expected, desiredHealthy: Math.max(0, s.expected - maxUnavailable) };
  }
  if (spec.minAvailable !== undefined && spec.minAvailable !== null) {
    if (typeof spec.minAvailable === 'number') return { expected: pods.length, desiredHealthy: spec.minAvailable };
    const s = scale();
    if (!s.ok) return { error: s.error };
    const min = scaledValue(spec.minAvailable, s.expected);
    if (min === undefined) return { error: `invalid minAvailable ${spec.minAvailable}` };
    return { expected: s.expected, desiredHealthy: min };
  }
  return { expected: 0, desiredHealthy: 0 };
}

/**
 * Pods evicted but not deleted yet stay out of currentHealthy until they go or the deletion
 * timeout passes. Returns the entries still valid and when the earliest one expires.
 */
export function disruptedPods(pdb: PodDisruptionBudget, pods: readonly Pod[], nowMs: number): { map: Record<string, string>; recheckAtMs: number | undefined } {
  const map: Record<string, string> = {};
  let recheckAtMs: number | undefined;
  const recorded = pdb.status?.disruptedPods ?? {};
  for (const pod of pods) {
    const name = pod.metadata?.name ?? '';
    const at = recorded[name];
    if (!at || pod.metadata?.deletionTimestamp) continue;
    const expires = Date.parse(at) + DELETION_TIMEOUT_MS;
    if (!(expires > nowMs)) continue;
    map[name] = at;
    recheckAtMs = recheckAtMs === undefined ? expires : Math.min(recheckAtMs, expires);
  }
  return { map, recheckAtMs };
}

export function currentHealthy(pods: readonly Pod[], disrupted: Readonly<Record<string, string>>): number {
  return pods.filter((p) => disrupted[p.metadata?.name ?? ''] === undefined && !p.metadata?.deletionTimestamp && isPodReady(p)).length;
}

/**
 * The budget's conditions with DisruptionAllowed set (in place, or appended), keeping its
 * lastTransitionTime while its status stays the same; other conditions are kept as they are,
 * as Kubernetes' SetStatusCondition does.
 */
export function allowedConditions(pdb: PodDisruptionBudget, allowed: boolean | 'failed', message: string, nowIso: string): Condition[] {
  const status = allowed === true ? 'True' : 'False';
  const reason = allowed === 'failed' ? 'SyncFailed' : allowed ? 'SufficientPods' : 'InsufficientPods';
  const existing = pdb.status?.conditions ?? [];
  const old = existing.find((c) => c.type === 'DisruptionAllowed');
  const condition: Condition = {
    type: 'DisruptionAllowed',
    status,
    reason,
    message,
    observedGeneration: pdb.metadata?.generation,
    lastTransitionTime: old && old.status === status ? old.lastTransitionTime : nowIso,
  };
  return old ? existing.map((c) => (c === old ? condition : c)) : [...existing, condition];
}

export function budgetStatus(
  pdb: PodDisruptionBudget,
  counts: { expected: number; desiredHealthy: number; currentHealthy: number; disrupted: Record<string, string> },
  nowIso: string,
): PodDisruptionBudgetStatus {
  const allowed = counts.expected > 0 ? Math.max(0, counts.currentHealthy - counts.desiredHealthy) : 0;
  const status: PodDisruptionBudgetStatus = {
    observedGeneration: pdb.metadata?.generation,
    currentHealthy: counts.currentHealthy,
    desiredHealthy: counts.desiredHealthy,
    expectedPods: counts.expected,
    disruptionsAllowed: allowed,
    conditions: allowedConditions(pdb, allowed > 0, '', nowIso),
  };
  if (Object.keys(counts.disrupted).length > 0) status.disruptedPods = counts.disrupted;
  return status;
}
