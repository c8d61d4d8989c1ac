// The protobuf wire format (https://protobuf.dev/programming-guides/encoding/): tags, varints,
// fixed 32/64-bit words and length-delimited byte runs. Only what Kubernetes' proto2 messages use;
// groups (wire types 3 and 4) are rejected because no Kubernetes message has them.
//
// The reader never reads past its end and never loops without consuming bytes: every malformed
// input ends in a WireError, which callers turn into an HTTP 400.

export const WireType = {
  Varint: 0,
  Fixed64: 1,
  LengthDelimited: 2,
  Fixed32: 5,
} as const;
export type WireType = (typeof WireType)[keyof typeof WireType];

export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireError';
  }
}

export interface Tag {
  fieldNumber: number;
  wireType: WireType;
}

const TWO_POW_32 = 2 ** 32;

export class WireReader {
  private pos = 0;

  constructor(private readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  readTag(): Tag {
    const key = this.readVarint();
    const fieldNumber = Math.floor(key / 8);
    const wireType = key % 8;
    if (fieldNumber < 1 || fieldNumber > 0x1fffffff) throw new WireError(`invalid field number ${fieldNumber}`);
    if (wireType !== 0 && wireType !== 1 && wireType !== 2 && wireType !== 5) {
      throw new WireError(`unsupported wire type ${wireType} for field ${fieldNumber}`);
    }
    return { fieldNumber, wireType };
  }

  /**
   * An unsigned varint of up to 64 bits as a number; values above 2^53 lose precision, which is
   * acceptable for Kubernetes' int64 fields (their JSON form is a float64 number in most clients).
   */
  readVarint(): number {
    const { lo, hi } = this.readVarint64();
    return hi * TWO_POW_32 + lo;
  }

  /** int32/int64 fields: negative values arrive as 10-byte two's-complement varints. */
  readSignedVarint(): number {
    const { lo, hi } = this.readVarint64();
    if (hi >= 0x80000000) {
      // Two's complement of the 64-bit value, then negate.
      const nlo = (~lo >>> 0) + 1;
      const nhi = (~hi >>> 0) + (nlo > 0xffffffff ? 1 : 0);
      return -((nhi >>> 0) * TWO_POW_32 + (nlo >>> 0));
    }
    return hi * TWO_POW_32 + lo;
  }

  private readVarint64(): { lo: number; hi: number } {
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) throw new WireError('truncated varint');
      const b = this.buf[this.pos++] ?? 0;
      const bits = b & 0x7f;
      if (i < 4) lo |= bits << (7 * i);
      else if (i === 4) {
        lo |= (bits & 0x0f) << 28;
        hi |= bits >> 4;
      } else hi |= bits << (7 * i - 32);
      if ((b & 0x80) === 0) return { lo: lo >>> 0, hi: hi >>> 0 };
    }
    throw new WireError('varint longer than 10 bytes');
  }

  readBytes(): Uint8Array {
    const len = this.readVarint();
    if (len > this.buf.length - this.pos) throw new WireError('length-delimited field runs past the end');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  readDouble(): number {
    if (this.buf.length - this.pos < 8) throw new WireError('truncated fixed64');
    const view = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8);
    this.pos += 8;
    return view.getFloat64(0, true);
  }

  /** Skips a field whose tag was just read; used for fields the schema does not know. */
  skip(wireType: WireType): void {
    switch (wireType) {
      case WireType.Varint:
        this.readVarint();
        return;
      case WireType.Fixed64:
        this.advance(8);
        return;
      case WireType.LengthDelimited:
        this.readBytes();
        return;
      case WireType.Fixed32:
        this.advance(4);
        return;
    }
  }

  private advance(n: number): void {
    if (this.buf.length - this.pos < n) throw new WireError('truncated fixed-width field');
    this.pos += n;
  }
}

/** Appends fields to a growing buffer; `finish()` returns the encoded bytes. */
export class WireWriter {
  private chunks: Uint8Array[] = [];
  private current = new Uint8Array(256);
  private pos = 0;

  tag(fieldNumber: number, wireType: WireType): this {
    return this.varint(fieldNumber * 8 + wireType);
  }

  /** Non-negative integers up to 2^53. */
  varint(value: number): this {
    let v = value;
    this.ensure(10);
    while (v >= 0x80) {
      this.current[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.current[this.pos++] = v;
    return this;
  }

  /** int32/int64: negative values as 10-byte two's complement, as Go and protoc do. */
  signedVarint(value: number): this {
    if (value >= 0) return this.varint(value);
    let v = BigInt.asUintN(64, BigInt(Math.trunc(value)));
    this.ensure(10);
    while (v >= 0x80n) {
      this.current[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.current[this.pos++] = Number(v);
    return this;
  }

  bytes(data: Uint8Array): this {
    this.varint(data.length);
    this.ensure(data.length);
    this.current.set(data, this.pos);
    this.pos += data.length;
    return this;
  }

  double(value: number): this {
    this.ensure(8);
    new DataView(this.current.buffer, this.pos, 8).setFloat64(0, value, true);
    this.pos += 8;
    return this;
  }

  finish(): Uint8Array {
    const all = [...this.chunks, this.current.subarray(0, this.pos)];
    const total = all.reduce((n, c) => n + c.length, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of all) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  private ensure(n: number): void {
    if (this.current.length - this.pos >= n) return;
    this.chunks.push(this.current.subarray(0, this.pos));
    this.current = new Uint8Array(Math.max(n, this.current.length * 2));
    this.pos = 0;
  }
}
