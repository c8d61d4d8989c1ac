// `--eviction-hard`, shared by `k8ts server` and `k8ts agent`: the kubelet's hard eviction
// thresholds in the kubelet's own syntax, checked before anything starts.
import { parseEvictionHard } from '../kubelet/eviction/thresholds.js';

export const EVICTION_HARD_FLAG = {
  type: 'string',
  placeholder: 'THRESHOLDS',
  description: "Hard eviction thresholds, as the kubelet's (default memory.available<100Mi,nodefs.available<10%,nodefs.inodesFree<5%,imagefs.available<15%,imagefs.inodesFree<5%; '' for none)",
} as const;

/** What is wrong with the flag's value, or undefined when it parses (or was not given). */
export function evictionHardProblem(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  try {
    parseEvictionHard(raw);
    return undefined;
  } catch (err) {
    return `--eviction-hard: ${err instanceof Error ? err.message : String(err)}`;
  }
}
