// Node-level admission: a pod bound here that does not fit what the admitted pods leave of
// allocatable is rejected — phase Failed, reason OutOf<resource>, message
// "Pod was rejected: Node didn't have enough resource: …" — exactly as Kubernetes' kubelet does.
import type { NodeCapacity } from './config.js';
import { allocatable, type Amounts } from './resources.js';

export type AdmitResult = { admit: true } | { admit: false; reason: string; message: string };

/** What the pods already running or accepted on this node (terminal ones excluded) request. */
export interface NodeUsage extends Amounts {
  pods: number;
}

/** Whether a pod requesting `want` fits beside `used`. */
export function admitPod(want: Amounts, used: NodeUsage, capacity: NodeCapacity): AdmitResult {
  const alloc = allocatable(capacity);
  const checks: [string, number, number, number][] = [
    ['pods', 1, used.pods, alloc.pods],
    ['cpu', want.milliCpu, used.milliCpu, Math.round(alloc.cpu * 1000)],
    ['memory', want.memory, used.memory, alloc.memoryBytes],
    ['ephemeral-storage', want.ephemeralStorage, used.ephemeralStorage, alloc.ephemeralStorageBytes],
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
