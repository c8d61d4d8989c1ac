import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WireError, WireReader, WireType, WireWriter } from './wire.js';

test('varints round-trip at their byte boundaries, negatives as 10-byte two’s complement', () => {
  const values = [0, 1, 127, 128, 300, 16383, 16384, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53 - 1];
  for (const v of values) {
    const r = new WireReader(new WireWriter().varint(v).finish());
    assert.equal(r.readVarint(), v);
    assert.ok(r.done);
  }
  for (const v of [-1, -5, -(2 ** 31), -(2 ** 40)]) {
    const bytes = new WireWriter().signedVarint(v).finish();
    assert.equal(bytes.length, 10);
    assert.equal(new WireReader(bytes).readSignedVarint(), v);
  }
  // -1 exactly as protoc encodes it.
  assert.deepEqual([...new WireWriter().signedVarint(-1).finish()], [255, 255, 255, 255, 255, 255, 255, 255, 255, 1]);
});

test('tags, length-delimited fields and doubles round-trip', () => {
  const w = new WireWriter()
    .tag(1, WireType.LengthDelimited)
    .bytes(new TextEncoder().encode('hi'))
    .tag(2, WireType.Fixed64)
    .double(-2.5)
    .tag(536870911, WireType.Varint)
    .varint(1);
  const r = new WireReader(w.finish());
  assert.deepEqual(r.readTag(), { fieldNumber: 1, wireType: WireType.LengthDelimited });
  assert.equal(new TextDecoder().decode(r.readBytes()), 'hi');
  assert.deepEqual(r.readTag(), { fieldNumber: 2, wireType: WireType.Fixed64 });
  assert.equal(r.readDouble(), -2.5);
  assert.deepEqual(r.readTag(), { fieldNumber: 536870911, wireType: WireType.Varint });
  assert.equal(r.readVarint(), 1);
  assert.ok(r.done);
});

test('the writer grows past its initial buffer', () => {
  const big = new Uint8Array(10_000).fill(7);
  const r = new WireReader(new WireWriter().tag(1, WireType.LengthDelimited).bytes(big).tag(2, WireType.Varint).varint(9).finish());
  r.readTag();
  assert.deepEqual(r.readBytes(), big);
  r.readTag();
  assert.equal(r.readVarint(), 9);
});

test('malformed input is a WireError', () => {
  const cases: [string, number[], (r: WireReader) => unknown][] = [
    ['truncated varint', [0x80], (r) => r.readVarint()],
    ['11-byte varint', Array(11).fill(0x80), (r) => r.readVarint()],
    ['length past the end', [5, 1, 2], (r) => r.readBytes()],
    ['field number 0', [0x02], (r) => r.readTag()],
    ['group wire type', [0x0b], (r) => r.readTag()],
    ['truncated double', [1, 2, 3], (r) => r.readDouble()],
    ['truncated fixed32 skip', [1, 2], (r) => r.skip(WireType.Fixed32)],
  ];
  for (const [name, bytes, read] of cases) {
    assert.throws(() => read(new WireReader(Uint8Array.from(bytes))), WireError, name);
  }
});
