// Stored usage as metrics.k8s.io/v1beta1 objects, quantities printed the way Kubernetes prints
// them: CPU as DecimalSI from nanocores (`5m`, `123456789n`), memory as BinarySI bytes
// (`12056Ki`, or plain bytes when not a multiple of 1024).
import { formatExactQuantity } from '../api/validation/quantity.js';
import type { ObjectRef } from './sources.js';
import type { PodUsage } from './store.js';
import { goDuration, type ResourceUsage } from './rate.js';
import { METRICS_GROUP_VERSION, type MetricsObjectMeta, type NodeMetrics, type PodMetrics, type Usage } from './types.js';

function rfc3339Seconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function cpuQuantity(nanoCores: number): string {
  return formatExactQuantity({ nanos: BigInt(nanoCores), format: 'DecimalSI' });
}

export function memoryQuantity(bytes: number): string {
  const n = BigInt(Math.floor(bytes));
  // Go prints BinarySI amounts below 1024 as DecimalSI, and others in the largest 1024 power
  // that divides them exactly (none: plain bytes).
  if (n < 1024n) return formatExactQuantity({ nanos: n * 1_000_000_000n, format: 'DecimalSI' });
  return n % 1024n === 0n ? formatExactQuantity({ nanos: n * 1_000_000_000n, format: 'BinarySI' }) : n.toString();
}

function usage(u: ResourceUsage): Usage {
  return { cpu: cpuQuantity(u.nanoCores), memory: memoryQuantity(u.workingSetBytes) };
}

function meta(ref: ObjectRef, nowMs: number): MetricsObjectMeta {
  return {
    name: ref.name,
    ...(ref.namespace !== undefined ? { namespace: ref.namespace } : {}),
    // metrics-server stamps each object with the time it was served.
    creationTimestamp: rfc3339Seconds(nowMs),
    ...(ref.labels ? { labels: ref.labels } : {}),
  };
}

export function nodeMetrics(ref: ObjectRef, u: ResourceUsage, nowMs: number): NodeMetrics {
  return {
    kind: 'NodeMetrics',
    apiVersion: METRICS_GROUP_VERSION,
    metadata: meta(ref, nowMs),
    timestamp: rfc3339Seconds(u.timestampMs),
    window: goDuration(u.windowMs),
    usage: usage(u),
  };
}

export function podMetrics(ref: ObjectRef, u: PodUsage, nowMs: number): PodMetrics {
  return {
    kind: 'PodMetrics',
    apiVersion: METRICS_GROUP_VERSION,
    metadata: meta(ref, nowMs),
    timestamp: rfc3339Seconds(u.timestampMs),
    window: goDuration(u.windowMs),
    containers: u.containers.map((c) => ({ name: c.name, usage: usage(c.usage) })),
  };
}
