// Node-level admission: a pod bound here that does not fit what the admitted pods leave of
// allocatable is rejected — phase Failed, reason OutOf<resource>, message
// "Pod was rejected: Node didn't have enough resource: …" — exactly as Kubernetes' kubelet does.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { NodeCapacity } from './config.js';
import { allocatable, podRequests, type Amounts } from './resources.js';

// Pods' requests never change (resources are immutable without in-place resize), so they are
// computed once per pod object.
const requestsCache = new WeakMap<Pod, Amounts>();
function requestsOf(pod: Pod): Amounts {
  let r = requestsCache.get(pod);
  if (!r) {
    r = podRequests(pod);
    requestsCache.set(pod, r);
  }
  return r;
}

export type AdmitResult = { admit: true } | { admit: false; reason: string; message: string };

/** `admitted` are the pods already running or accepted on this node (terminal ones excluded). */
export function admitPod(pod: Pod, admitted: readonly Pod[], capacity: NodeCapacity): AdmitResult {
  const alloc = allocatable(capacity);
  const want = requestsOf(pod);
  let cpu = 0;
  let mem = 0;
  let eph = 0;
  for (const p of admitted) {
    const r = requestsOf(p);
    cpu += r.milliCpu;
    mem += r.memory;
    eph += r.ephemeralStorage;
  }
  const checks: [string, number, number, number][] = [
    ['pods', 1, admitted.length, alloc.pods],
    ['cpu', want.milliCpu, cpu, Math.round(alloc.cpu * 1000)],
    ['memory', want.memory, mem, alloc.memoryBytes],
    ['ephemeral-storage', want.ephemeralStorage, eph, alloc.ephemeralStorageBytes],
  ];
  for (const [name, requested, used, cap] of checks) {
    if (requested === 0 && name !== 'pods') continue;
    if (used + requested > cap) {
      const message = `Node didn't have enough resource: ${name}, requested: ${requested}, used: ${used}, capacity: ${cap}`;
      return { admit: false, reason: `OutOf${name}`, message: `Pod was rejected: ${message}` };
    }
  }
  return { admit: true };
}
