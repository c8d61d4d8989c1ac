// A strict DNS message decoder (RFC 1035 §4.1): every count must be honoured, names are at most
// 255 octets of labels of at most 63, compression pointers must point strictly backwards (so
// they cannot loop), record data must be exactly as long as declared, and no bytes may follow
// the last record. Anything else is a DecodeError, which the server answers with FORMERR.
import { isIPv4, isIPv6 } from 'node:net';
import { rdataKind, type Header, type Message, type Question, type RData, type ResourceRecord } from './message.js';

export class DecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecodeError';
  }
}

const MAX_NAME_OCTETS = 255;

export function decodeHeader(buf: Uint8Array): Header {
  if (buf.length < 12) throw new DecodeError(`message of ${buf.length} bytes is shorter than a header`);
  const flags = (buf[2] as number) * 256 + (buf[3] as number);
  return {
    id: (buf[0] as number) * 256 + (buf[1] as number),
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    ad: (flags & 0x0020) !== 0,
    cd: (flags & 0x0010) !== 0,
    rcode: flags & 0xf,
  };
}

export function decodeMessage(bytes: Uint8Array): Message {
  const r = new Reader(bytes);
  const header = decodeHeader(bytes);
  r.pos = 4;
  const counts = [r.u16(), r.u16(), r.u16(), r.u16()] as const;
  const questions: Question[] = [];
  for (let i = 0; i < counts[0]; i++) questions.push({ name: r.name(), type: r.u16(), class: r.u16() });
  const section = (n: number): ResourceRecord[] => {
    const out: ResourceRecord[] = [];
    for (let i = 0; i < n; i++) out.push(r.record());
    return out;
  };
  const answers = section(counts[1]);
  const authorities = section(counts[2]);
  const additionals = section(counts[3]);
  if (r.pos !== bytes.length) throw new DecodeError(`${bytes.length - r.pos} bytes after the last record`);
  return { header, questions, answers, authorities, additionals };
}

class Reader {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new DecodeError(`message ends inside a field at byte ${this.pos}`);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++] as number;
  }

  u16(): number {
    this.need(2);
    const v = (this.buf[this.pos] as number) * 256 + (this.buf[this.pos + 1] as number);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return (b[p] as number) * 0x1000000 + (b[p + 1] as number) * 0x10000 + (b[p + 2] as number) * 0x100 + (b[p + 3] as number);
  }

  bytes(n: number): Uint8Array {
    this.need(n);
    const out = new Uint8Array(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  /** A possibly compressed name; leaves `pos` after its in-place part. */
  name(): string {
    const labels: string[] = [];
    let octets = 1;
    let p = this.pos;
    let end = -1;
    for (;;) {
      if (p >= this.buf.length) throw new DecodeError('message ends inside a name');
      const len = this.buf[p] as number;
      if (len === 0) {
        p += 1;
        break;
      }
      const top = len & 0xc0;
      if (top === 0xc0) {
        if (p + 1 >= this.buf.length) throw new DecodeError('message ends inside a compression pointer');
        const target = ((len & 0x3f) << 8) | (this.buf[p + 1] as number);
        if (target >= p) throw new DecodeError(`compression pointer at byte ${p} does not point backwards`);
        if (end < 0) end = p + 2;
        p = target;
        continue;
      }
      if (top !== 0) throw new DecodeError(`unsupported label type 0x${top.toString(16)} at byte ${p}`);
      if (p + 1 + len > this.buf.length) throw new DecodeError('message ends inside a label');
      octets += len + 1;
      if (octets > MAX_NAME_OCTETS) throw new DecodeError(`name longer than ${MAX_NAME_OCTETS} octets`);
      labels.push(escapeLabel(this.buf.subarray(p + 1, p + 1 + len)));
      p += 1 + len;
    }
    this.pos = end >= 0 ? end : p;
    return labels.join('.');
  }

  record(): ResourceRecord {
    const name = this.name();
    const type = this.u16();
    const klass = this.u16();
    const ttl = this.u32();
    const length = this.u16();
    this.need(length);
    const start = this.pos;
    const data = this.rdata(type, length);
    if (this.pos !== start + length) throw new DecodeError(`record data of type ${type} is ${this.pos - start} bytes, declared ${length}`);
    return { name, type, class: klass, ttl, data };
  }

  private rdata(type: number, length: number): RData {
    const kind = rdataKind(type);
    switch (kind) {
      case 'A': {
        if (length !== 4) throw new DecodeError(`A record data of ${length} bytes`);
        return { kind, address: Array.from(this.bytes(4)).join('.') };
      }
      case 'AAAA': {
        if (length !== 16) throw new DecodeError(`AAAA record data of ${length} bytes`);
        const b = this.bytes(16);
        const groups: string[] = [];
        for (let i = 0; i < 16; i += 2) groups.push((((b[i] as number) << 8) | (b[i + 1] as number)).toString(16));
        return { kind, address: compressIPv6(groups) };
      }
      case 'NAME':
        return { kind, target: this.name() };
      case 'SRV':
        return { kind, priority: this.u16(), weight: this.u16(), port: this.u16(), target: this.name() };
      case 'SOA':
        return { kind, mname: this.name(), rname: this.name(), serial: this.u32(), refresh: this.u32(), retry: this.u32(), expire: this.u32(), minimum: this.u32() };
      case 'RAW':
        return { kind, bytes: this.bytes(length) };
    }
  }
}

/** A label as zone-file text: `.` and `\` escaped, bytes outside printable ASCII as `\DDD`. */
function escapeLabel(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) {
    if (b === 0x2e || b === 0x5c) out += `\\${String.fromCharCode(b)}`;
    else if (b <= 0x20 || b >= 0x7f) out += `\\${String(b).padStart(3, '0')}`;
    else out += String.fromCharCode(b);
  }
  return out;
}

/** The RFC 5952 text form of eight hex groups: the longest run of two or more zero groups becomes "::". */
function compressIPv6(groups: string[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const text = best < 0 ? groups.join(':') : `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
  if (!isIPv6(text) && !isIPv4(text)) throw new DecodeError(`bad IPv6 address ${text}`);
  return text;
}
