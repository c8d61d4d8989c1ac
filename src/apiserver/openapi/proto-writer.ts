// A minimal protobuf (proto3) encoder: varints, length-delimited strings and nested messages,
// which is all the gnostic OpenAPI v2 messages need. Fields equal to their proto3 default are
// omitted, as protobuf encoders do.
//
// One growable buffer: a nested message is written in place after its tag, then shifted right
// by the size of its length prefix once that length is known (no per-message allocations).

const encoder = new TextEncoder();

function varintSize(value: number): number {
  let size = 1;
  for (let rest = value; rest >= 0x80; rest = Math.floor(rest / 0x80)) size++;
  return size;
}

export class ProtoWriter {
  private buffer = new Uint8Array(1 << 16);
  private length = 0;

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + extra) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }

  private varint(value: number): void {
    this.reserve(10);
    let rest = value;
    while (rest >= 0x80) {
      this.buffer[this.length++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.buffer[this.length++] = rest;
  }

  private tag(field: number, wireType: 0 | 2): void {
    this.varint(field * 8 + wireType);
  }

  private bytesField(field: number, value: string): void {
    this.tag(field, 2);
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    this.reserve(10 + value.length * 3);
    const start = this.length + varintSize(value.length * 3);
    const { written } = encoder.encodeInto(value, this.buffer.subarray(start));
    const prefix = varintSize(written);
    this.buffer.copyWithin(this.length + prefix, start, start + written);
    this.varint(written);
    this.length += written;
  }

  /** A `string` field; empty strings are the proto3 default and are skipped. */
  string(field: number, value: string | undefined): this {
    if (value !== undefined && value !== '') this.bytesField(field, value);
    return this;
  }

  /** Each value as one occurrence of a `repeated string` field (empty strings kept). */
  strings(field: number, values: readonly string[] | undefined): this {
    for (const value of values ?? []) this.bytesField(field, value);
    return this;
  }

  /** A `bool` field; false is the default and is skipped. */
  bool(field: number, value: boolean | undefined): this {
    if (value !== true) return this;
    this.tag(field, 0);
    this.varint(1);
    return this;
  }

  /** A nested message field whose content `write` appends (always emitted, even if empty). */
  message(field: number, write: (writer: this) => void): this {
    this.tag(field, 2);
    const start = this.length;
    write(this);
    const size = this.length - start;
    const prefix = varintSize(size);
    // Room for the prefix, and for varint() below never to reallocate (which would copy only
    // up to `start`).
    this.reserve(10);
    this.buffer.copyWithin(start + prefix, start, this.length);
    this.length = start;
    this.varint(size);
    this.length = start + prefix + size;
    return this;
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}
