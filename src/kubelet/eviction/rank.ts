// Which pod goes first under pressure, as Kubernetes' eviction manager ranks them (v1.33):
//   memory: pods without stats, then pods using more than they request (BestEffort requests
//           nothing, so any use exceeds it), then lower priority, then usage above request;
//   disk:   the same with ephemeral storage (writable layers + logs + local volumes);
//   pids:   lower priority, then more processes.
// Critical pods (priority ≥ system-cluster-critical's 2000000000) are never chosen.
import type { Pod } from 'kubernetes-types/core/v1.js';
import { containerRequests } from '../resources.js';
import type { PodStats } from '../stats/summary-types.js';

export type Reclaim = 'memory' | 'ephemeral-storage' | 'pids';

const CRITICAL_PRIORITY = 2_000_000_000;

export function isCritical(pod: Pod): boolean {
  return (pod.spec?.priority ?? 0) >= CRITICAL_PRIORITY;
}

/** The pod's usage of the resource, or undefined without stats. */
export function podUsage(stats: PodStats | undefined, what: Reclaim): number | undefined {
  if (!stats) return undefined;
  if (what === 'memory') return stats.memory?.workingSetBytes ?? 0;
  if (what === 'ephemeral-storage') return stats['ephemeral-storage']?.usedBytes ?? 0;
  return stats.process_stats?.process_count ?? 0;
}

export function podRequest(pod: Pod, what: Reclaim): number {
  if (what === 'pids') return 0;
  let total = 0;
  for (const c of pod.spec?.containers ?? []) {
    const r = containerRequests(c.resources);
    total += what === 'memory' ? r.memory : r.ephemeralStorage;
  }
  return total;
}

type Cmp = (a: Pod, b: Pod) => number;

/** True before false. */
function cmpBool(a: boolean, b: boolean): number {
  return a === b ? 0 : a ? -1 : 1;
}

export function rankForEviction(pods: readonly Pod[], what: Reclaim, statsOf: (pod: Pod) => PodStats | undefined): Pod[] {
  const usage = (p: Pod): number | undefined => podUsage(statsOf(p), what);
  const priority: Cmp = (a, b) => (a.spec?.priority ?? 0) - (b.spec?.priority ?? 0);
  const exceeds: Cmp = (a, b) => {
    const ua = usage(a);
    const ub = usage(b);
    if (ua === undefined || ub === undefined) return cmpBool(ua === undefined, ub === undefined);
    return cmpBool(ua > podRequest(a, what), ub > podRequest(b, what));
  };
  const overRequest: Cmp = (a, b) => (usage(b) ?? 0) - podRequest(b, what) - ((usage(a) ?? 0) - podRequest(a, what));
  const byUsage: Cmp = (a, b) => (usage(b) ?? 0) - (usage(a) ?? 0);
  const order: Cmp[] = what === 'pids' ? [priority, byUsage] : [exceeds, priority, overRequest];
  return pods
    .filter((p) => !isCritical(p))
    .slice()
    .sort((a, b) => {
      for (const cmp of order) {
        const r = cmp(a, b);
        if (r !== 0) return r;
      }
      return 0;
    });
}
