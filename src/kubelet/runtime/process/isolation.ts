// How far a pod is isolated from the host. With `namespaces` (root, util-linux unshare and
// nsenter present), each pod gets its own PID, mount, UTS and IPC namespaces, held by a
// "pause" process (`sleep`, pid 1 of the pod's pid namespace); containers enter them with
// nsenter and get a private mount namespace of their own for their volume bind mounts. The
// network namespace is always the host's. With `none`, containers are plain host processes.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { childrenOf, identify, readStat, type ProcessIdentity } from './procfs.js';

export type Isolation = 'namespaces' | 'none';

export interface Tools {
  sh: string;
  unshare?: string;
  nsenter?: string;
  script?: string;
  setpriv?: string;
}

export function findExecutable(name: string, path = process.env['PATH'] ?? ''): string | undefined {
  if (name.includes('/')) return isExecutable(name) ? name : undefined;
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findTools(): Tools {
  return {
    sh: findExecutable('sh') ?? '/bin/sh',
    unshare: findExecutable('unshare'),
    nsenter: findExecutable('nsenter'),
    script: findExecutable('script'),
    setpriv: findExecutable('setpriv'),
  };
}

/** Namespaces when running as root and a trial `unshare` of every namespace kind succeeds. */
export function detectIsolation(tools: Tools): Isolation {
  if (process.getuid?.() !== 0 || !tools.unshare || !tools.nsenter) return 'none';
  const trial = spawnSync(tools.unshare, [...UNSHARE_POD_FLAGS, 'true'], { stdio: 'ignore', timeout: 5000 });
  return trial.status === 0 ? 'namespaces' : 'none';
}

const UNSHARE_POD_FLAGS = ['--pid', '--fork', '--mount', '--uts', '--ipc', '--mount-proc', '--propagation', 'slave'];

/** Flags for nsenter to join the namespaces of `pid` (a pause or a container's main process). */
export function nsenterArgs(pid: number): string[] {
  return ['--target', String(pid), '--pid', '--mount', '--uts', '--ipc'];
}

/**
 * Starts the pause process of a pod and returns it once it is pid 1 of its namespace with the
 * hostname set. Its parent (unshare) is detached, so the pod outlives the runtime.
 */
export async function startPause(tools: Tools, hostname: string): Promise<ProcessIdentity> {
  if (!tools.unshare) throw new Error('unshare not available');
  const child = spawn(
    tools.unshare,
    [...UNSHARE_POD_FLAGS, tools.sh, '-c', 'hostname "$1" 2>/dev/null; exec sleep 2147483647', 'pause', hostname],
    { detached: true, stdio: 'ignore' },
  );
  child.unref();
  const parent = child.pid;
  if (parent === undefined) throw new Error('could not start the pod pause process');
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const pid = childrenOf(parent)[0];
    if (pid !== undefined && commOf(pid) === 'sleep') {
      const id = identify(pid);
      if (id) return id;
    }
    if (readStat(parent) === undefined && child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  try {
    process.kill(-parent, 'SIGKILL');
  } catch {
    // already gone
  }
  throw new Error('the pod pause process did not start');
}

function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}
