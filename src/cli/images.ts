// `k8ts images`: the images of this machine's node in its containerd (namespace k8s.io, the
// one the CRI uses). `import FILE.tar` loads a docker-archive or oci-archive (as made by
// `docker save`, `podman save` or scripts/images/build-images.sh) for nodes without a
// registry; `ls` lists what the node can run without pulling.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify, parseArgs } from 'node:util';
import { findPrerequisites } from '../containerd/prerequisites.js';
import { ContainerdRuntime } from '../kubelet/runtime/containerd/containerd-runtime.js';
import { defaultAgentDataDir } from './agent.js';
import { defaultDataDir } from './server.js';

const run = promisify(execFile);

const HELP = `Usage: k8ts images import [--data-dir DIR] FILE.tar...
       k8ts images ls [--data-dir DIR]

The images of this machine's node, in its containerd (namespace k8s.io).

Commands:
  import FILE.tar...   Import docker-archive or oci-archive files
  ls                   List the images

Flags:
  --data-dir DIR       The data dir of the k8ts server or agent whose node to use
                       (default: ${defaultDataDir()}, else ${defaultAgentDataDir()})
  --address SOCKET     containerd's socket (overrides --data-dir)
`;

class UsageError extends Error {}

/** containerd's socket of the node agent over `dataDir` (layout of src/node/agent.ts and src/containerd/). */
export function nodeContainerdSocket(dataDir: string): string {
  return join(dataDir, 'agent', 'runtime', 'containerd', 'containerd', 'containerd.sock');
}

function findSocket(dataDir: string | undefined): string {
  const candidates = dataDir ? [resolve(dataDir)] : [defaultDataDir(), defaultAgentDataDir()];
  for (const d of candidates) {
    const socket = nodeContainerdSocket(d);
    if (existsSync(socket)) return socket;
  }
  throw new Error(
    `no running containerd node under ${candidates.join(' or ')}: start \`k8ts server\` or \`k8ts agent\` with the containerd runtime first (or pass --data-dir / --address)`,
  );
}

function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB'];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? String(v) : v.toFixed(v < 10 ? 2 : 1)}${units[u] ?? 'B'}`;
}

/** Rows of `k8ts images ls`: IMAGE, TAG, IMAGE ID (short), SIZE — one per tag, as crictl prints. */
export function imageRows(images: readonly { ref: string; repoTags: string[]; sizeBytes: number }[]): string[][] {
  const rows: string[][] = [];
  for (const img of images) {
    const id = img.ref.replace(/^sha256:/, '').slice(0, 13);
    const tags = img.repoTags.length > 0 ? img.repoTags : ['<none>:<none>'];
    for (const t of tags) {
      const colon = t.lastIndexOf(':');
      const slash = t.lastIndexOf('/');
      const [repo, tag] = colon > slash ? [t.slice(0, colon), t.slice(colon + 1)] : [t, '<none>'];
      rows.push([repo, tag, id, humanSize(img.sizeBytes)]);
    }
  }
  return rows.sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? '') || (a[1] ?? '').localeCompare(b[1] ?? ''));
}

function table(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 3))).join('')).join('\n') + '\n';
}

async function importArchives(socket: string, files: string[]): Promise<void> {
  const { ctr } = findPrerequisites();
  for (const f of files) {
    if (!existsSync(f)) throw new Error(`${f}: no such file`);
    try {
      const { stdout } = await run(ctr, ['--address', socket, '--namespace', 'k8s.io', 'images', 'import', f], { maxBuffer: 16 << 20 });
      const refs = [...stdout.matchAll(/unpacking (\S+)/g)].map((m) => m[1] ?? '');
      process.stdout.write(refs.length > 0 ? refs.map((r) => `imported ${r}\n`).join('') : `imported ${f}\n`);
    } catch (err) {
      const stderr = typeof err === 'object' && err !== null && 'stderr' in err ? String(err.stderr).trim() : String(err);
      throw new Error(`importing ${f} failed: ${stderr}`, { cause: err });
    }
  }
}

async function listImages(socket: string): Promise<void> {
  const runtime = new ContainerdRuntime({ endpoint: `unix://${socket}`, stateDir: join(socket, '..', 'k8ts-images'), callTimeoutMs: 10_000 });
  try {
    process.stdout.write(table(['IMAGE', 'TAG', 'IMAGE ID', 'SIZE'], imageRows(await runtime.listImages())));
  } finally {
    await runtime.close();
  }
}

export async function runImages(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { 'data-dir': { type: 'string' }, address: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    process.stderr.write(`k8ts images: ${err instanceof Error ? err.message : String(err)}\n\n${HELP}`);
    return 2;
  }
  const [command, ...rest] = parsed.positionals;
  if (parsed.values.help === true || command === undefined || command === 'help') {
    process.stdout.write(HELP);
    return command === undefined && parsed.values.help !== true ? 2 : 0;
  }
  try {
    if (command !== 'import' && command !== 'ls') throw new UsageError(`unknown command "${command}"`);
    if (command === 'import' && rest.length === 0) throw new UsageError('import needs at least one FILE.tar');
    if (command === 'ls' && rest.length > 0) throw new UsageError(`ls takes no arguments, not "${rest.join(' ')}"`);
    const socket = parsed.values.address ?? findSocket(parsed.values['data-dir']);
    if (command === 'import') await importArchives(socket, rest.map((f) => resolve(f)));
    else await listImages(socket);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`k8ts images: ${err.message}\n\n${HELP}`);
      return 2;
    }
    process.stderr.write(`k8ts images: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
