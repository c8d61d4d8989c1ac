// A pod's volumes on disk under <rootDir>/pods/<uid>/volumes/<plugin>/<name>, set up before its
// containers start and on every sync (so configMap/secret/token contents follow the API), and
// the mounts each container gets (subPath, readOnly). emptyDir with medium Memory is a tmpfs
// when the kubelet runs as root and a plain directory otherwise.
import { execFile } from 'node:child_process';
import { access, chmod, mkdir, open, rm, stat } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import { promisify } from 'node:util';
import type { Container, Pod, Volume } from 'kubernetes-types/core/v1.js';
import { parseQuantity, quantityText } from '../../api/validation/quantity.js';
import type { Logger } from '../../log.js';
import type { Mount } from '../runtime/runtime.js';
import { writeAtomically } from './atomic-writer.js';
import { fsGroupOf, setVolumeOwnership, withGroupRead } from './fs-group.js';
import { MountError, volumePayload, type ProjectionInputs } from './projections.js';

const run = promisify(execFile);

export function podDir(rootDir: string, uid: string): string {
  return join(rootDir, 'pods', uid);
}

function pluginName(v: Volume): string {
  if (v.emptyDir) return 'kubernetes.io~empty-dir';
  if (v.configMap) return 'kubernetes.io~configmap';
  if (v.secret) return 'kubernetes.io~secret';
  if (v.downwardAPI) return 'kubernetes.io~downward-api';
  if (v.projected) return 'kubernetes.io~projected';
  return 'kubernetes.io~other';
}

export class VolumeManager {
  private readonly tmpfs = new Set<string>();
  /** emptyDir volumes set up (mode, tmpfs, fsGroup) by this kubelet. */
  private readonly emptyDirsReady = new Set<string>();

  constructor(private readonly o: { rootDir: string; log: Logger; mode: 'disk' | 'none' }) {}

  volumePath(pod: Pod, v: Volume): string {
    if (v.hostPath) return v.hostPath.path;
    return join(podDir(this.o.rootDir, pod.metadata?.uid ?? ''), 'volumes', pluginName(v), v.name);
  }

  /**
   * Makes every volume of the pod ready; throws MountError (`MountVolume.SetUp failed for
   * volume "x" : why`) on the first that cannot be.
   */
  async setUp(inputs: ProjectionInputs): Promise<void> {
    if (this.o.mode === 'none') return;
    const pod = inputs.pod;
    for (const v of pod.spec?.volumes ?? []) {
      try {
        await this.setUpOne(inputs, v);
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        throw new MountError(`MountVolume.SetUp failed for volume "${v.name}" : ${why}`);
      }
    }
  }

  private async setUpOne(inputs: ProjectionInputs, v: Volume): Promise<void> {
    const dir = this.volumePath(inputs.pod, v);
    if (v.hostPath) return hostPathCheck(v.hostPath.path, v.hostPath.type ?? '');
    if (v.emptyDir) {
      // Once per volume and kubelet (as Kubernetes sets a volume up when it mounts it): later
      // syncs leave alone what the containers have done with it since.
      if (this.emptyDirsReady.has(dir)) return;
      await mkdir(dir, { recursive: true });
      // Writable by any user the containers run as, as in Kubernetes (mkdir's mode is masked by the umask).
      await chmod(dir, 0o777);
      if (v.emptyDir.medium === 'Memory' && process.getuid?.() === 0 && !this.tmpfs.has(dir)) {
        const limit = parseQuantity(quantityText(v.emptyDir.sizeLimit) ?? '');
        const opts = limit ? `size=${Math.ceil(limit)}` : 'size=50%';
        try {
          await run('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', dir]);
          this.tmpfs.add(dir);
        } catch (err) {
          this.o.log.warn(`emptyDir ${v.name}: tmpfs mount failed, using a directory: ${String(err)}`);
        }
      }
      // What the containers create later inherits the group through the setgid bit.
      const gid = fsGroupOf(inputs.pod);
      if (gid !== undefined) await setVolumeOwnership(dir, gid, false);
      this.emptyDirsReady.add(dir);
      return;
    }
    const payload = await volumePayload(inputs, v);
    if (payload) {
      const gid = fsGroupOf(inputs.pod);
      const written = await writeAtomically(dir, gid === undefined ? payload : withGroupRead(payload));
      if (written && gid !== undefined) await setVolumeOwnership(dir, gid, true);
      return;
    }
    // Volume kinds backed by storage plugins (PVCs, CSI …) are not supported on this node.
    await mkdir(dir, { recursive: true });
  }

  /** The runtime mounts of a container; subPath directories are created when missing. */
  async mounts(pod: Pod, container: Container, expandSubPath: (s: string) => string): Promise<Mount[]> {
    const out: Mount[] = [];
    const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
    for (const m of container.volumeMounts ?? []) {
      const v = volumes.get(m.name);
      if (!v) throw new MountError(`volume "${m.name}" not found in pod`);
      let host = this.volumePath(pod, v);
      const sub = m.subPathExpr ? expandSubPath(m.subPathExpr) : m.subPath;
      if (sub) {
        const n = normalize(sub);
        if (n.startsWith('/') || n.split('/').includes('..')) throw new MountError(`subPath "${sub}" must be a relative path without '..'`);
        host = join(host, n);
        if (this.o.mode === 'disk') {
          try {
            await access(host);
          } catch {
            await mkdir(host, { recursive: true, mode: 0o777 });
          }
        }
      }
      out.push({ containerPath: m.mountPath, hostPath: host, readOnly: m.readOnly === true });
    }
    return out;
  }

  /** Unmounts and removes everything the pod had under the kubelet's root. */
  async tearDown(uid: string): Promise<void> {
    if (this.o.mode === 'none') return;
    const dir = podDir(this.o.rootDir, uid);
    for (const t of [...this.tmpfs]) {
      if (!t.startsWith(`${dir}/`)) continue;
      await run('umount', [t]).catch((err: unknown) => this.o.log.warn(`umount ${t}: ${String(err)}`));
      this.tmpfs.delete(t);
    }
    for (const e of [...this.emptyDirsReady]) if (e.startsWith(`${dir}/`)) this.emptyDirsReady.delete(e);
    await rm(dir, { recursive: true, force: true });
  }
}

async function hostPathCheck(path: string, type: string): Promise<void> {
  const st = await stat(path).catch(() => undefined);
  switch (type) {
    case 'DirectoryOrCreate':
      if (!st) await mkdir(path, { recursive: true, mode: 0o755 });
      else if (!st.isDirectory()) throw new MountError(`hostPath type check failed: ${path} is not a directory`);
      return;
    case 'Directory':
      if (!st?.isDirectory()) throw new MountError(`hostPath type check failed: ${path} is not a directory`);
      return;
    case 'FileOrCreate':
      if (!st) await (await open(path, 'a', 0o644)).close();
      else if (!st.isFile()) throw new MountError(`hostPath type check failed: ${path} is not a file`);
      return;
    case 'File':
      if (!st?.isFile()) throw new MountError(`hostPath type check failed: ${path} is not a file`);
      return;
    case 'Socket':
      if (!st?.isSocket()) throw new MountError(`hostPath type check failed: ${path} is not a socket file`);
      return;
    case 'CharDevice':
      if (!st?.isCharacterDevice()) throw new MountError(`hostPath type check failed: ${path} is not a character device`);
      return;
    case 'BlockDevice':
      if (!st?.isBlockDevice()) throw new MountError(`hostPath type check failed: ${path} is not a block device`);
      return;
    default:
      return;
  }
}
