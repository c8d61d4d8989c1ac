// Undoing a node's containerd footprint on the machine after its pods were removed and
// containerd stopped: the node's bridge, mounts left under its directory (overlay rootfs,
// network namespaces, shm), then the directory itself.
import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Mount points at or under `dir`, deepest first. */
export async function mountsUnder(dir: string): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return text
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .map((p) => p.replace(/\\040/g, ' '))
    .filter((p) => p === dir || p.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
}

export async function removeNodeContainerdFootprint(options: { dir: string; bridgeName: string }): Promise<void> {
  await run('ip', ['link', 'delete', options.bridgeName]).catch(() => undefined);
  for (const m of await mountsUnder(options.dir)) {
    await run('umount', ['-l', m]).catch(() => undefined);
  }
  await rm(options.dir, { recursive: true, force: true });
}
