// What the resource scorers compare per resource: the node's allocatable and what it would have
// requested with this pod. CPU/memory use the non-zero figures (absent requests count as
// 100m/200Mi) unless `useRequested`, as kube-scheduler's resourceAllocationScorer does.
import type { NodeInfo } from '../../node-info.js';
import type { PodInfo } from '../../pod-info.js';
import { CPU, EPHEMERAL_STORAGE, MEMORY } from '../../resources.js';

export interface ResourceSpec {
  name: string;
  weight: number;
}

export const DEFAULT_SCORED_RESOURCES: readonly ResourceSpec[] = [
  { name: CPU, weight: 1 },
  { name: MEMORY, weight: 1 },
];

export function podRequestFor(pod: PodInfo, resource: string, opts: { useRequested: boolean }): number {
  switch (resource) {
    case CPU:
      return opts.useRequested ? pod.requests.milliCPU : pod.nonZeroMilliCPU;
    case MEMORY:
      return opts.useRequested ? pod.requests.memory : pod.nonZeroMemory;
    case EPHEMERAL_STORAGE:
      return pod.requests.ephemeralStorage;
    default:
      return pod.requests.scalar.get(resource) ?? 0;
  }
}

/** [allocatable, requested-with-pod]; [0, 0] means "do not score this resource here". */
export function allocatableAndRequested(node: NodeInfo, resource: string, podRequest: number, opts: { useRequested: boolean }): [number, number] {
  switch (resource) {
    case CPU:
      return [node.allocatable.milliCPU, (opts.useRequested ? node.requested.milliCPU : node.nonZeroMilliCPU) + podRequest];
    case MEMORY:
      return [node.allocatable.memory, (opts.useRequested ? node.requested.memory : node.nonZeroMemory) + podRequest];
    case EPHEMERAL_STORAGE:
      return [node.allocatable.ephemeralStorage, node.requested.ephemeralStorage + podRequest];
    default:
      if (podRequest === 0) return [0, 0];
      return [node.allocatable.scalar.get(resource) ?? 0, (node.requested.scalar.get(resource) ?? 0) + podRequest];
  }
}
