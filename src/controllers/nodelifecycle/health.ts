// Node health as the controller observes it. A node is alive while its kubelet keeps changing
// something: the Ready condition's lastHeartbeatTime or its Lease's renewTime. Each change is
// stamped with this controller's own clock when seen (never the timestamps' values, which come
// from another machine's clock), and a node with no change for the grace period is stale.
import type { Node, NodeCondition } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';

/** A node that never reported Ready gets this long (or the monitor grace, if longer) to start. */
export const NODE_STARTUP_GRACE_MS = 60_000;

/** The conditions the controller sets to Unknown when the kubelet goes quiet. */
export const MONITORED_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;

interface Observed {
  uid: string;
  heartbeat: string | undefined;
  renewTime: string | undefined;
  probeMs: number;
}

export class NodeHealth {
  private readonly nodes = new Map<string, Observed>();

  constructor(private readonly options: { gracePeriodMs: number }) {}

  /** Records what `node` and `lease` show at `nowMs`; true when the node has been quiet for too long. */
  observe(node: Node, lease: Lease | undefined, nowMs: number): boolean {
    const name = node.metadata?.name ?? '';
    const ready = readyCondition(node);
    const heartbeat = ready?.lastHeartbeatTime;
    const renewTime = lease?.spec?.renewTime;
    const uid = node.metadata?.uid ?? '';
    const seen = this.nodes.get(name);
    if (!seen || seen.uid !== uid) {
      this.nodes.set(name, { uid, heartbeat, renewTime, probeMs: nowMs });
      return false;
    }
    if (seen.heartbeat !== heartbeat || seen.renewTime !== renewTime) {
      seen.heartbeat = heartbeat;
      seen.renewTime = renewTime;
      seen.probeMs = nowMs;
    }
    const grace = ready ? this.options.gracePeriodMs : Math.max(NODE_STARTUP_GRACE_MS, this.options.gracePeriodMs);
    return nowMs - seen.probeMs > grace;
  }

  forget(name: string): void {
    this.nodes.delete(name);
  }
}

export function readyCondition(node: Node): NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === 'Ready');
}

/**
 * The node's conditions with every monitored one set to Unknown, or undefined when they all
 * are already. Heartbeat times are kept, so the change is never mistaken for a heartbeat.
 */
export function unknownConditions(node: Node, nowIso: string): NodeCondition[] | undefined {
  const conditions = (node.status?.conditions ?? []).map((c) => ({ ...c }));
  let changed = false;
  for (const type of MONITORED_CONDITIONS) {
    const c = conditions.find((x) => x.type === type);
    if (!c) {
      conditions.push({
        type,
        status: 'Unknown',
        reason: 'NodeStatusNeverUpdated',
        message: 'Kubelet never posted node status.',
        lastHeartbeatTime: node.metadata?.creationTimestamp ?? nowIso,
        lastTransitionTime: nowIso,
      });
      changed = true;
    } else if (c.status !== 'Unknown') {
      c.status = 'Unknown';
      c.reason = 'NodeStatusUnknown';
      c.message = 'Kubelet stopped posting node status.';
      c.lastTransitionTime = nowIso;
      changed = true;
    }
  }
  return changed ? conditions : undefined;
}
