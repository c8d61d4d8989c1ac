import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecodeError, decodeMessage } from './decode.js';
import { EncodeError, encodeMessage } from './encode.js';
import { CLASS_IN, RRType, type Message } from './message.js';

function sample(): Message {
  return {
    header: { id: 0xbeef, qr: true, opcode: 0, aa: true, tc: false, rd: true, ra: true, ad: false, cd: false, rcode: 0 },
    questions: [{ name: 'web.default.svc.cluster.local', type: RRType.SRV, class: CLASS_IN }],
    answers: [
      { name: 'web.default.svc.cluster.local', type: RRType.SRV, class: CLASS_IN, ttl: 5, data: { kind: 'SRV', priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' } },
      { name: 'web.default.svc.cluster.local', type: RRType.CNAME, class: CLASS_IN, ttl: 5, data: { kind: 'NAME', target: 'x.default.svc.cluster.local' } },
    ],
    authorities: [
      { name: 'cluster.local', type: RRType.SOA, class: CLASS_IN, ttl: 5, data: { kind: 'SOA', mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 } },
    ],
    additionals: [
      { name: 'web.default.svc.cluster.local', type: RRType.A, class: CLASS_IN, ttl: 5, data: { kind: 'A', address: '10.43.0.10' } },
      { name: 'web.default.svc.cluster.local', type: RRType.AAAA, class: CLASS_IN, ttl: 5, data: { kind: 'AAAA', address: 'fd00::a:0:1' } },
      { name: 'odd\\.label\\000x.example', type: RRType.TXT, class: CLASS_IN, ttl: 60, data: { kind: 'RAW', bytes: Uint8Array.from([3, 97, 98, 99]) } },
      { name: '', type: RRType.OPT, class: 1232, ttl: 0, data: { kind: 'RAW', bytes: new Uint8Array(0) } },
    ],
  };
}

test('a message survives encode and decode; repeated names are compressed', () => {
  const m = sample();
  const bytes = encodeMessage(m);
  assert.deepEqual(decodeMessage(bytes), m);
  // The question name is written once; later owners point back at it.
  const text = bytes.toString('latin1');
  assert.equal(text.split('\x03web\x07default').length - 1, 2, 'question name plus the uncompressed SRV target');
});

test('the header bits are where RFC 1035 puts them', () => {
  const bytes = encodeMessage({ ...sample(), questions: [], answers: [], authorities: [], additionals: [] });
  assert.deepEqual([...bytes.subarray(0, 4)], [0xbe, 0xef, 0x85, 0x80]);
});

test('malformed messages are refused with a DecodeError', () => {
  const ok = encodeMessage({ ...sample(), answers: [], authorities: [], additionals: [] });
  const cases: [string, Buffer][] = [
    ['short header', Buffer.alloc(11)],
    ['count larger than content', Buffer.concat([ok.subarray(0, 4), Buffer.from([0, 2]), ok.subarray(6)])],
    ['trailing bytes', Buffer.concat([ok, Buffer.from([0])])],
    ['truncated name', ok.subarray(0, 20)],
    ['pointer to itself', Buffer.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1])],
    ['pointer forwards', Buffer.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 14, 0, 0, 1, 0, 1])],
    ['extended label type', Buffer.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x41, 0, 0, 1, 0, 1])],
    ['A record of 3 bytes', Buffer.from([0, 1, 0x80, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 5, 0, 3, 1, 2, 3])],
    ['record data shorter than declared', Buffer.from([0, 1, 0x80, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 5, 0, 1, 0, 0, 0, 5, 0, 3, 0])],
  ];
  for (const [what, bytes] of cases) assert.throws(() => decodeMessage(bytes), DecodeError, what);
  // A name over 255 octets, spelled with 63-octet labels.
  const label = [63, ...Array<number>(63).fill(97)];
  const long = Buffer.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, ...label, ...label, ...label, ...label, 0, 0, 1, 0, 1]);
  assert.throws(() => decodeMessage(long), /longer than 255/);
});

test('the encoder refuses names DNS cannot carry', () => {
  const q = (name: string): Message => ({ ...sample(), questions: [{ name, type: 1, class: 1 }], answers: [], authorities: [], additionals: [] });
  assert.throws(() => encodeMessage(q(`${'a'.repeat(64)}.example`)), EncodeError);
  assert.throws(() => encodeMessage(q('a..example')), EncodeError);
  assert.throws(() => encodeMessage(q(Array<string>(130).fill('ab').join('.'))), EncodeError);
});

/** A small deterministic PRNG so a failing fuzz case can be replayed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('fuzz: random and mutated packets either decode or raise DecodeError, and what decodes re-encodes', () => {
  const rand = prng(20240601);
  const seedBytes = encodeMessage(sample());
  let decoded = 0;
  for (let i = 0; i < 20_000; i++) {
    let bytes: Buffer;
    if (i % 2 === 0) {
      bytes = Buffer.from(seedBytes);
      const flips = 1 + Math.floor(rand() * 4);
      for (let f = 0; f < flips; f++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
      if (rand() < 0.2) bytes = bytes.subarray(0, Math.floor(rand() * bytes.length));
    } else {
      bytes = Buffer.from(Array.from({ length: Math.floor(rand() * 64) }, () => Math.floor(rand() * 256)));
      if (bytes.length >= 12 && rand() < 0.5) bytes.fill(0, 4, 12); // plausible counts
    }
    let m: Message;
    try {
      m = decodeMessage(bytes);
    } catch (err) {
      assert.ok(err instanceof DecodeError, `case ${i}: ${String(err)}`);
      continue;
    }
    decoded++;
    let again: Buffer;
    try {
      again = encodeMessage(m);
    } catch (err) {
      // Decoded text can hold what a name may not (e.g. label bytes that spell an escape); that is an EncodeError, never a crash.
      assert.ok(err instanceof EncodeError, `case ${i}: ${String(err)}`);
      continue;
    }
    assert.deepEqual(decodeMessage(again), m, `case ${i}`);
  }
  assert.ok(decoded > 100, `only ${decoded} fuzz cases decoded`);
});
