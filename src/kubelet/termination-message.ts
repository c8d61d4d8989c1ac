// Container termination messages, as Kubernetes' kubelet gives them: each run of a container
// gets an empty, world-writable host file bind-mounted at its terminationMessagePath; once the
// container has exited, that file (its last 4096 bytes) becomes state.terminated.message. With
// policy FallbackToLogsOnError, a failed container that wrote nothing there gets the tail of its
// log instead (the last 80 lines, at most 2048 bytes). Reading never fails: a file that is
// missing or unreadable just gives no message.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeletContext } from './context.js';
import { ContainerConfigError } from './env.js';
import { parseCriLine } from './runtime/cri-log.js';
import type { ContainerStatus, Mount } from './runtime/runtime.js';
import { podDir } from './volumes/volume-manager.js';

/** Where the container sees the file, and which policy applies: kept on the runtime container. */
export const ANNOTATION_TERMINATION_MESSAGE_PATH = 'io.kubernetes.container.terminationMessagePath';
export const ANNOTATION_TERMINATION_MESSAGE_POLICY = 'io.kubernetes.container.terminationMessagePolicy';
/** The host file behind the mount (our ContainerStatus has no mounts to find it in). */
export const ANNOTATION_TERMINATION_MESSAGE_FILE = 'k8ts.io/termination-message-file';

export const MAX_MESSAGE_BYTES = 4096;
export const MAX_LOG_MESSAGE_BYTES = 2048;
export const MAX_LOG_MESSAGE_LINES = 80;
/** Enough of a CRI log's end to hold 80 records' prefixes plus 2048 bytes of text. */
const LOG_TAIL_READ_BYTES = 64 * 1024;

export interface TerminationMessageSetup {
  mounts: Mount[];
  annotations: Record<string, string>;
}

/**
 * Creates the host file for run `attempt` of `c` under `<podDir>/containers/<name>/` (a fresh
 * name each run, so a message never carries over) and removes the files of runs older than the
 * two the kubelet keeps. No mount when the container mounts a volume at that path itself.
 */
export async function setUpTerminationMessage(podDir: string, c: Container, attempt: number, volumeMounts: readonly Mount[]): Promise<TerminationMessageSetup> {
  const path = c.terminationMessagePath || '/dev/termination-log';
  const annotations: Record<string, string> = {
    [ANNOTATION_TERMINATION_MESSAGE_PATH]: path,
    [ANNOTATION_TERMINATION_MESSAGE_POLICY]: c.terminationMessagePolicy || 'File',
  };
  if (volumeMounts.some((m) => m.containerPath === path)) return { mounts: [], annotations };
  const dir = join(podDir, 'containers', c.name);
  await mkdir(dir, { recursive: true });
  for (const name of await readdir(dir)) {
    const run = Number(name.split('-')[0]);
    if (Number.isInteger(run) && run < attempt - 2) await rm(join(dir, name), { force: true });
  }
  const file = join(dir, `${attempt}-${randomBytes(4).toString('hex')}`);
  await (await open(file, 'w')).close();
  // Any user of the container must be able to write it; the umask would narrow a create mode.
  await chmod(file, 0o666);
  annotations[ANNOTATION_TERMINATION_MESSAGE_FILE] = file;
  // Optional: where the runtime would have to make the path on the node itself, the log fallback is what is left.
  return { mounts: [{ containerPath: path, hostPath: file, readOnly: false, optional: true }], annotations };
}

/**
 * The termination-message mount and annotations of one container run. Without volumes on disk
 * there is no file (the log fallback still works); a file that cannot be made fails the start
 * as CreateContainerConfigError.
 */
