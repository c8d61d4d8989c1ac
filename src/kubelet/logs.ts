// Container logs: rotation of the CRI-format files the runtime writes, and the reader the
// kubelet's HTTP endpoint serves `kubectl logs` from.
//
// File format (one record per line): `<RFC3339Nano time> <stdout|stderr> <P|F> <content>`,
// P = a partial line continued by the next record. Rotation copies `N.log` to
// `N.log.<yyyymmdd-hhmmss>` and truncates it (the runtime's writer appends, so it continues at
// the new end without reopening), keeping at most containerLogMaxFiles files per container.
import { createReadStream } from 'node:fs';
import { copyFile, readdir, rm, stat, truncate } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ContainerRuntime } from './runtime/runtime.js';

function stamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

/** Rotated siblings of `path`, oldest first. */
export async function rotatedFiles(path: string): Promise<string[]> {
  const dir = dirname(path);
  const prefix = `${basename(path)}.`;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  return names.filter((n) => n.startsWith(prefix) && /^\d{8}-\d{6}/.test(n.slice(prefix.length))).sort().map((n) => join(dir, n));
}

/** Rotates `path` when larger than maxSizeBytes; returns whether it did. */
export async function rotateContainerLogs(path: string, o: { maxSizeBytes: number; maxFiles: number; now: number }): Promise<boolean> {
  const st = await stat(path).catch(() => undefined);
  if (!st || st.size <= o.maxSizeBytes) return false;
  let target = `${path}.${stamp(o.now)}`;
  for (let n = 1; await stat(target).then(() => true, () => false); n++) target = `${path}.${stamp(o.now)}.${n}`;
  await copyFile(path, target);
  await truncate(path, 0);
  const rotated = await rotatedFiles(path);
  for (const old of rotated.slice(0, Math.max(0, rotated.length - (o.maxFiles - 1)))) await rm(old, { force: true });
  return true;
}

export interface LogReadOptions {
  follow?: boolean;
  /** Only the last N lines (of what exists when reading starts). */
  tailLines?: number;
  /** RFC 3339 time; earlier lines are skipped. */
  sinceTime?: string;
  /** Prefix each line with its RFC3339Nano time (9 fraction digits) and a space. */
  timestamps?: boolean;
  limitBytes?: number;
  /** While following: false once the container has exited, which ends the stream at EOF. */
  isRunning?: () => Promise<boolean>;
  /** How often a followed file is checked for growth. */
  pollMs?: number;
}

interface Record {
  time: string;
  partial: boolean;
  content: string;
}

export function parseCriLine(line: string): Record | undefined {
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  const c = line.indexOf(' ', b + 1);
  if (a < 0 || b < 0) return undefined;
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  return { time: line.slice(0, a), partial: tag.split(':')[0] === 'P', content: c < 0 ? '' : line.slice(c + 1) };
}

/** "…:05.5Z" → "…:05.500000000Z". */
function fixedNano(time: string): string {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (!m) return time;
  return `${m[1]}.${(m[2] ?? '').padEnd(9, '0').slice(0, 9)}${m[3]}`;
}

async function* linesOf(path: string, start: number, signal: AbortSignal): AsyncGenerator<{ line: string; end: number }> {
  const stream = createReadStream(path, { start, signal });
  let pos = start;
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    for await (const line of rl) {
      pos += Buffer.byteLength(line) + 1;
      yield { line, end: pos };
    }
  } catch (err) {
    if (!signal.aborted) throw err;
  } finally {
    // A reader that stops early (kubectl logs --limit-bytes) aborts `signal` after the loop has
    // let go of the interface: the stream's AbortError, which readline re-emits, must not become
    // an unhandled 'error' (it would end the process).
    const ignore = (): void => undefined;
    stream.on('error', ignore);
    rl.on('error', ignore);
    rl.close();
    stream.destroy();
  }
}

