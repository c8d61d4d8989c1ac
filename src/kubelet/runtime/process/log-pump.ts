// Turns a container's raw output files (the process appends to `stdout` and `stderr` in its
// state directory) into CRI log records at the container's log path, and feeds attached
// sessions. Raw files rather than pipes, so the container never blocks or dies of SIGPIPE
// while no runtime is running; a new runtime resumes from the offsets kept in pump.json.
// Records are stamped with the time they are pumped, at most one poll interval late.
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CriLineSplitter, formatCriRecord, type CriRecord, type LogStream } from '../cri-log.js';
import { readJson, writeJsonAtomic, type PumpOffsets } from './state.js';

const STREAMS: readonly LogStream[] = ['stdout', 'stderr'];
const CHUNK = 1 << 20;

export type OutputListener = (stream: LogStream, data: Uint8Array) => void;

export class LogPump {
  private readonly splitters: Record<LogStream, CriLineSplitter> = {
    stdout: new CriLineSplitter(),
    stderr: new CriLineSplitter(),
  };
  private readonly offsets: PumpOffsets;
  private readonly listeners = new Set<OutputListener>();

  constructor(
    private readonly containerDir: string,
    private readonly logPath: string,
    private readonly now: () => number,
  ) {
    const saved = readJson(join(containerDir, 'pump.json'));
    const o = (typeof saved === 'object' && saved !== null ? saved : {}) as Partial<PumpOffsets>;
    this.offsets = { stdout: o.stdout ?? 0, stderr: o.stderr ?? 0 };
  }

  /** Converts output written since the last call; `final` also flushes unterminated lines. */
  pump(options: { final: boolean }): void {
    let moved = false;
    for (const stream of STREAMS) {
      const records: CriRecord[] = [];
      const raw = join(this.containerDir, stream);
      if (existsSync(raw)) {
        const fd = openSync(raw, 'r');
        try {
          const size = fstatSync(fd).size;
          while (this.offsets[stream] < size) {
            const buf = Buffer.alloc(Math.min(CHUNK, size - this.offsets[stream]));
            const n = readSync(fd, buf, 0, buf.length, this.offsets[stream]);
            if (n <= 0) break;
            this.offsets[stream] += n;
            moved = true;
            const chunk = buf.subarray(0, n);
            records.push(...this.splitters[stream].push(chunk));
            for (const l of this.listeners) l(stream, chunk);
          }
        } finally {
          closeSync(fd);
        }
      }
      if (options.final) records.push(...this.splitters[stream].end());
      if (records.length > 0) this.append(stream, records);
    }
    if (moved || options.final) {
      writeJsonAtomic(join(this.containerDir, 'pump.json'), {
        stdout: this.offsets.stdout - this.splitters.stdout.pendingBytes,
        stderr: this.offsets.stderr - this.splitters.stderr.pendingBytes,
      });
    }
  }

  subscribe(listener: OutputListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private append(stream: LogStream, records: CriRecord[]): void {
    const ms = this.now();
    mkdirSync(dirname(this.logPath), { recursive: true });
    const fd = openSync(this.logPath, 'a');
    try {
      writeSync(fd, Buffer.concat(records.map((r) => formatCriRecord(ms, stream, r))));
    } finally {
      closeSync(fd);
    }
  }
}
