// Writes a volume's files so readers never see a half-updated set, as Kubernetes' atomic
// writer does: the files go into a fresh `..<timestamp>` directory, a `..data` symlink is
// swapped to it with one rename, and each visible top-level name is a symlink through `..data`.
import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, normalize, sep } from 'node:path';

export interface FileProjection {
  data: Uint8Array;
  /** Permission bits, e.g. 0o644. */
  mode: number;
}

/** Relative path → content. */
export type Payload = Map<string, FileProjection>;

const DATA = '..data';
const DATA_TMP = '..data_tmp';

export function validatePayloadPath(p: string): string | undefined {
  if (p === '') return 'must not be empty';
  if (p.startsWith('/')) return 'must be a relative path';
  if (p.split('/').includes('..')) return "must not contain '..'";
  if (p.startsWith('..')) return "must not start with '..'";
  return undefined;
}

async function currentMatches(dir: string, payload: Payload): Promise<boolean> {
  let existing: string[];
  try {
    existing = await listFiles(join(dir, DATA), '');
  } catch {
    return false;
  }
  if (existing.length !== payload.size) return false;
  for (const [path, f] of payload) {
    try {
      const [data, st] = await Promise.all([readFile(join(dir, DATA, path)), lstat(join(dir, DATA, path))]);
      if (!Buffer.from(f.data).equals(data) || (st.mode & 0o777) !== (f.mode & 0o777)) return false;
    } catch {
      return false;
    }
  }
  return true;
}

async function listFiles(root: string, rel: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(root, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(root, p)));
    else out.push(p);
  }
  return out;
}

/** Makes `dir` hold exactly `payload`; returns whether anything changed. */
export async function writeAtomically(dir: string, payload: Payload): Promise<boolean> {
  for (const p of payload.keys()) {
    const bad = validatePayloadPath(p);
    if (bad) throw new Error(`invalid path ${JSON.stringify(p)}: ${bad}`);
  }
  await mkdir(dir, { recursive: true });
  if (await currentMatches(dir, payload)) return false;
  const stamp = new Date().toISOString().replace(/[-:]/g, '_').replace('T', '_').replace(/\..*$/, '');
  const tsDir = await mkdtemp(join(dir, `..${stamp}.`));
  // mkdtemp makes it 0700: every user of the container must be able to reach the files.
  await chmod(tsDir, 0o755);
  for (const [p, f] of payload) {
    const file = join(tsDir, normalize(p));
    await mkdir(dirname(file), { recursive: true, mode: 0o755 });
    await writeFile(file, f.data);
    await chmod(file, f.mode & 0o7777);
  }
  let oldTs: string | undefined;
  try {
    oldTs = await readlink(join(dir, DATA));
  } catch {
    oldTs = undefined;
  }
  await rm(join(dir, DATA_TMP), { force: true });
  await symlink(tsDir.slice(dir.length + 1), join(dir, DATA_TMP));
  await rename(join(dir, DATA_TMP), join(dir, DATA));
  const tops = new Set([...payload.keys()].map((p) => p.split('/')[0] ?? p));
  for (const top of tops) {
    const link = join(dir, top);
    try {
      const target = await readlink(link);
      if (target === join(DATA, top)) continue;
      await rm(link, { force: true, recursive: true });
    } catch {
      await rm(link, { force: true, recursive: true });
    }
    await symlink(join(DATA, top), link);
  }
  for (const e of await readdir(dir)) {
    if (e === DATA || e.startsWith('..')) continue;
    if (!tops.has(e)) await rm(join(dir, e), { force: true, recursive: true });
  }
  if (oldTs && !oldTs.includes(sep) && oldTs !== tsDir.slice(dir.length + 1)) await rm(join(dir, oldTs), { recursive: true, force: true });
  return true;
}
