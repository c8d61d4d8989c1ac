// NodeResourcesFit: the pod's effective requests must fit in allocatable minus what bound and
// assumed pods already request (cpu, memory, ephemeral-storage, extended resources, pod count).
// A request larger than the whole node is UnschedulableAndUnresolvable: evicting pods cannot help.
// Scores LeastAllocated (default) or MostAllocated over the configured resources.
import { MAX_NODE_SCORE, type Plugin } from '../../framework.js';
import { Action } from '../../events.js';
import type { NodeInfo } from '../../node-info.js';
import type { PodInfo } from '../../pod-info.js';
import { resourcesFromList } from '../../resources.js';
import { Status } from '../../status.js';
import { PluginName } from '../names.js';
import { allocatableAndRequested, DEFAULT_SCORED_RESOURCES, podRequestFor, type ResourceSpec } from './resource-allocation.js';

export type ScoringStrategyType = 'LeastAllocated' | 'MostAllocated';

export interface NodeResourcesFitArgs {
  scoringStrategy?: { type?: ScoringStrategyType; resources?: ResourceSpec[] };
  /** Extended resources the filter ignores (e.g. handled by an extender). */
  ignoredResources?: string[];
}

export interface InsufficientResource {
  resource: string;
  reason: string;
  requested: number;
  used: number;
  capacity: number;
  /** The request exceeds the node's whole allocatable. */
  unresolvable: boolean;
}

/** Every resource the pod lacks on this node (empty = fits). Runs per pod × node: no closures. */
export function insufficientResources(pod: PodInfo, node: NodeInfo, ignored: ReadonlySet<string> = new Set()): InsufficientResource[] {
  const out: InsufficientResource[] = [];
  if (node.pods.length + 1 > node.allowedPodNumber) {
    out.push({ resource: 'pods', reason: 'Too many pods', requested: 1, used: node.pods.length, capacity: node.allowedPodNumber, unresolvable: false });
  }
  const req = pod.requests;
  if (req.milliCPU === 0 && req.memory === 0 && req.ephemeralStorage === 0 && req.scalar.size === 0) return out;
  const alloc = node.allocatable;
  const used = node.requested;
  lacking(out, 'cpu', req.milliCPU, alloc.milliCPU, used.milliCPU);
  lacking(out, 'memory', req.memory, alloc.memory, used.memory);
  lacking(out, 'ephemeral-storage', req.ephemeralStorage, alloc.ephemeralStorage, used.ephemeralStorage);
  if (req.scalar.size === 0) return out;
  for (const name of [...req.scalar.keys()].sort()) {
    if (ignored.has(name)) continue;
    lacking(out, name, req.scalar.get(name) ?? 0, alloc.scalar.get(name) ?? 0, used.scalar.get(name) ?? 0);
  }
  return out;
}

/** insufficientResources(...).length === 0 without allocating: the common answer on the hot path. */
function fits(pod: PodInfo, node: NodeInfo, ignored: ReadonlySet<string>): boolean {
  if (node.pods.length + 1 > node.allowedPodNumber) return false;
  const req = pod.requests;
  const alloc = node.allocatable;
  const used = node.requested;
  if (req.milliCPU > 0 && req.milliCPU > alloc.milliCPU - used.milliCPU) return false;
  if (req.memory > 0 && req.memory > alloc.memory - used.memory) return false;
  if (req.ephemeralStorage > 0 && req.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) return false;
  for (const [name, want] of req.scalar) {
    if (want > 0 && !ignored.has(name) && want > (alloc.scalar.get(name) ?? 0) - (used.scalar.get(name) ?? 0)) return false;
  }
  return true;
}

function lacking(out: InsufficientResource[], resource: string, want: number, have: number, inUse: number): void {
  if (want > 0 && want > have - inUse) {
    out.push({ resource, reason: `Insufficient ${resource}`, requested: want, used: inUse, capacity: have, unresolvable: want > have });
  }
}

function leastRequested(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

function mostRequested(requested: number, capacity: number): number {
  if (capacity === 0) return 0;
  return Math.trunc((Math.min(requested, capacity) * MAX_NODE_SCORE) / capacity);
}

export function nodeResourcesFit(args: NodeResourcesFitArgs = {}): Plugin {
  const strategy = args.scoringStrategy?.type ?? 'LeastAllocated';
  const resources = args.scoringStrategy?.resources ?? DEFAULT_SCORED_RESOURCES;
  const perResource = strategy === 'MostAllocated' ? mostRequested : leastRequested;
  const ignored = new Set(args.ignoredResources ?? []);
  return {
    name: PluginName.NodeResourcesFit,
    filter(_state, pod, node) {
      if (fits(pod, node, ignored)) return undefined;
      const lacking = insufficientResources(pod, node, ignored);
      if (lacking.length === 0) return undefined;
      const code = lacking.some((r) => r.unresolvable) ? 'UnschedulableAndUnresolvable' : 'Unschedulable';
      return new Status(code, lacking.map((r) => r.reason));
    },
    score(_state, pod, node) {
      let total = 0;
      let weights = 0;
      for (const r of resources) {
        const [alloc, req] = allocatableAndRequested(node, r.name, podRequestFor(pod, r.name, { useRequested: false }), { useRequested: false });
        if (alloc === 0) continue;
        total += perResource(req, alloc) * r.weight;
        weights += r.weight;
      }
      return weights === 0 ? 0 : Math.trunc(total / weights);
    },
    eventsToRegister: () => [
      {
        resource: 'Node',
        actions: Action.Add | Action.UpdateNodeAllocatable | Action.UpdateNodeTaint | Action.UpdateNodeLabel,
        hint: (pod, e) => {
          if (e.resource !== 'Node' || !e.newNode) return 'Skip';
          const alloc = resourcesFromList(e.newNode.status?.allocatable);
          const req = pod.requests;
          if (req.milliCPU > alloc.milliCPU || req.memory > alloc.memory || req.ephemeralStorage > alloc.ephemeralStorage) return 'Skip';
          for (const [name, v] of req.scalar) if (!ignored.has(name) && v > (alloc.scalar.get(name) ?? 0)) return 'Skip';
          return 'Queue';
        },
      },
      { resource: 'AssignedPod', actions: Action.Delete | Action.UpdatePodScaleDown },
      { resource: 'UnscheduledPod', actions: Action.UpdatePodScaleDown },
    ],
  };
}
