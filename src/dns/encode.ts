// The DNS message encoder (RFC 1035 §4.1), with name compression (§4.1.4) for owner names and
// the targets of NS/CNAME/PTR/SOA; SRV targets are written whole (RFC 2782).
import { isIPv4, isIPv6 } from 'node:net';
import type { Header, Message, RData, ResourceRecord } from './message.js';

export class EncodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EncodeError';
  }
}

/** Labels of a dotted name with zone-file escapes (`\.`, `\\`, `\DDD`) turned back into bytes. */
export function nameToLabels(name: string): Uint8Array[] {
  if (name === '' || name === '.') return [];
  const labels: Uint8Array[] = [];
  let cur: number[] = [];
  const text = name.endsWith('.') && !name.endsWith('\\.') ? name.slice(0, -1) : name;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2e) {
      labels.push(finishLabel(cur, name));
      cur = [];
    } else if (c === 0x5c) {
      const digits = text.slice(i + 1, i + 4);
      if (/^\d{3}$/.test(digits) && Number(digits) <= 255) {
        cur.push(Number(digits));
        i += 3;
      } else if (i + 1 < text.length) {
        cur.push(text.charCodeAt(++i));
      } else throw new EncodeError(`name ${JSON.stringify(name)} ends with a backslash`);
    } else if (c > 0xff) {
      throw new EncodeError(`name ${JSON.stringify(name)} holds a character outside Latin-1`);
    } else cur.push(c);
  }
  labels.push(finishLabel(cur, name));
  const octets = labels.reduce((n, l) => n + l.length + 1, 1);
  if (octets > 255) throw new EncodeError(`name ${JSON.stringify(name)} is longer than 255 octets`);
  return labels;
}

function finishLabel(bytes: number[], name: string): Uint8Array {
  if (bytes.length === 0) throw new EncodeError(`name ${JSON.stringify(name)} has an empty label`);
  if (bytes.length > 63) throw new EncodeError(`name ${JSON.stringify(name)} has a label longer than 63 octets`);
  return Uint8Array.from(bytes);
}

class Writer {
  private buf = Buffer.alloc(512);
  len = 0;
  /** Lower-cased name suffix → offset where it was written. */
  private readonly names = new Map<string, number>();

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.len++] = v & 0xff;
  }

  u16(v: number): void {
    this.room(2);
    this.buf.writeUInt16BE(v & 0xffff, this.len);
    this.len += 2;
  }

  u32(v: number): void {
    this.room(4);
    this.buf.writeUInt32BE(v >>> 0, this.len);
    this.len += 4;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  setU16(at: number, v: number): void {
    this.buf.writeUInt16BE(v, at);
  }

  name(name: string, options: { compress: boolean }): void {
    const labels = nameToLabels(name);
    for (let i = 0; i < labels.length; i++) {
      const key = labels.slice(i).map((l) => Buffer.from(l).toString('latin1').toLowerCase()).join('.');
      const at = options.compress ? this.names.get(key) : undefined;
      if (at !== undefined) {
        this.u16(0xc000 | at);
        return;
      }
      if (this.len < 0x4000 && !this.names.has(key)) this.names.set(key, this.len);
      const label = labels[i] as Uint8Array;
      this.u8(label.length);
      this.bytes(label);
    }
    this.u8(0);
  }

  result(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

function headerFlags(h: Header): number {
  return (
    (h.qr ? 0x8000 : 0) |
    ((h.opcode & 0xf) << 11) |
    (h.aa ? 0x0400 : 0) |
    (h.tc ? 0x0200 : 0) |
    (h.rd ? 0x0100 : 0) |
    (h.ra ? 0x0080 : 0) |
    (h.ad ? 0x0020 : 0) |
    (h.cd ? 0x0010 : 0) |
    (h.rcode & 0xf)
  );
}

export function encodeMessage(m: Message): Buffer {
  const w = new Writer();
  w.u16(m.header.id);
  w.u16(headerFlags(m.header));
  for (const n of [m.questions.length, m.answers.length, m.authorities.length, m.additionals.length]) w.u16(n);
  for (const q of m.questions) {
    w.name(q.name, { compress: true });
    w.u16(q.type);
    w.u16(q.class);
  }
  for (const rr of [...m.answers, ...m.authorities, ...m.additionals]) writeRecord(w, rr);
  return w.result();
}

function writeRecord(w: Writer, rr: ResourceRecord): void {
  w.name(rr.name, { compress: true });
  w.u16(rr.type);
  w.u16(rr.class);
  w.u32(rr.ttl);
  const lengthAt = w.len;
  w.u16(0);
  writeRData(w, rr.data);
  w.setU16(lengthAt, w.len - lengthAt - 2);
}

function writeRData(w: Writer, d: RData): void {
  switch (d.kind) {
    case 'A':
      if (!isIPv4(d.address)) throw new EncodeError(`A record with address ${JSON.stringify(d.address)}`);
      for (const o of d.address.split('.')) w.u8(Number(o));
      return;
    case 'AAAA':
      if (!isIPv6(d.address)) throw new EncodeError(`AAAA record with address ${JSON.stringify(d.address)}`);
      w.bytes(ipv6Bytes(d.address));
      return;
    case 'NAME':
      w.name(d.target, { compress: true });
      return;
    case 'SRV':
      w.u16(d.priority);
      w.u16(d.weight);
      w.u16(d.port);
      w.name(d.target, { compress: false });
      return;
    case 'SOA':
      w.name(d.mname, { compress: true });
      w.name(d.rname, { compress: true });
      for (const v of [d.serial, d.refresh, d.retry, d.expire, d.minimum]) w.u32(v);
      return;
    case 'RAW':
      w.bytes(d.bytes);
      return;
  }
}

function ipv6Bytes(address: string): Uint8Array {
  let text = address;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const o = v4[1].split('.').map(Number);
    text = text.slice(0, -v4[1].length) + `${(((o[0] ?? 0) << 8) | (o[1] ?? 0)).toString(16)}:${(((o[2] ?? 0) << 8) | (o[3] ?? 0)).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  return out;
}
