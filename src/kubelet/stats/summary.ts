// Builds the stats/v1alpha1 Summary (/stats/summary, and what the eviction manager measures):
// node figures from the host source, per-container CPU and memory from the runtime (one
// listContainerStats call where the runtime has it), log and volume usage from the disk.
// usageNanoCores is the rate between this sample and the previous one of the same container
// (CpuRates), or the runtime's own figure until there are two samples. Pod figures are the sums of their
// running containers' (Kubernetes reads the pod cgroup; the sums are what every runtime here
// can give).
import { readdir, lstat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Pod, Volume } from 'kubernetes-types/core/v1.js';
import type { ContainerRuntime, ContainerStats as RuntimeContainerStats, ContainerStatus } from '../runtime/runtime.js';
import { CpuRates } from './cpu-rate.js';
import type { FsSample, HostSample, HostStatsSource } from './host.js';
import type { ContainerStats, CPUStats, FsStats, MemoryStats, PodStats, Summary, VolumeStats } from './summary-types.js';
import { rfc3339 } from '../status.js';

export interface SummaryProviderOptions {
  nodeName: string;
  runtime: ContainerRuntime;
  host: HostStatsSource;
  /** The pods the kubelet runs: latest API objects with the status it wrote. */
  pods: () => readonly Pod[];
  /** Where a pod's volume lives on disk; omitted when volumes are not on disk (simulation). */
  volumePath?: (pod: Pod, volume: Volume) => string;
  /** Window for usageNanoCores (default 1 s). */
  cpuRateWindowMs?: number;
}

function fsStats(time: string, fs: FsSample, used?: { bytes: number; inodes?: number }): FsStats {
  return {
    time,
    availableBytes: fs.availableBytes,
    capacityBytes: fs.capacityBytes,
    usedBytes: used ? used.bytes : fs.usedBytes,
    inodesFree: fs.inodesFree,
    inodes: fs.inodes,
    ...(used ? (used.inodes !== undefined ? { inodesUsed: used.inodes } : {}) : { inodesUsed: Math.max(0, fs.inodes - fs.inodesFree) }),
  };
}

/** Disk usage (allocated blocks, as du counts) and inode count of a file tree; 0 when absent. */
export async function diskUsage(path: string): Promise<{ bytes: number; inodes: number }> {
  let bytes = 0;
  let inodes = 0;
  const walk = async (p: string): Promise<void> => {
    const st = await lstat(p).catch(() => undefined);
    if (!st) return;
    bytes += st.blocks * 512;
    inodes += 1;
    if (!st.isDirectory()) return;
    const names = await readdir(p).catch(() => [] as string[]);
    for (const n of names) await walk(join(p, n));
  };
  await walk(path);
  return { bytes, inodes };
}

/** Volumes that count toward a pod's ephemeral storage (Kubernetes' local ephemeral volumes). */
function localEphemeral(v: Volume): boolean {
  return Boolean((v.emptyDir && v.emptyDir.medium !== 'Memory') || v.configMap || v.downwardAPI);
}

function statVolume(v: Volume): boolean {
  return Boolean(v.emptyDir || v.configMap || v.secret || v.downwardAPI || v.projected);
}

function sum(values: (number | undefined)[]): number | undefined {
  const present = values.filter((v): v is number => v !== undefined);
  return present.length ? present.reduce((a, b) => a + b, 0) : undefined;
}

export class SummaryProvider {
  private readonly rates: CpuRates;

  constructor(private readonly o: SummaryProviderOptions) {
    this.rates = new CpuRates(o.cpuRateWindowMs ?? 1000);
  }

  /** The Summary; `{ pods: false }` measures the node only (what an eviction pass needs first). */
  async summary(o: { pods?: boolean } = {}): Promise<Summary> {
    const rt = this.o.runtime;
    const withPods = o.pods ?? true;
    const [host, sandboxes, containers] = await Promise.all([this.o.host.sample(), withPods ? rt.listPodSandboxes() : [], withPods ? rt.listContainers() : []]);
    const running = containers.filter((c) => c.state === 'running');
    const stats = withPods ? await this.containerStats(running) : new Map<string, RuntimeContainerStats>();
    const time = rfc3339(host.timestamp);
    const nodeRate = this.rates.observe('node', host.cpuCoreNanoSeconds, host.timestamp);
    const summary: Summary = {
      node: {
        nodeName: this.o.nodeName,
        startTime: rfc3339(host.bootTime),
        cpu: { time, usageCoreNanoSeconds: Math.round(host.cpuCoreNanoSeconds), ...(nodeRate !== undefined ? { usageNanoCores: nodeRate } : {}) },
        memory: {
          time,
          availableBytes: host.memory.availableBytes,
          usageBytes: host.memory.usageBytes,
          workingSetBytes: host.memory.workingSetBytes,
          rssBytes: host.memory.rssBytes,
        },
        fs: fsStats(time, host.nodeFs),
        runtime: { imageFs: fsStats(time, host.imageFs), containerFs: fsStats(time, host.imageFs) },
        rlimit: { time, maxpid: host.pids.max, curproc: host.pids.current },
      },
      pods: [],
    };
    const uidOfSandbox = new Map(sandboxes.map((s) => [s.id, s.uid]));
    const byUid = new Map<string, ContainerStatus[]>();
    for (const c of running) {
      const uid = uidOfSandbox.get(c.sandboxId);
      if (uid !== undefined) byUid.set(uid, [...(byUid.get(uid) ?? []), c]);
    }
    // Each pod's newest ready sandbox.
    const newest = new Map<string, (typeof sandboxes)[number]>();
    for (const s of sandboxes) if (s.state === 'ready' && (newest.get(s.uid)?.createdAt ?? -Infinity) < s.createdAt) newest.set(s.uid, s);
    for (const pod of withPods ? this.o.pods() : []) {
      const uid = pod.metadata?.uid ?? '';
      const sandbox = newest.get(uid);
      if (!sandbox) continue;
      summary.pods.push(await this.podStats(pod, sandbox.createdAt, byUid.get(uid) ?? [], stats, host));
    }
    if (withPods) this.rates.sweep();
    return summary;
  }

