// NodeResourcesBalancedAllocation: prefers nodes where the pod leaves CPU and memory use (as
// fractions of allocatable) close to each other: score = (1 − standard deviation) × 100.
// Uses actual requests (no 100m/200Mi defaults); best-effort pods are not scored, so they do
// not all pile onto one node.
import { MAX_NODE_SCORE, type Plugin } from '../../framework.js';
import { Status } from '../../status.js';
import { allocatableAndRequested, DEFAULT_SCORED_RESOURCES, podRequestFor, type ResourceSpec } from '../noderesourcesfit/resource-allocation.js';
import { PluginName } from '../names.js';

export interface BalancedAllocationArgs {
  resources?: ResourceSpec[];
}

export function balancedAllocation(args: BalancedAllocationArgs = {}): Plugin {
  const resources = args.resources ?? DEFAULT_SCORED_RESOURCES;
  const opts = { useRequested: true };
  return {
    name: PluginName.NodeResourcesBalancedAllocation,
    preScore(_state, pod) {
      const bestEffort = resources.every((r) => podRequestFor(pod, r.name, opts) === 0);
      return bestEffort ? Status.skip() : undefined;
    },
    score(_state, pod, node) {
      const fractions: number[] = [];
      let total = 0;
      for (const r of resources) {
        const [alloc, req] = allocatableAndRequested(node, r.name, podRequestFor(pod, r.name, opts), opts);
        if (alloc === 0) continue;
        const f = Math.min(req / alloc, 1);
        fractions.push(f);
        total += f;
      }
      let std = 0;
      if (fractions.length === 2) std = Math.abs(((fractions[0] as number) - (fractions[1] as number)) / 2);
      else if (fractions.length > 2) {
        const mean = total / fractions.length;
        std = Math.sqrt(fractions.reduce((s, f) => s + (f - mean) ** 2, 0) / fractions.length);
      }
      return Math.trunc((1 - std) * MAX_NODE_SCORE);
    },
  };
}
