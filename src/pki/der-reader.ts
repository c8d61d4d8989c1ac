// A minimal DER reader (ITU-T X.690), the counterpart of der.ts: enough to walk certificates
// and PKCS#10 requests. Only definite lengths exist in DER; anything else is an error.

export interface DerNode {
  tag: number;
  /** The whole element (tag, length and content). */
  raw: Buffer;
  content: Buffer;
}

export class DerError extends Error {}

/** Reads the element starting at `offset`. */
export function readElement(buf: Buffer, offset = 0): { node: DerNode; next: number } {
  if (offset + 2 > buf.length) throw new DerError('truncated DER element');
  const tag = buf[offset] ?? 0;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte DER tags are not supported');
  let pos = offset + 1;
  const first = buf[pos++] ?? 0;
  let length = first;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) throw new DerError('unsupported DER length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (buf[pos++] ?? 0);
  }
  const end = pos + length;
  if (end > buf.length) throw new DerError('truncated DER element');
  return { node: { tag, raw: buf.subarray(offset, end), content: buf.subarray(pos, end) }, next: end };
}

/** Parses a buffer holding exactly one element. */
export function parseDer(buf: Buffer): DerNode {
  const { node, next } = readElement(buf, 0);
  if (next !== buf.length) throw new DerError('trailing bytes after DER element');
  return node;
}

/** The elements inside a constructed element (SEQUENCE, SET, [n] EXPLICIT). */
export function children(node: DerNode): DerNode[] {
  if (!(node.tag & 0x20)) throw new DerError(`tag 0x${node.tag.toString(16)} is not constructed`);
  const out: DerNode[] = [];
  for (let pos = 0; pos < node.content.length; ) {
    const { node: child, next } = readElement(node.content, pos);
    out.push(child);
    pos = next;
  }
  return out;
}

export function expectTag(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (!node || node.tag !== tag) throw new DerError(`expected ${what}`);
  return node;
}

export function decodeObjectIdentifier(node: DerNode): string {
  expectTag(node, 0x06, 'OBJECT IDENTIFIER');
  const bytes = node.content;
  const first = bytes[0] ?? 0;
  const parts = [Math.min(2, Math.floor(first / 40)), first - Math.min(2, Math.floor(first / 40)) * 40];
  let value = 0;
  for (let i = 1; i < bytes.length; i++) {
    const b = bytes[i] ?? 0;
    value = value * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

/** UTF8String, PrintableString, IA5String, T61String or BMPString as text. */
export function decodeString(node: DerNode): string {
  switch (node.tag) {
    case 0x0c:
    case 0x13:
    case 0x16:
      return node.content.toString('utf8');
    case 0x14:
      return node.content.toString('latin1');
    case 0x1e:
      return Buffer.from(node.content).swap16().toString('utf16le');
    default:
      throw new DerError(`tag 0x${node.tag.toString(16)} is not a string`);
  }
}

/** The bytes of a BIT STRING with no unused bits (keys and signatures). */
export function decodeBitString(node: DerNode): Buffer {
  expectTag(node, 0x03, 'BIT STRING');
  if (node.content[0] !== 0) throw new DerError('BIT STRING with unused bits');
  return node.content.subarray(1);
}