  private async containerStats(running: ContainerStatus[]): Promise<Map<string, RuntimeContainerStats>> {
    const rt = this.o.runtime;
    if (rt.listContainerStats) return new Map((await rt.listContainerStats()).map((s) => [s.id, s]));
    const out = new Map<string, RuntimeContainerStats>();
    await Promise.all(
      running.map(async (c) => {
        const s = await rt.containerStats(c.id).catch(() => undefined);
        if (s) out.set(c.id, s);
      }),
    );
    return out;
  }

  private async podStats(pod: Pod, sandboxCreated: number, running: ContainerStatus[], stats: Map<string, RuntimeContainerStats>, host: HostSample): Promise<PodStats> {
    const time = rfc3339(host.timestamp);
    const containers: ContainerStats[] = [];
    let logBytes = 0;
    let rootfsBytes = 0;
    for (const c of running) {
      const s = stats.get(c.id);
      const cs: ContainerStats = { name: c.name, startTime: rfc3339(c.createdAt) };
      if (s) {
        const at = rfc3339(s.timestamp);
        const own = s.cpuUsageCoreNanoSeconds !== undefined ? this.rates.observe(c.id, s.cpuUsageCoreNanoSeconds, s.timestamp) : undefined;
        const rate = own ?? s.cpuUsageNanoCores;
        const cpu: CPUStats = { time: at };
        if (rate !== undefined) cpu.usageNanoCores = Math.round(rate);
        if (s.cpuUsageCoreNanoSeconds !== undefined) cpu.usageCoreNanoSeconds = Math.round(s.cpuUsageCoreNanoSeconds);
        cs.cpu = cpu;
        const memory: MemoryStats = { time: at };
        if (s.memoryUsageBytes !== undefined) memory.usageBytes = s.memoryUsageBytes;
        if (s.memoryWorkingSetBytes !== undefined) memory.workingSetBytes = s.memoryWorkingSetBytes;
        if (s.memoryRssBytes !== undefined) memory.rssBytes = s.memoryRssBytes;
        cs.memory = memory;
      }
      const rootfsUsed = s?.rootfsUsedBytes ?? 0;
      rootfsBytes += rootfsUsed;
      cs.rootfs = fsStats(time, host.imageFs, { bytes: rootfsUsed });
      if (c.logPath) {
        const logs = await diskUsage(dirname(c.logPath));
        logBytes += logs.bytes;
        cs.logs = fsStats(time, host.nodeFs, logs);
      }
      containers.push(cs);
    }
    const volumes: VolumeStats[] = [];
    let volumeBytes = 0;
    const volumePath = this.o.volumePath;
    if (volumePath) {
      for (const v of pod.spec?.volumes ?? []) {
        if (!statVolume(v)) continue;
        const used = await diskUsage(volumePath(pod, v));
        if (localEphemeral(v)) volumeBytes += used.bytes;
        volumes.push({ name: v.name, ...fsStats(time, host.nodeFs, used) });
      }
    }
    const cpus = containers.map((c) => c.cpu).filter((c): c is CPUStats => c !== undefined);
    const mems = containers.map((c) => c.memory).filter((m): m is MemoryStats => m !== undefined);
    const nanoCores = sum(cpus.map((c) => c.usageNanoCores));
    const coreNs = sum(cpus.map((c) => c.usageCoreNanoSeconds));
    const memory: MemoryStats = { time };
    const usage = sum(mems.map((m) => m.usageBytes));
    const ws = sum(mems.map((m) => m.workingSetBytes));
    const rss = sum(mems.map((m) => m.rssBytes));
    if (usage !== undefined) memory.usageBytes = usage;
    if (ws !== undefined) memory.workingSetBytes = ws;
    if (rss !== undefined) memory.rssBytes = rss;
    const out: PodStats = {
      podRef: { name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? '', uid: pod.metadata?.uid ?? '' },
      startTime: pod.status?.startTime ?? rfc3339(sandboxCreated),
      containers,
      cpu: { time, ...(nanoCores !== undefined ? { usageNanoCores: nanoCores } : {}), ...(coreNs !== undefined ? { usageCoreNanoSeconds: coreNs } : {}) },
      memory,
      ...(volumes.length > 0 ? { volume: volumes } : {}),
      'ephemeral-storage': fsStats(time, host.nodeFs, { bytes: rootfsBytes + logBytes + volumeBytes }),
    };
    return out;
  }
}
