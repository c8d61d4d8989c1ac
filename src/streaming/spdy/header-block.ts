// SPDY/3 name/value header blocks (draft 3.1, section 2.6.10): a 32-bit pair count, then for
// each pair a 32-bit length + lowercase name and a 32-bit length + value, where several values
// of one name are joined by NUL. Every block on a connection continues one zlib stream per
// direction, primed with the SPDY dictionary and sync-flushed at the end of each block.
import { createInflate, constants as zlibConstants, type Inflate } from 'node:zlib';
import { SPDY3_DICTIONARY } from './dictionary.js';
import { SpdyProtocolError } from './frames.js';

/** Header names (lowercase) to their values, in arrival order. */
export type HeaderMap = ReadonlyMap<string, readonly string[]>;

export function encodeNameValueBlock(headers: Iterable<readonly [string, string | readonly string[]]>): Buffer {
  const pairs: [Buffer, Buffer][] = [];
  const seen = new Set<string>();
  for (const [rawName, rawValue] of headers) {
    const name = rawName.toLowerCase();
    if (seen.has(name)) throw new RangeError(`duplicate header ${name}`);
    seen.add(name);
    const values = typeof rawValue === 'string' ? [rawValue] : rawValue;
    pairs.push([Buffer.from(name, 'utf8'), Buffer.from(values.join('\0'), 'utf8')]);
  }
  const size = 4 + pairs.reduce((n, [k, v]) => n + 8 + k.length + v.length, 0);
  const out = Buffer.alloc(size);
  let at = out.writeUInt32BE(pairs.length, 0);
  for (const [k, v] of pairs) {
    at = out.writeUInt32BE(k.length, at);
    at += k.copy(out, at);
    at = out.writeUInt32BE(v.length, at);
    at += v.copy(out, at);
  }
  return out;
}

export function decodeNameValueBlock(block: Buffer, streamId: number): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  const fail = (why: string): never => {
    throw new SpdyProtocolError(`malformed header block: ${why}`, streamId);
  };
  if (block.length < 4) fail('no pair count');
  const count = block.readUInt32BE(0);
  let at = 4;
  const field = (): string => {
    if (at + 4 > block.length) fail('truncated length');
    const len = block.readUInt32BE(at);
    at += 4;
    if (at + len > block.length) fail('truncated field');
    const s = block.toString('utf8', at, at + len);
    at += len;
    return s;
  };
  for (let i = 0; i < count; i++) {
    const name = field();
    const value = field();
    if (name === '') fail('empty name');
    if (headers.has(name.toLowerCase())) fail(`duplicate header ${name}`);
    headers.set(name.toLowerCase(), value.split('\0'));
  }
  return headers;
}

function adler32(data: Buffer): number {
  let a = 1;
  let b = 0;
  for (const byte of data) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

const DICTIONARY_ID = adler32(SPDY3_DICTIONARY);

/** A non-final stored deflate block (BTYPE 00), starting on a byte boundary. */
function storedBlock(data: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt16LE(data.length, 1);
  head.writeUInt16LE(~data.length & 0xffff, 3);
  return Buffer.concat([head, data]);
}

/**
 * The sending side of a connection's header compression context. It emits each block as
 * stored (uncompressed) deflate blocks inside one zlib stream that names the SPDY dictionary
 * (RFC 1950 FDICT): any zlib reader primed with the dictionary decodes it, it is synchronous,
 * and the blocks this side sends (stream replies, a few headers) are too small to gain from
 * compression.
 */
export class HeaderCompressor {
  private started = false;

  compress(block: Buffer): Buffer {
    const parts: Buffer[] = [];
    if (!this.started) {
      this.started = true;
      // CMF 0x78 (deflate, 32K window), FLG 0x20 (FDICT, fastest level; 0x7820 % 31 === 0).
      const head = Buffer.alloc(6);
      head.writeUInt8(0x78, 0);
      head.writeUInt8(0x20, 1);
      head.writeUInt32BE(DICTIONARY_ID, 2);
      parts.push(head);
    }
    for (let at = 0; at < block.length; at += 0xffff) parts.push(storedBlock(block.subarray(at, at + 0xffff)));
    // The sync-flush marker, an empty stored block: readers hand out what they have decoded
    // when they reach it (zlib Z_SYNC_FLUSH ends every block the same way).
    parts.push(storedBlock(Buffer.alloc(0)));
    return Buffer.concat(parts);
  }
}

/**
 * The receiving side of a connection's header compression context. Blocks must be passed in
 * arrival order; each resolves to its uncompressed bytes once zlib has consumed it. A failure
 * breaks the shared context, so it is a session error (stream id 0).
 */
export class HeaderDecompressor {
  private readonly inflate: Inflate;
  private output: Buffer[] = [];
  private failure: Error | undefined;
  private settle: (() => void) | undefined;
  private tail: Promise<unknown> = Promise.resolve();

  constructor() {
    this.inflate = createInflate({ dictionary: SPDY3_DICTIONARY });
    this.inflate.on('data', (chunk: Buffer) => this.output.push(chunk));
    // An inflate error destroys the stream and may skip the flush callback: settle here too.
    this.inflate.on('error', (err: Error) => {
      this.failure = err;
      this.settle?.();
    });
  }

  decompress(block: Buffer): Promise<Buffer> {
    const run = async (): Promise<Buffer> => {
      if (!this.failure) {
        await new Promise<void>((resolve) => {
          this.settle = resolve;
          this.inflate.write(block);
          this.inflate.flush(zlibConstants.Z_SYNC_FLUSH, () => resolve());
        });
        this.settle = undefined;
      }
      if (this.failure) throw new SpdyProtocolError(`header compression failed: ${this.failure.message}`);
      const out = Buffer.concat(this.output);
      this.output = [];
      return out;
    };
    const result = this.tail.then(run);
    this.tail = result.catch(() => undefined);
    return result;
  }

  close(): void {
    this.inflate.destroy();
  }
}
