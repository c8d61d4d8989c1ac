// Which pods go first on scale-down: Kubernetes' ActivePodsWithRanks order (v1.33, with the
// PodDeletionCost and LogarithmicScaleDown features on, as they are by default). Earlier in
// the order = deleted first:
//   1. unassigned < assigned            5. more pods of the same owner family on its node first
//   2. Pending < Unknown < Running      6. ready more recently < ready longer (log2 buckets)
//   3. not ready < ready                7. more container restarts < fewer
//   4. lower pod-deletion-cost < higher 8. created more recently < earlier (log2 buckets)
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isPodActive, isPodReady } from '../shared/pod-state.js';
import { readySinceMs } from './pod-state.js';

export const POD_DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

const PHASE_ORDER: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

/**
 * The `count` pods to delete out of `pods`. `related` are the active and inactive pods of this
 * owner and its siblings (ReplicaSets of the same Deployment): pods on nodes crowded with them
 * go first. `nowMs` is wall time (epoch ms).
 */
export function podsToDelete(pods: readonly Pod[], related: readonly Pod[], count: number, nowMs: number): Pod[] {
  if (count >= pods.length) return [...pods];
  const perNode = new Map<string, number>();
  for (const p of related) {
    if (!isPodActive(p)) continue;
    const node = p.spec?.nodeName ?? '';
    perNode.set(node, (perNode.get(node) ?? 0) + 1);
  }
  const ranked = pods.map((pod) => ({ pod, rank: perNode.get(pod.spec?.nodeName ?? '') ?? 0 }));
  ranked.sort((a, b) => compareForDeletion(a, b, nowMs));
  return ranked.slice(0, count).map((r) => r.pod);
}

interface RankedPod {
  pod: Pod;
  /** Active related pods on the same node. */
  rank: number;
}

/** Negative when `a` should be deleted before `b`. */
export function compareForDeletion(a: RankedPod, b: RankedPod, nowMs: number): number {
  const pa = a.pod;
  const pb = b.pod;
  const nodeA = pa.spec?.nodeName ?? '';
  const nodeB = pb.spec?.nodeName ?? '';
  if (nodeA !== nodeB && (nodeA === '' || nodeB === '')) return nodeA === '' ? -1 : 1;
  const phaseA = PHASE_ORDER[pa.status?.phase ?? ''] ?? 0;
  const phaseB = PHASE_ORDER[pb.status?.phase ?? ''] ?? 0;
  if (phaseA !== phaseB) return phaseA - phaseB;
  const readyA = isPodReady(pa);
  const readyB = isPodReady(pb);
  if (readyA !== readyB) return readyA ? 1 : -1;
  const costA = deletionCost(pa);
  const costB = deletionCost(pb);
  if (costA !== costB) return costA - costB;
  if (a.rank !== b.rank) return b.rank - a.rank;
  if (readyA && readyB) {
    const byReady = compareTimes(readySinceMs(pa), readySinceMs(pb), nowMs, pa, pb);
    if (byReady !== 0) return byReady;
  }
  const restarts = compareRestarts(pa, pb);
  if (restarts !== 0) return restarts;
  return compareTimes(timestampMs(pa.metadata?.creationTimestamp), timestampMs(pb.metadata?.creationTimestamp), nowMs, pa, pb);
}

/** Later (more recent) first; a missing time before any time; equal log2 age buckets by uid. */
function compareTimes(ta: number | undefined, tb: number | undefined, nowMs: number, pa: Pod, pb: Pod): number {
  if (ta === tb) return 0;
  if (ta === undefined || tb === undefined) return ta === undefined ? -1 : 1;
  const diff = ageBucket(ta, nowMs) - ageBucket(tb, nowMs);
  if (diff !== 0) return diff;
  const ua = pa.metadata?.uid ?? '';
  const ub = pb.metadata?.uid ?? '';
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

/** floor(log2(age in ns)), -1 for no age: pods of similar age are treated as equals. */
function ageBucket(tMs: number, nowMs: number): number {
  const ageNs = (nowMs - tMs) * 1e6;
  return ageNs > 0 ? Math.floor(Math.log2(ageNs)) : -1;
}

function timestampMs(ts: string | undefined): number | undefined {
  if (!ts) return undefined;
  const ms = Date.parse(ts);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The annotation as an int32; absent or invalid counts as 0. */
function deletionCost(pod: Pod): number {
  const raw = pod.metadata?.annotations?.[POD_DELETION_COST_ANNOTATION];
  if (raw === undefined || !/^[+-]?\d+$/.test(raw.trim())) return 0;
  const n = Number(raw.trim());
  return n >= -2147483648 && n <= 2147483647 ? n : 0;
}

/** Regular containers first, then restartable (sidecar) init containers: more restarts first. */
function compareRestarts(pa: Pod, pb: Pod): number {
  const [regularA, sidecarA] = maxRestarts(pa);
  const [regularB, sidecarB] = maxRestarts(pb);
  if (regularA !== regularB) return regularB - regularA;
  return sidecarB - sidecarA;
}

function maxRestarts(pod: Pod): [regular: number, sidecar: number] {
  let regular = 0;
  for (const s of pod.status?.containerStatuses ?? []) regular = Math.max(regular, s.restartCount);
  const sidecars = new Set((pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').map((c) => c.name));
  let sidecar = 0;
  for (const s of pod.status?.initContainerStatuses ?? []) if (sidecars.has(s.name)) sidecar = Math.max(sidecar, s.restartCount);
  return [regular, sidecar];
}