export async function terminationMessageFor(ctx: KubeletContext, pod: Pod, c: Container, attempt: number, mounts: readonly Mount[]): Promise<TerminationMessageSetup> {
  if (ctx.cfg.volumes !== 'disk') return { mounts: [], annotations: { [ANNOTATION_TERMINATION_MESSAGE_POLICY]: c.terminationMessagePolicy || 'File' } };
  try {
    return await setUpTerminationMessage(podDir(ctx.cfg.rootDir, pod.metadata?.uid ?? ''), c, attempt, mounts);
  } catch (err) {
    throw new ContainerConfigError(`cannot create the termination message file: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The last `max` bytes of a file; undefined when it cannot be read. */
async function readTail(path: string, max: number): Promise<{ data: Buffer; whole: boolean } | undefined> {
  try {
    const fh = await open(path, 'r');
    try {
      const { size } = await fh.stat();
      const start = Math.max(0, size - max);
      const data = Buffer.alloc(size - start);
      const { bytesRead } = await fh.read(data, 0, data.length, start);
      return { data: data.subarray(0, bytesRead), whole: start === 0 };
    } finally {
      await fh.close();
    }
  } catch {
    return undefined;
  }
}

/** Drops leading UTF-8 continuation bytes, so a cut never starts mid-character. */
function fromCharStart(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length && i < 3 && ((b[i] ?? 0) & 0xc0) === 0x80) i++;
  return b.subarray(i);
}

/**
 * The text of a CRI-format log: its last `maxLines` lines (a P…F run of records is one line),
 * then at most `maxBytes` from the end of that. Empty when the log cannot be read.
 */
export function logTailText(criLog: Buffer, whole: boolean, maxLines = MAX_LOG_MESSAGE_LINES, maxBytes = MAX_LOG_MESSAGE_BYTES): string {
  const records = criLog.toString('utf8').split('\n');
  if (!whole) records.shift(); // the read began inside a record
  const lines: string[] = [];
  let current = '';
  let open = false;
  for (const r of records) {
    const p = parseCriLine(r);
    if (!p) continue;
    current += p.content;
    open = true;
    if (p.tag === 'F') {
      lines.push(`${current}\n`);
      current = '';
      open = false;
    }
  }
  if (open) lines.push(current); // output that ended without a newline
  const text = Buffer.from(lines.slice(-maxLines).join(''), 'utf8');
  return fromCharStart(text.subarray(Math.max(0, text.length - maxBytes))).toString('utf8');
}

/** Reasons for a container that never ran: it has no log to fall back to. */
const NEVER_RAN = new Set(['StartError', 'ContainerCannotRun']);

/** The termination message of an exited container: its file, or the tail of its log. */
export async function readTerminationMessage(c: Pick<ContainerStatus, 'exitCode' | 'reason' | 'logPath' | 'annotations'>): Promise<string> {
  const file = c.annotations[ANNOTATION_TERMINATION_MESSAGE_FILE];
  const fromFile = file ? await readTail(file, MAX_MESSAGE_BYTES) : undefined;
  const text = fromFile ? fromCharStart(fromFile.data).toString('utf8') : '';
  if (text !== '') return text;
  const fallback = c.annotations[ANNOTATION_TERMINATION_MESSAGE_POLICY] === 'FallbackToLogsOnError' && c.exitCode !== 0 && !NEVER_RAN.has(c.reason);
  if (!fallback || !c.logPath) return '';
  const log = await readTail(c.logPath, LOG_TAIL_READ_BYTES);
  return log ? logTailText(log.data, log.whole) : '';
}

/** The runtime's own message (OOM, start errors …) joined with the container's, as Kubernetes does. */
export function joinMessages(runtime: string, container: string): string {
  if (!container) return runtime;
  return runtime ? `${runtime}: ${container}` : container;
}

/**
 * Exited containers with their termination message added, read once per container (an exited
 * container's file and log no longer change). Returns new objects: runtimes may cache theirs.
 * One per kubelet (container ids are unique within its runtime).
 */
export class TerminationMessages {
  private readonly cache = new Map<string, string>();

  constructor(private readonly maxEntries = 10_000) {}

  async apply(containers: ContainerStatus[]): Promise<ContainerStatus[]> {
    const exited = (c: ContainerStatus): boolean => c.state === 'exited' && c.annotations[ANNOTATION_TERMINATION_MESSAGE_POLICY] !== undefined;
    // Most observations find every container running: nothing to read, nothing to copy.
    if (!containers.some(exited)) return containers;
    return Promise.all(containers.map(async (c) => {
      if (!exited(c)) return c;
      let message = this.cache.get(c.id);
      if (message === undefined) {
        message = await readTerminationMessage(c);
        if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value ?? '');
        this.cache.set(c.id, message);
      }
      return message ? { ...c, message: joinMessages(c.message, message) } : c;
    }));
  }
}
