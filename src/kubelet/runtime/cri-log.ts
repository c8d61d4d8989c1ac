// The CRI container log format that kubelet's `logs` endpoint reads back:
//   2026-01-01T00:00:00.000000000Z stdout F <content>
// One record per line of output. A line longer than the runtime's buffer is cut into
// records tagged P (partial) followed by a final F record; concatenating the contents of
// P…F records restores the original line. Output that ends without a newline is written as
// a final P record when the stream ends (as containerd 1.6 does), so no newline is invented.

export type LogStream = 'stdout' | 'stderr';
export type LogTag = 'P' | 'F';

export interface CriRecord {
  tag: LogTag;
  content: Buffer;
}

export interface ParsedCriLine {
  time: string;
  stream: LogStream;
  tag: LogTag;
  content: string;
}

/** containerd's line buffer size: longer lines are split into P records. */
export const MAX_LOG_LINE_BYTES = 16 * 1024;

/** RFC 3339 with nine fractional digits (the runtimes' clocks have ms resolution). */
export function formatCriTimestamp(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}000000Z`;
}

export function formatCriRecord(ms: number, stream: LogStream, record: CriRecord): Buffer {
  return Buffer.concat([
    Buffer.from(`${formatCriTimestamp(ms)} ${stream} ${record.tag} `),
    record.content,
    Buffer.from('\n'),
  ]);
}

const CRI_LINE = /^(\S+) (stdout|stderr) ([PF]) (.*)$/s;

export function parseCriLine(line: string): ParsedCriLine | undefined {
  const m = CRI_LINE.exec(line);
  if (!m) return undefined;
  return { time: m[1] ?? '', stream: m[2] as LogStream, tag: m[3] as LogTag, content: m[4] ?? '' };
}

/**
 * Cuts one output stream into CRI records. Bytes after the last newline are held until the
 * newline arrives, the buffer reaches `maxLineBytes` (→ P record) or the stream ends.
 */
export class CriLineSplitter {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly maxLineBytes = MAX_LOG_LINE_BYTES) {}

  push(chunk: Uint8Array): CriRecord[] {
    const out: CriRecord[] = [];
    let data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : Buffer.from(chunk);
    for (;;) {
      const nl = data.indexOf(0x0a);
      if (nl >= 0 && nl <= this.maxLineBytes) {
        out.push({ tag: 'F', content: data.subarray(0, nl) });
        data = data.subarray(nl + 1);
      } else if (data.length >= this.maxLineBytes) {
        out.push({ tag: 'P', content: data.subarray(0, this.maxLineBytes) });
        data = data.subarray(this.maxLineBytes);
      } else {
        break;
      }
    }
    this.pending = Buffer.from(data);
    return out;
  }

  /** The stream ended: whatever is held becomes a partial record (it had no newline). */
  end(): CriRecord[] {
    if (this.pending.length === 0) return [];
    const content = this.pending;
    this.pending = Buffer.alloc(0);
    return [{ tag: 'P', content }];
  }

  /** Bytes received but not yet written as a record. */
  get pendingBytes(): number {
    return this.pending.length;
  }
}