/** The records of `path` and its rotations (oldest first), as rendered text lines. */
export async function* readContainerLogs(path: string, o: LogReadOptions, signal: AbortSignal): AsyncIterable<Uint8Array> {
  const since = o.sinceTime ? Date.parse(o.sinceTime) : undefined;
  let budget = o.limitBytes ?? Infinity;
  let atLineStart = true;
  const render = (r: Record): string | undefined => {
    if (since !== undefined && Date.parse(r.time) < since) return undefined;
    const prefix = o.timestamps && atLineStart ? `${fixedNano(r.time)} ` : '';
    atLineStart = !r.partial;
    return `${prefix}${r.content}${r.partial ? '' : '\n'}`;
  };
  const emit = (text: string): Uint8Array | undefined => {
    if (budget <= 0) return undefined;
    let bytes = Buffer.from(text, 'utf8');
    if (bytes.length > budget) bytes = bytes.subarray(0, budget);
    budget -= bytes.length;
    return bytes;
  };

  const files = [...(await rotatedFiles(path)), path];
  let offset = 0;
  if (o.tailLines !== undefined) {
    // Keep the last N complete lines (a partial record belongs to the line it starts).
    const keep: Record[][] = [];
    let current: Record[] = [];
    for (const f of files) {
      if (!(await stat(f).then(() => true, () => false))) continue;
      for await (const { line, end } of linesOf(f, 0, signal)) {
        if (f === path) offset = end;
        const r = parseCriLine(line);
        if (!r) continue;
        current.push(r);
        if (!r.partial) {
          keep.push(current);
          current = [];
          if (keep.length > o.tailLines) keep.shift();
        }
      }
    }
    if (o.tailLines === 0) keep.length = 0;
    for (const group of keep) {
      for (const r of group) {
        const t = render(r);
        const b = t === undefined ? undefined : emit(t);
        if (b) yield b;
        if (budget <= 0) return;
      }
    }
  } else {
    for (const f of files) {
      const exists = await stat(f).then(() => true, () => false);
      if (!exists) continue;
      for await (const { line, end } of linesOf(f, 0, signal)) {
        if (f === path) offset = end;
        const r = parseCriLine(line);
        const t = r && render(r);
        const b = t === undefined ? undefined : emit(t);
        if (b) yield b;
        if (budget <= 0) return;
      }
    }
  }
  if (!o.follow) return;
  const poll = o.pollMs ?? 100;
  let exited = false;
  while (!signal.aborted && budget > 0) {
    const st = await stat(path).catch(() => undefined);
    if (st && st.size < offset) offset = 0; // truncated by rotation
    if (st && st.size > offset) {
      for await (const { line, end } of linesOf(path, offset, signal)) {
        if (end > st.size) break; // an unterminated last line: read it once complete
        offset = end;
        const r = parseCriLine(line);
        const t = r && render(r);
        const b = t === undefined ? undefined : emit(t);
        if (b) yield b;
        if (budget <= 0) return;
      }
      continue;
    }
    if (exited) return;
    // A container's last output can reach the file together with its exit: read once more.
    if (o.isRunning && !(await o.isRunning())) {
      exited = true;
      continue;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, poll);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
  }
}

/**
 * The log file of a pod's container as the runtime reports it: the newest attempt, or with
 * `previous` the one before it (Kubernetes' `--previous`).
 */
export async function containerLogPath(runtime: ContainerRuntime, podUid: string, containerName: string, o: { previous?: boolean } = {}): Promise<string | undefined> {
  const sandboxes = new Set((await runtime.listPodSandboxes()).filter((s) => s.uid === podUid).map((s) => s.id));
  const attempts = (await runtime.listContainers())
    .filter((c) => sandboxes.has(c.sandboxId) && c.name === containerName)
    .sort((a, b) => b.attempt - a.attempt || b.createdAt - a.createdAt);
  return attempts[o.previous ? 1 : 0]?.logPath;
}
