// Node-wide figures from the host, as the kubelet's root-cgroup and filesystem stats give them:
// CPU time from /proc/stat, memory from /proc/meminfo (working set = used − inactive file
// pages, available = total − working set, as the eviction manager's memory.available is
// defined), filesystems by statfs, process counts from /proc. The source is an interface so
// tests (and eviction tests above all) can inject figures instead of exhausting the machine.
import { readFile, statfs } from 'node:fs/promises';

/** Linux USER_HZ; 100 on every mainstream architecture. */
const TICKS_PER_SECOND = 100;

export interface FsSample {
  capacityBytes: number;
  availableBytes: number;
  usedBytes: number;
  inodes: number;
  inodesFree: number;
}

export interface HostSample {
  /** Milliseconds since the epoch. */
  timestamp: number;
  /** When the host booted (the node's startTime), ms since the epoch. */
  bootTime: number;
  /** Cumulative non-idle CPU time of all cores. */
  cpuCoreNanoSeconds: number;
  memory: { totalBytes: number; availableBytes: number; usageBytes: number; workingSetBytes: number; rssBytes: number };
  /** The filesystem of the kubelet's root directory. */
  nodeFs: FsSample;
  /** The filesystem holding images and container layers. */
  imageFs: FsSample;
  pids: { max: number; current: number };
}

export interface HostStatsSource {
  sample(): Promise<HostSample>;
}

export async function fsSample(path: string): Promise<FsSample> {
  const s = await statfs(path);
  return {
    capacityBytes: s.blocks * s.bsize,
    availableBytes: s.bavail * s.bsize,
    usedBytes: (s.blocks - s.bfree) * s.bsize,
    inodes: s.files,
    inodesFree: s.ffree,
  };
}

/** Fields of /proc/meminfo in bytes. */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([^:]+):\s+(\d+)(?:\s+kB)?$/.exec(line.trim());
    if (m?.[1] && m[2]) out.set(m[1], Number(m[2]) * (line.includes('kB') ? 1024 : 1));
  }
  return out;
}

/** Node memory as the kubelet computes it from the root cgroup. */
export function memoryFromMeminfo(info: Map<string, number>): HostSample['memory'] {
  const total = info.get('MemTotal') ?? 0;
  const usage = Math.max(0, total - (info.get('MemFree') ?? 0));
  const workingSet = Math.max(0, usage - (info.get('Inactive(file)') ?? 0));
  return { totalBytes: total, usageBytes: usage, workingSetBytes: workingSet, availableBytes: Math.max(0, total - workingSet), rssBytes: info.get('AnonPages') ?? 0 };
}

/** Non-idle CPU time (user, nice, system, irq, softirq, steal) and the boot time from /proc/stat. */
export function parseProcStat(text: string): { cpuCoreNanoSeconds: number; bootTime: number } {
  const lines = text.split('\n');
  const f = (lines.find((l) => l.startsWith('cpu ')) ?? '').trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
  const btime = Number(lines.find((l) => l.startsWith('btime '))?.split(/\s+/)[1] ?? 0);
  return { cpuCoreNanoSeconds: ((user + nice + system + irq + softirq + steal) * 1e9) / TICKS_PER_SECOND, bootTime: btime * 1000 };
}

async function readNumber(path: string): Promise<number | undefined> {
  const n = Number((await readFile(path, 'utf8').catch(() => '')).trim());
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** The real host: `nodeFsDir` is the kubelet's root directory, `imageFsDir` the runtime's. */
export function procHostStats(o: { nodeFsDir: string; imageFsDir: string }): HostStatsSource {
  return {
    async sample() {
      const [stat, meminfo, loadavg, pidMax, threadsMax, nodeFs, imageFs] = await Promise.all([
        readFile('/proc/stat', 'utf8'),
        readFile('/proc/meminfo', 'utf8'),
        readFile('/proc/loadavg', 'utf8'),
        readNumber('/proc/sys/kernel/pid_max'),
        readNumber('/proc/sys/kernel/threads-max'),
        fsSample(o.nodeFsDir),
        fsSample(o.imageFsDir),
      ]);
      const cpu = parseProcStat(stat);
      // The fourth field of /proc/loadavg is "runnable/total" scheduling entities (threads),
      // the count pid_max limits.
      const current = Number(loadavg.split(' ')[3]?.split('/')[1] ?? 0);
      return {
        timestamp: Date.now(),
        bootTime: cpu.bootTime,
        cpuCoreNanoSeconds: cpu.cpuCoreNanoSeconds,
        memory: memoryFromMeminfo(parseMeminfo(meminfo)),
        nodeFs,
        imageFs,
        pids: { max: Math.min(pidMax ?? 32768, threadsMax ?? Number.MAX_SAFE_INTEGER), current },
      };
    },
  };
}
