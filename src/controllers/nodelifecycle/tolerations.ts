// Which NoExecute taints a pod tolerates and for how long (Kubernetes v1.33 semantics).
import type { Taint, Toleration } from 'kubernetes-types/core/v1.js';

export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  // An empty key with Exists tolerates every taint.
  if (t.operator === 'Exists') return true;
  return (t.value ?? '') === (taint.value ?? '');
}

export type EvictionDecision =
  /** No NoExecute taint applies: the pod stays (a pending eviction is cancelled). */
  | { kind: 'none' }
  /** Some taint is not tolerated: evict now. */
  | { kind: 'now' }
  /** Every taint is tolerated forever. */
  | { kind: 'never' }
  /** Tolerated for this long after the taints were first seen. */
  | { kind: 'after'; ms: number };

/**
 * For each taint, the first toleration that tolerates it is the one that counts; the shortest
 * tolerationSeconds among those wins (tolerations without one tolerate forever).
 */
export function evictionDecision(taints: readonly Taint[], tolerations: readonly Toleration[]): EvictionDecision {
  const noExecute = taints.filter((t) => t.effect === 'NoExecute');
  if (noExecute.length === 0) return { kind: 'none' };
  let minSeconds: number | undefined;
  for (const taint of noExecute) {
    const used = tolerations.find((t) => toleratesTaint(t, taint));
    if (!used) return { kind: 'now' };
    if (used.tolerationSeconds === undefined || used.tolerationSeconds === null) continue;
    const s = Math.max(0, used.tolerationSeconds);
    minSeconds = minSeconds === undefined ? s : Math.min(minSeconds, s);
  }
  if (minSeconds === undefined) return { kind: 'never' };
  return minSeconds === 0 ? { kind: 'now' } : { kind: 'after', ms: minSeconds * 1000 };
}
