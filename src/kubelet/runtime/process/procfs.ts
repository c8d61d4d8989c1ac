// Facts about host processes from /proc (Linux). A pid alone is not an identity: pids are
// reused, so every process the runtime remembers is remembered as (pid, starttime), and
// starttime (clock ticks after boot, field 22 of /proc/<pid>/stat) is checked before acting.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface ProcessIdentity {
  pid: number;
  starttime: string;
}

interface ProcStat {
  state: string;
  pgrp: number;
  /** utime + stime in clock ticks. */
  cpuTicks: number;
  starttime: string;
}

/** Linux USER_HZ; 100 on every mainstream architecture. */
const TICKS_PER_SECOND = 100;

export function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm (field 2) may contain spaces and parentheses: fields resume after the last ')'.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return {
    state: f[0] ?? '',
    pgrp: Number(f[2]),
    cpuTicks: Number(f[11]) + Number(f[12]),
    starttime: f[19] ?? '',
  };
}

export function identify(pid: number): ProcessIdentity | undefined {
  const s = readStat(pid);
  return s && { pid, starttime: s.starttime };
}

/** Running (not gone, not a zombie) and still the same process. */
export function isAlive(p: ProcessIdentity): boolean {
  const s = readStat(p.pid);
  return s !== undefined && s.state !== 'Z' && s.state !== 'X' && s.starttime === p.starttime;
}

export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter((s) => s !== '')
      .map(Number);
  } catch {
    return [];
  }
}

/** The pid as seen from inside the innermost pid namespace of the process. */
export function innermostPid(pid: number): number | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('NSpid:'));
    const last = line?.trim().split(/\s+/).pop();
    return last === undefined ? undefined : Number(last);
  } catch {
    return undefined;
  }
}

export function pidNamespace(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
}

/**
 * Members of process group `pgid` that started no earlier than its leader did: a pgid whose
 * leader is gone could in principle be reused, and this keeps strangers out.
 */
export function groupMembers(leader: ProcessIdentity): ProcessIdentity[] {
  const out: ProcessIdentity[] = [];
  for (const pid of allPids()) {
    const s = readStat(pid);
    if (s && inGroup(s, leader)) out.push({ pid, starttime: s.starttime });
  }
  return out;
}

/** Whether `s` is in `leader`'s process group and started no earlier (so not a reused pid). */
function inGroup(s: ProcStat, leader: ProcessIdentity): boolean {
  return s.pgrp === leader.pid && BigInt(s.starttime || '0') >= BigInt(leader.starttime || '0');
}

export function killGroup(leader: ProcessIdentity, signal: NodeJS.Signals): void {
  for (const p of groupMembers(leader)) signalProcess(p, signal);
}

/** Sends `signal` if `p` is still the same process; false when it is gone. */
export function signalProcess(p: ProcessIdentity, signal: NodeJS.Signals): boolean {
  if (!isAlive(p)) return false;
  try {
    process.kill(p.pid, signal);
    return true;
  } catch {
    return false;
  }
}

function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return Number(m?.[1] ?? 0) * 1024;
  } catch {
    return 0; // gone in the meantime
  }
}

/** CPU time and resident memory summed over the group's processes. */
export function groupUsage(leader: ProcessIdentity): GroupUsage {
  return groupsUsage([leader]).get(leader.pid) ?? { cpuNanoSeconds: 0, rssBytes: 0 };
}

export interface GroupUsage {
  cpuNanoSeconds: number;
  rssBytes: number;
}

/**
 * Usage of several process groups in one scan of /proc (by leader pid). CPU time is what the
 * members have used (utime + stime, of exited children only once reaped into them).
 */
export function groupsUsage(leaders: readonly ProcessIdentity[]): Map<number, GroupUsage> {
  const out = new Map<number, GroupUsage>();
  const byPid = new Map(leaders.map((l) => [l.pid, l]));
  if (byPid.size === 0) return out;
  for (const pid of allPids()) {
    const s = readStat(pid);
    const leader = s && byPid.get(s.pgrp);
    if (!s || !leader || !inGroup(s, leader)) continue;
    const u = out.get(leader.pid) ?? { cpuNanoSeconds: 0, rssBytes: 0 };
    u.cpuNanoSeconds += (s.cpuTicks * 1e9) / TICKS_PER_SECOND;
    u.rssBytes += rssOf(pid);
    out.set(leader.pid, u);
  }
  return out;
}
