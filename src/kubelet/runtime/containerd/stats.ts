// Container stats over the CRI: ListContainerStats (all containers in one call, what the
// kubelet's CRI stats provider uses) and ContainerStats, translated to the runtime contract's
// ContainerStats. containerd reads them from each container's cgroup (cpu usage, memory
// working set = usage − inactive file, RSS) and its snapshotter (writable layer).
import type { ContainerStats } from '../runtime.js';
import type { CriClient } from './cri-client.js';
import type { CriContainerStats } from './cri-types.js';
import { nanosToMs } from './translate.js';

function num(v: { value: string } | null | undefined): number | undefined {
  if (!v) return undefined;
  const n = Number(v.value);
  return Number.isFinite(n) ? n : undefined;
}

export function fromCriStats(s: CriContainerStats, fallbackId: string): ContainerStats {
  const out: ContainerStats = {
    id: s.attributes?.id || fallbackId,
    timestamp: Math.max(nanosToMs(s.cpu?.timestamp ?? '0'), nanosToMs(s.memory?.timestamp ?? '0')) || Date.now(),
  };
  const set = <K extends keyof ContainerStats>(key: K, v: ContainerStats[K] | undefined): void => {
    if (v !== undefined) out[key] = v;
  };
  set('cpuUsageNanoCores', num(s.cpu?.usageNanoCores));
  set('cpuUsageCoreNanoSeconds', num(s.cpu?.usageCoreNanoSeconds));
  set('memoryWorkingSetBytes', num(s.memory?.workingSetBytes));
  set('memoryUsageBytes', num(s.memory?.usageBytes));
  set('memoryRssBytes', num(s.memory?.rssBytes));
  set('rootfsUsedBytes', num(s.writableLayer?.usedBytes));
  return out;
}

/**
 * Stats of the running containers. containerd answers ListContainerStats for exited ones too
 * (with their last figures), so the list is cut to what ListContainers says is running.
 */
export async function listCriContainerStats(cri: CriClient, timeoutMs: number): Promise<ContainerStats[]> {
  const [stats, list] = await Promise.all([cri.runtime('ListContainerStats', { filter: {} }, timeoutMs), cri.runtime('ListContainers', {}, timeoutMs)]);
  const running = new Set(list.containers.filter((c) => c.state === 'CONTAINER_RUNNING').map((c) => c.id));
  return stats.stats.filter((s) => running.has(s.attributes?.id ?? '')).map((s) => fromCriStats(s, ''));
}
