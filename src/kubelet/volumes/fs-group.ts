// A pod's fsGroup on its volumes, as Kubernetes' SetVolumeOwnership does for the volume kinds
// it manages (emptyDir, configMap, secret, downwardAPI, projected): every file and directory
// gets the group fsGroup, group read (and write, for a writable volume), and directories the
// setgid bit and group search, so what containers create there stays in the group.
import { chmod, lchown, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Payload } from './atomic-writer.js';

const READ_ONLY_MASK = 0o440;
const READ_WRITE_MASK = 0o660;
const DIR_MASK = 0o2110; // setgid, group and owner search

export function fsGroupOf(pod: Pod): number | undefined {
  const g = pod.spec?.securityContext?.fsGroup;
  return typeof g === 'number' ? g : undefined;
}

/** A projected volume's files as written with an fsGroup: group-readable (they are read-only volumes). */
export function withGroupRead(payload: Payload): Payload {
  const out: Payload = new Map();
  for (const [path, f] of payload) out.set(path, { ...f, mode: f.mode | READ_ONLY_MASK });
  return out;
}

/** Gives everything under `dir` (itself included) the group `gid` and the group permissions above. */
export async function setVolumeOwnership(dir: string, gid: number, readOnly: boolean): Promise<void> {
  const walk = async (path: string): Promise<void> => {
    const st = await lstat(path);
    await lchown(path, -1, gid);
    if (st.isSymbolicLink()) return;
    const mask = (readOnly ? READ_ONLY_MASK : READ_WRITE_MASK) | (st.isDirectory() ? DIR_MASK : 0);
    if ((st.mode & mask) !== mask) await chmod(path, (st.mode & 0o7777) | mask);
    if (st.isDirectory()) for (const e of await readdir(path)) await walk(join(path, e));
  };
  await walk(dir);
}
