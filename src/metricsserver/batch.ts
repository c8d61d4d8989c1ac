// One scrape's worth of samples: a kubelet Summary (stats/v1alpha1) cut down to what the
// metrics API serves. As metrics-server does with a summary, a node or container without a
// CPU figure or a working set is left out, and a pod with any such container is left out whole
// (a pod's metrics are all its containers' or none).
import type { ContainerStats, CPUStats, MemoryStats, Summary } from '../kubelet/stats/summary-types.js';
import type { MetricsPoint } from './rate.js';

export interface MetricsBatch {
  nodes: Map<string, MetricsPoint>;
  /** Keyed by `namespace/name`; each pod's containers keyed by name. */
  pods: Map<string, Map<string, MetricsPoint>>;
}

export function emptyBatch(): MetricsBatch {
  return { nodes: new Map(), pods: new Map() };
}

export function podKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** Adds one node's summary to `batch`. */
export function addSummary(batch: MetricsBatch, summary: Summary): void {
  const node = point(summary.node.startTime, summary.node.cpu, summary.node.memory);
  if (node) batch.nodes.set(summary.node.nodeName, node);
  for (const pod of summary.pods) {
    const containers = new Map<string, MetricsPoint>();
    let complete = pod.containers.length > 0;
    for (const c of pod.containers) {
      const p = containerPoint(c);
      if (!p) {
        complete = false;
        break;
      }
      containers.set(c.name, p);
    }
    if (complete) batch.pods.set(podKey(pod.podRef.namespace, pod.podRef.name), containers);
  }
}

function containerPoint(c: ContainerStats): MetricsPoint | undefined {
  return point(c.startTime, c.cpu, c.memory);
}

function point(startTime: string, cpu: CPUStats | undefined, memory: MemoryStats | undefined): MetricsPoint | undefined {
  if (!cpu || memory?.workingSetBytes === undefined) return undefined;
  if (cpu.usageCoreNanoSeconds === undefined && cpu.usageNanoCores === undefined) return undefined;
  const timestampMs = Date.parse(cpu.time);
  const startTimeMs = Date.parse(startTime);
  if (Number.isNaN(timestampMs) || Number.isNaN(startTimeMs)) return undefined;
  return {
    timestampMs,
    startTimeMs,
    ...(cpu.usageCoreNanoSeconds !== undefined ? { cumulativeCpuNs: cpu.usageCoreNanoSeconds } : {}),
    ...(cpu.usageNanoCores !== undefined ? { nanoCores: cpu.usageNanoCores } : {}),
    workingSetBytes: memory.workingSetBytes,
  };
}
