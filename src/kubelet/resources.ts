// Quantities as the kubelet needs them: container requests/limits in milli-CPU and bytes, a
// pod's effective request (Kubernetes' PodRequests: max(sum of containers + sidecars, largest
// init step)), and node capacity as API quantities.
import type { Container, Pod, ResourceRequirements } from 'kubernetes-types/core/v1.js';
import { parseQuantity, quantityText } from '../api/validation/quantity.js';
import type { NodeCapacity } from './config.js';

export interface Amounts {
  milliCpu: number;
  memory: number;
  ephemeralStorage: number;
}

function amount(list: Record<string, unknown> | undefined, name: string, milli: boolean): number | undefined {
  const text = quantityText(list?.[name]);
  if (text === undefined) return undefined;
  const v = parseQuantity(text);
  if (v === undefined) return undefined;
  return Math.ceil(milli ? v * 1000 : v);
}

/** Requests default to limits, as API defaulting does. */
export function containerRequests(r: ResourceRequirements | undefined): Amounts {
  const req = r?.requests as Record<string, unknown> | undefined;
  const lim = r?.limits as Record<string, unknown> | undefined;
  const pick = (name: string, milli: boolean): number => amount(req, name, milli) ?? amount(lim, name, milli) ?? 0;
  return { milliCpu: pick('cpu', true), memory: pick('memory', false), ephemeralStorage: pick('ephemeral-storage', false) };
}

export function containerLimits(r: ResourceRequirements | undefined): Partial<Amounts> {
  const lim = r?.limits as Record<string, unknown> | undefined;
  return { milliCpu: amount(lim, 'cpu', true), memory: amount(lim, 'memory', false), ephemeralStorage: amount(lim, 'ephemeral-storage', false) };
}

function add(a: Amounts, b: Amounts): Amounts {
  return { milliCpu: a.milliCpu + b.milliCpu, memory: a.memory + b.memory, ephemeralStorage: a.ephemeralStorage + b.ephemeralStorage };
}

function max(a: Amounts, b: Amounts): Amounts {
  return { milliCpu: Math.max(a.milliCpu, b.milliCpu), memory: Math.max(a.memory, b.memory), ephemeralStorage: Math.max(a.ephemeralStorage, b.ephemeralStorage) };
}

const ZERO: Amounts = { milliCpu: 0, memory: 0, ephemeralStorage: 0 };

export function podRequests(pod: Pod): Amounts {
  let apps = ZERO;
  for (const c of pod.spec?.containers ?? []) apps = add(apps, containerRequests(c.resources));
  let sidecars = ZERO;
  let initPeak = ZERO;
  for (const c of pod.spec?.initContainers ?? []) {
    const r = containerRequests(c.resources);
    if (c.restartPolicy === 'Always') {
      sidecars = add(sidecars, r);
      initPeak = max(initPeak, sidecars);
    } else {
      initPeak = max(initPeak, add(sidecars, r));
    }
  }
  let total = max(add(apps, sidecars), initPeak);
  const overhead = pod.spec?.overhead as Record<string, unknown> | undefined;
  if (overhead) total = add(total, { milliCpu: amount(overhead, 'cpu', true) ?? 0, memory: amount(overhead, 'memory', false) ?? 0, ephemeralStorage: 0 });
  return total;
}

/** Container by name among app, init and ephemeral containers. */
export function findContainer(pod: Pod, name: string): Container | undefined {
  return pod.spec?.containers?.find((c) => c.name === name) ?? pod.spec?.initContainers?.find((c) => c.name === name);
}

/** Capacity as the node object shows it: cpu in cores, memory in Ki. */
export function capacityList(c: NodeCapacity): Record<string, string> {
  return {
    cpu: Number.isInteger(c.cpu) ? String(c.cpu) : `${Math.round(c.cpu * 1000)}m`,
    'ephemeral-storage': `${Math.floor(c.ephemeralStorageBytes / 1024)}Ki`,
    memory: `${Math.floor(c.memoryBytes / 1024)}Ki`,
    pods: String(c.pods),
  };
}

/** Hard eviction threshold the default kubelet reserves from allocatable memory. */
export const EVICTION_MEMORY_BYTES = 100 * 1024 * 1024;

export function allocatable(c: NodeCapacity): NodeCapacity {
  return {
    cpu: c.cpu,
    memoryBytes: c.memoryBytes > 2 * EVICTION_MEMORY_BYTES ? c.memoryBytes - EVICTION_MEMORY_BYTES : c.memoryBytes,
    pods: c.pods,
    ephemeralStorageBytes: Math.floor(c.ephemeralStorageBytes * 0.9),
  };
}
