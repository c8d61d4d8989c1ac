import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDeflate, constants as zlibConstants, inflateSync } from 'node:zlib';
import { SPDY3_DICTIONARY } from './dictionary.js';
import { encodeFrame, FrameReader, SpdyProtocolError, type Frame } from './frames.js';
import { decodeNameValueBlock, encodeNameValueBlock, HeaderCompressor, HeaderDecompressor } from './header-block.js';

test('the SPDY/3 dictionary has the length and opening words of the draft', () => {
  assert.equal(SPDY3_DICTIONARY.length, 1423);
  assert.equal(SPDY3_DICTIONARY.subarray(0, 11).toString('latin1'), '\0\0\0\x07options');
  assert.ok(SPDY3_DICTIONARY.toString('latin1').endsWith('utf-,*,enq=0.'));
});

test('every frame type survives encode and incremental parse, byte by byte', () => {
  const frames: Frame[] = [
    { type: 'data', streamId: 7, fin: true, data: Buffer.from('hello') },
    { type: 'synStream', streamId: 1, associatedStreamId: 0, priority: 3, fin: false, unidirectional: true, headerBlock: Buffer.from([1, 2, 3]) },
    { type: 'synReply', streamId: 1, fin: true, headerBlock: Buffer.from([9]) },
    { type: 'rstStream', streamId: 5, status: 5 },
    { type: 'settings', clear: false, settings: [{ id: 7, flags: 1, value: 1 << 20 }] },
    { type: 'ping', id: 3 },
    { type: 'goAway', lastGoodStreamId: 9, status: 0 },
    { type: 'headers', streamId: 3, fin: false, headerBlock: Buffer.alloc(0) },
    { type: 'windowUpdate', streamId: 0, delta: 65536 },
  ];
  const wire = Buffer.concat(frames.map(encodeFrame));
  const reader = new FrameReader();
  const out: Frame[] = [];
  for (const byte of wire) {
    reader.push(Buffer.from([byte]));
    for (let f = reader.next(); f; f = reader.next()) out.push(f);
  }
  assert.deepEqual(out, frames);
});

test('a control frame of an undefined type is surfaced as unknown; a bad version is a protocol error', () => {
  const unknown = Buffer.from([0x80, 0x03, 0x00, 0x0a, 0, 0, 0, 2, 0xaa, 0xbb]);
  const reader = new FrameReader();
  reader.push(unknown);
  assert.deepEqual(reader.next(), { type: 'unknown', controlType: 10 });
  const badVersion = Buffer.from([0x80, 0x02, 0x00, 0x06, 0, 0, 0, 4, 0, 0, 0, 1]);
  reader.push(badVersion);
  assert.throws(() => reader.next(), SpdyProtocolError);
});

test('a malformed fixed-size control frame is a protocol error', () => {
  const reader = new FrameReader();
  reader.push(Buffer.from([0x80, 0x03, 0x00, 0x03, 0, 0, 0, 4, 0, 0, 0, 1]));
  assert.throws(() => reader.next(), /RST_STREAM frame has length 4/);
});

test('name/value blocks carry lowercase names and NUL-joined values', () => {
  const block = encodeNameValueBlock([
    ['StreamType', 'error'],
    ['x', ['a', 'b']],
  ]);
  const decoded = decodeNameValueBlock(block, 1);
  assert.deepEqual([...decoded], [
    ['streamtype', ['error']],
    ['x', ['a', 'b']],
  ]);
  assert.throws(() => decodeNameValueBlock(block.subarray(0, block.length - 1), 1), SpdyProtocolError);
});

test('our header compression context is readable by a zlib reader primed with the dictionary', () => {
  const c = new HeaderCompressor();
  const blocks = [encodeNameValueBlock([['port', '80']]), encodeNameValueBlock([]), Buffer.alloc(70_000, 1)];
  const wire = Buffer.concat(blocks.map((b) => c.compress(b)));
  const out = inflateSync(wire, { dictionary: SPDY3_DICTIONARY, finishFlush: zlibConstants.Z_SYNC_FLUSH });
  assert.deepEqual(out, Buffer.concat(blocks));
});

test('a peer context (real deflate with the dictionary, sync-flushed per block) decodes block by block', async () => {
  const deflate = createDeflate({ dictionary: SPDY3_DICTIONARY, level: 9 });
  const compressed: Buffer[] = [];
  deflate.on('data', (d: Buffer) => compressed.push(d));
  const compressBlock = (b: Buffer): Promise<Buffer> =>
    new Promise((resolve) => {
      deflate.write(b);
      deflate.flush(zlibConstants.Z_SYNC_FLUSH, () => resolve(Buffer.concat(compressed.splice(0))));
    });
  const d = new HeaderDecompressor();
  for (let i = 0; i < 20; i++) {
    const block = encodeNameValueBlock([
      ['streamtype', i % 2 ? 'data' : 'error'],
      ['port', '80'],
      ['requestid', String(i)],
    ]);
    const wire = await compressBlock(block);
    assert.deepEqual(decodeNameValueBlock(await d.decompress(wire), 1).get('requestid'), [String(i)]);
  }
  d.close();
  deflate.destroy();
});

test('garbage in the header context is a session error, not a crash', async () => {
  const d = new HeaderDecompressor();
  await assert.rejects(d.decompress(Buffer.from('not zlib at all')), SpdyProtocolError);
  await assert.rejects(d.decompress(Buffer.from([1, 2])), SpdyProtocolError);
  d.close();
});

test('each header block we send ends with the sync-flush marker (regression: Go readers stalled on the second block)', () => {
  const c = new HeaderCompressor();
  const first = c.compress(encodeNameValueBlock([]));
  const second = c.compress(encodeNameValueBlock([]));
  const marker = Buffer.from([0, 0, 0, 0xff, 0xff]);
  assert.deepEqual(first.subarray(-5), marker);
  assert.deepEqual(second.subarray(-5), marker);
  assert.equal(second[0], 0, 'later blocks continue the stream without a new zlib header');
});
