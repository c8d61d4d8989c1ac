// Air-gapped images: docker-archive tars (made by scripts/images/build-images.sh) imported
// into containerd's k8s.io namespace with ctr, for images this node must have without any
// registry (the pause image above all).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ImageArchive {
  /** Reference stored in the archive, e.g. registry.k8s.io/pause:3.9. */
  ref: string;
  path: string;
}

/** Where build-images.sh writes its archives by default. */
export function defaultImageDir(): string {
  const fromEnv = process.env['K8TS_IMAGE_DIR'];
  if (fromEnv) return fromEnv;
  if (process.getuid?.() === 0) return '/var/cache/k8ts/images';
  return join(process.env['XDG_CACHE_HOME'] ?? join(process.env['HOME'] ?? '/tmp', '.cache'), 'k8ts', 'images');
}

/** The archives build-images.sh makes, those that exist in `dir`. */
export function builtImageArchives(dir = defaultImageDir()): ImageArchive[] {
  return [
    { ref: 'registry.k8s.io/pause:3.9', path: join(dir, 'pause.tar') },
    { ref: 'docker.io/library/busybox:1.35', path: join(dir, 'busybox.tar') },
  ].filter((a) => existsSync(a.path));
}

/** Imports each archive whose reference containerd does not have yet; returns those imported. */
export async function importImages(options: { ctr: string; socket: string; archives: ImageArchive[] }): Promise<string[]> {
  const base = ['--address', options.socket, '--namespace', 'k8s.io'];
  const { stdout } = await run(options.ctr, [...base, 'images', 'list', '--quiet']);
  const have = new Set(stdout.split('\n').filter((l) => l !== ''));
  const imported: string[] = [];
  for (const a of options.archives) {
    if (have.has(a.ref)) continue;
    try {
      await run(options.ctr, [...base, 'images', 'import', a.path]);
    } catch (err) {
      const stderr = typeof err === 'object' && err !== null && 'stderr' in err ? String(err.stderr) : String(err);
      throw new Error(`importing ${a.path} into containerd failed: ${stderr.trim()}`, { cause: err });
    }
    imported.push(a.ref);
  }
  return imported;
}
