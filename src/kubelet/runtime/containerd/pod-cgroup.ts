// A pod's cgroup (the sandbox's cgroupParent, cgroupfs style such as /k8ts/pod<uid>) is made by
// runc in every hierarchy when the first container of the pod starts, but nobody removes it:
// runc deletes only each container's own cgroup below it. The kubelet's side does, once the
// pod's last sandbox is gone, in every mounted hierarchy (each cgroup v1 controller, the named
// systemd one, and the unified v2 tree).
import { readdir, readFile, rmdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Mount points of cgroup (v1) and cgroup2 file systems, from a mountinfo text. */
export function cgroupMountPoints(mountinfo: string): string[] {
  const out: string[] = [];
  for (const line of mountinfo.split('\n')) {
    // "<id> <parent> <maj:min> <root> <mount point> <options> [optional…] - <fstype> <source> <super options>"
    const [left, right] = line.split(' - ');
    const fsType = right?.split(' ')[0];
    if (fsType !== 'cgroup' && fsType !== 'cgroup2') continue;
    const mountPoint = left?.split(' ')[4];
    if (mountPoint) out.push(mountPoint.replace(/\\040/g, ' '));
  }
  return out;
}

/** A cgroupParent the runtime may remove: absolute, without "..", one path below the root at least. */
export function isRemovableCgroupParent(parent: string): boolean {
  return /^\/[^/]/.test(parent) && !parent.split('/').includes('..');
}

const errCode = (err: unknown): string | undefined => (err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined);

export interface RemovePodCgroupOptions {
  /** Hierarchy mount points; default: those in /proc/self/mountinfo. */
  mountPoints?: string[];
  /** How long to retry a cgroup that still holds exiting processes; default 1 s. */
  busyTimeoutMs?: number;
}

/**
 * Removes `parent` from every hierarchy where it is a leaf. A hierarchy where it still has a
 * child cgroup (another sandbox of the same pod) keeps it. Returns the directories removed.
 */
export async function removePodCgroup(parent: string, o: RemovePodCgroupOptions = {}): Promise<string[]> {
  if (!isRemovableCgroupParent(parent)) return [];
  const mounts = o.mountPoints ?? cgroupMountPoints(await readFile('/proc/self/mountinfo', 'utf8'));
  const busyUntil = Date.now() + (o.busyTimeoutMs ?? 1000);
  const removed: string[] = [];
  await Promise.all(
    mounts.map(async (m) => {
      const dir = join(m, parent);
      for (;;) {
        let entries;
        try {
          entries = await readdir(dir, { withFileTypes: true });
        } catch (err) {
          if (errCode(err) === 'ENOENT') return;
          throw err;
        }
        if (entries.some((e) => e.isDirectory())) return;
        try {
          await rmdir(dir);
          removed.push(dir);
          return;
        } catch (err) {
          const code = errCode(err);
          if (code === 'ENOENT') return;
          // EBUSY: processes of the pod are still leaving the cgroup.
          if (code !== 'EBUSY' || Date.now() > busyUntil) throw err;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    }),
  );
  return removed;
}
