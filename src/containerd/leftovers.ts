// containerd processes of a node left running by an earlier k8ts whose process was killed
// outright (SIGKILL, the OOM killer): a child is not told when its parent dies, so the old
// containerd keeps its lock on the node's root directory and a new one cannot start. They are
// found by their command line (`containerd --config <this node's config>`) and stopped.
import { readdir, readFile } from 'node:fs/promises';
import { basename } from 'node:path';

/** Pids of containerd processes started with `--config configPath`. */
export async function containerdsWithConfig(configPath: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let args: string[];
    try {
      args = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0');
    } catch {
      continue; // gone meanwhile, or not ours to read
    }
    const i = args.indexOf('--config');
    if (basename(args[0] ?? '') === 'containerd' && i > 0 && args[i + 1] === configPath) pids.push(Number(entry));
  }
  return pids;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** Stops `pid`: SIGTERM (containerd shuts down cleanly), then SIGKILL after `graceMs`. */
export async function stopProcess(pid: number, graceMs: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  if (await gone(pid, graceMs)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  if (!(await gone(pid, 5_000))) throw new Error(`containerd (pid ${pid}) left by an earlier run did not exit`);
}
