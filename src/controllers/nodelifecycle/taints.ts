// The taints this controller owns on a node, derived from its conditions, and the zone states
// that decide whether NoExecute taints (which evict pods) may be added (Kubernetes v1.33).
import type { Node, Taint } from 'kubernetes-types/core/v1.js';
import { readyCondition } from './health.js';

export const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';
export const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';

/** NoSchedule taints mirroring conditions (condition type → status → taint key). */
const CONDITION_TAINTS: readonly { type: string; status: string; key: string }[] = [
  { type: 'Ready', status: 'False', key: NOT_READY_TAINT },
  { type: 'Ready', status: 'Unknown', key: UNREACHABLE_TAINT },
  { type: 'MemoryPressure', status: 'True', key: 'node.kubernetes.io/memory-pressure' },
  { type: 'DiskPressure', status: 'True', key: 'node.kubernetes.io/disk-pressure' },
  { type: 'PIDPressure', status: 'True', key: 'node.kubernetes.io/pid-pressure' },
  { type: 'NetworkUnavailable', status: 'True', key: 'node.kubernetes.io/network-unavailable' },
];
const UNSCHEDULABLE_TAINT = 'node.kubernetes.io/unschedulable';

const OWNED_NO_SCHEDULE = new Set([...CONDITION_TAINTS.map((t) => t.key), UNSCHEDULABLE_TAINT]);
const OWNED_NO_EXECUTE = new Set([NOT_READY_TAINT, UNREACHABLE_TAINT]);

export type ZoneState = 'Normal' | 'PartialDisruption' | 'FullDisruption';

export function zoneOf(node: Node): string {
  const l = node.metadata?.labels ?? {};
  return `${l['topology.kubernetes.io/region'] ?? ''}:\u0000:${l['topology.kubernetes.io/zone'] ?? ''}`;
}

export function isReady(node: Node): boolean {
  return readyCondition(node)?.status === 'True';
}

/** No ready node left: full disruption; more than two and at least 55 % not ready: partial. */
export function zoneState(nodes: readonly Node[]): ZoneState {
  const notReady = nodes.filter((n) => !isReady(n)).length;
  const ready = nodes.length - notReady;
  if (ready === 0 && notReady > 0) return 'FullDisruption';
  if (notReady > 2 && notReady / nodes.length >= 0.55) return 'PartialDisruption';
  return 'Normal';
}

export interface TaintPolicy {
  /** The node's zone lets new NoExecute taints be added (its state is Normal). */
  mayAddNoExecute: boolean;
  /** Every zone is fully disrupted: this controller's NoExecute taints are all removed. */
  allZonesDisrupted: boolean;
}

function owned(t: Taint): boolean {
  return (t.effect === 'NoSchedule' && OWNED_NO_SCHEDULE.has(t.key)) || (t.effect === 'NoExecute' && OWNED_NO_EXECUTE.has(t.key));
}

/**
 * The node's taints after this controller's pass, or undefined when nothing changes. Taints it
 * does not own are kept as they are; an owned taint that stays keeps its timeAdded.
 */
export function desiredTaints(node: Node, policy: TaintPolicy, nowIso: string): Taint[] | undefined {
  const current = node.spec?.taints ?? [];
  const want: { key: string; effect: 'NoSchedule' | 'NoExecute' }[] = [];
  const conditions = node.status?.conditions ?? [];
  for (const ct of CONDITION_TAINTS) {
    if (conditions.some((c) => c.type === ct.type && c.status === ct.status)) want.push({ key: ct.key, effect: 'NoSchedule' });
  }
  if (node.spec?.unschedulable) want.push({ key: UNSCHEDULABLE_TAINT, effect: 'NoSchedule' });

  const readyStatus = readyCondition(node)?.status;
  const noExecuteKey = readyStatus === 'False' ? NOT_READY_TAINT : readyStatus === 'Unknown' ? UNREACHABLE_TAINT : undefined;
  const hasNoExecute = current.some((t) => t.effect === 'NoExecute' && OWNED_NO_EXECUTE.has(t.key));
  if (noExecuteKey && !policy.allZonesDisrupted && (policy.mayAddNoExecute || hasNoExecute)) {
    want.push({ key: noExecuteKey, effect: 'NoExecute' });
  }

  const next: Taint[] = current.filter((t) => !owned(t) || want.some((w) => w.key === t.key && w.effect === t.effect));
  for (const w of want) {
    if (!next.some((t) => t.key === w.key && t.effect === w.effect)) next.push({ key: w.key, effect: w.effect, timeAdded: nowIso });
  }
  const same = next.length === current.length && next.every((t, i) => t === current[i]);
  return same ? undefined : next;
}
