// The downward API: pod fields and container resources as env values or volume files, with
// Kubernetes' formatting (labels/annotations as sorted `key="value"` lines, resources divided
// by the divisor and rounded up, unset limits defaulting to the node's allocatable).
import type { Pod, ResourceFieldSelector } from 'kubernetes-types/core/v1.js';
import { parseQuantity, quantityText } from '../api/validation/quantity.js';
import type { NodeCapacity } from './config.js';
import { containerLimits, containerRequests, findContainer } from './resources.js';

export interface PodNetwork {
  hostIP: string;
  podIP: string;
}

function mapLines(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m?.[k] ?? '')}`)
    .join('\n');
}

/** `metadata.labels['app']` → ['labels', 'app']. */
function subscripted(path: string): [string, string] | undefined {
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  return m?.[1] && m[2] !== undefined ? [m[1], m[2]] : undefined;
}

/** The value of a fieldRef, or an error message for an unsupported path. */
export function podFieldValue(pod: Pod, fieldPath: string, net: PodNetwork): { ok: true; value: string } | { ok: false; message: string } {
  const md = pod.metadata ?? {};
  const sub = subscripted(fieldPath);
  if (sub) {
    const map = sub[0] === 'labels' ? md.labels : md.annotations;
    return { ok: true, value: map?.[sub[1]] ?? '' };
  }
  switch (fieldPath) {
    case 'metadata.name':
      return { ok: true, value: md.name ?? '' };
    case 'metadata.namespace':
      return { ok: true, value: md.namespace ?? '' };
    case 'metadata.uid':
      return { ok: true, value: md.uid ?? '' };
    case 'metadata.labels':
      return { ok: true, value: mapLines(md.labels) };
    case 'metadata.annotations':
      return { ok: true, value: mapLines(md.annotations) };
    case 'spec.nodeName':
      return { ok: true, value: pod.spec?.nodeName ?? '' };
    case 'spec.serviceAccountName':
      return { ok: true, value: pod.spec?.serviceAccountName ?? '' };
    case 'status.hostIP':
    case 'status.hostIPs':
      return { ok: true, value: net.hostIP };
    case 'status.podIP':
    case 'status.podIPs':
      return { ok: true, value: net.podIP };
    default:
      return { ok: false, message: `unsupported fieldPath: ${fieldPath}` };
  }
}

export function resourceFieldValue(
  pod: Pod,
  defaultContainer: string,
  ref: ResourceFieldSelector,
  node: NodeCapacity,
): { ok: true; value: string } | { ok: false; message: string } {
  const c = findContainer(pod, ref.containerName || defaultContainer);
  if (!c) return { ok: false, message: `container ${ref.containerName ?? defaultContainer} not found` };
  // An unset divisor is stored as "0" (a Quantity is a value type), which means 1, as in Kubernetes.
  const parsed = parseQuantity(quantityText(ref.divisor) ?? '1');
  const divisor = parsed !== undefined && parsed > 0 ? parsed : 1;
  const req = containerRequests(c.resources);
  const lim = containerLimits(c.resources);
  let raw: number;
  let milli = false;
  switch (ref.resource) {
    case 'limits.cpu':
      raw = lim.milliCpu ?? node.cpu * 1000;
      milli = true;
      break;
    case 'requests.cpu':
      raw = req.milliCpu;
      milli = true;
      break;
    case 'limits.memory':
      raw = lim.memory ?? node.memoryBytes;
      break;
    case 'requests.memory':
      raw = req.memory;
      break;
    case 'limits.ephemeral-storage':
      raw = lim.ephemeralStorage ?? node.ephemeralStorageBytes;
      break;
    case 'requests.ephemeral-storage':
      raw = req.ephemeralStorage;
      break;
    default:
      return { ok: false, message: `unsupported container resource : ${ref.resource}` };
  }
  const value = milli ? raw / 1000 / divisor : raw / divisor;
  return { ok: true, value: String(Math.ceil(value - 1e-9)) };
}
