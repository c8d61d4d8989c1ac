import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { complexDeployment, complexPod, complexService } from './fixtures/complex-objects.js';
import { expectedObjects, fixtureNames } from './fixtures/expected.js';
import { decodeProtobufObject, encodeProtobufObject } from './protobuf.js';
import { WireType, WireWriter } from './wire.js';

const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(import.meta.dirname, 'fixtures', `${name}.kubectl-1.33.pb`)));

const utf8 = new TextEncoder();

/** magic + runtime.Unknown around `raw`, built by hand so the envelope itself is under test. */
function envelope(apiVersion: string, kind: string, raw: Uint8Array, contentEncoding = ''): Uint8Array {
  const typeMeta = new WireWriter().tag(1, WireType.LengthDelimited).bytes(utf8.encode(apiVersion));
  typeMeta.tag(2, WireType.LengthDelimited).bytes(utf8.encode(kind));
  const unknown = new WireWriter().tag(1, WireType.LengthDelimited).bytes(typeMeta.finish());
  unknown.tag(2, WireType.LengthDelimited).bytes(raw);
  unknown.tag(3, WireType.LengthDelimited).bytes(utf8.encode(contentEncoding));
  return Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...unknown.finish()]);
}

function expectApiError(fn: () => unknown, reason: ApiError['reason']): ApiError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ApiError, `expected an ApiError, got ${String(err)}`);
    assert.equal(err.reason, reason, err.message);
    return err;
  }
  assert.fail(`expected ApiError ${reason}`);
}

for (const name of fixtureNames) {
  test(`decodes the body kubectl 1.33 sent for ${name}`, () => {
    assert.deepEqual(decodeProtobufObject(fixture(name)), expectedObjects[name]);
  });
}

test('secret data arrives as base64 and replicas as a number', () => {
  const secret = decodeProtobufObject(fixture('secret'));
  assert.deepEqual(secret.data, { k: Buffer.from('v').toString('base64') });
  const deployment = decodeProtobufObject(fixture('deployment'));
  assert.equal((deployment.spec as { replicas: number }).replicas, 3);
});

test('re-encoding a decoded kubectl body decodes to the same object', () => {
  for (const name of fixtureNames) {
    const obj = decodeProtobufObject(fixture(name));
    assert.deepEqual(decodeProtobufObject(encodeProtobufObject(obj)), obj, name);
  }
});

test('complex objects survive encode → decode unchanged', () => {
  for (const obj of [complexPod, complexDeployment, complexService]) {
    assert.deepEqual(decodeProtobufObject(encodeProtobufObject(obj)), obj, obj.kind);
  }
});

test('explicit zeros of pointer fields survive, zeros of plain fields are dropped', () => {
  const deployment: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd', generation: 0 },
    spec: { replicas: 0, minReadySeconds: 0, paused: false, revisionHistoryLimit: 0 },
  };
  const decoded = decodeProtobufObject(encodeProtobufObject(deployment));
  assert.deepEqual(decoded, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd' },
    spec: { replicas: 0, revisionHistoryLimit: 0 },
  });
});

test('special JSON forms: IntOrString, Quantity, bytes maps, Time', () => {
  const service: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 's' },
    spec: { ports: [{ port: 80, targetPort: 8080 }, { name: 'h', port: 443, targetPort: 'https', nodePort: 30443 }], clusterIP: 'None' },
  };
  assert.deepEqual(decodeProtobufObject(encodeProtobufObject(service)), service);

  const binary = Buffer.from([0, 1, 2, 253, 254, 255]).toString('base64');
  const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '' }, binaryData: { b: binary }, immutable: false };
  assert.deepEqual(decodeProtobufObject(encodeProtobufObject(cm)), cm);

  // A Time message with an explicit 0 is the Unix epoch; an empty one is "unset".
  const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n', creationTimestamp: '1970-01-01T00:00:00Z' } };
  assert.deepEqual(decodeProtobufObject(encodeProtobufObject(ns)), ns);
});

test('repeated int32 decodes from both packed and unpacked encodings', () => {
  // batch/v1 Job{spec(2){podFailurePolicy(11){rules(1){action(1), onExitCodes(2){operator(2), values(3)}}}}}
  const onExitCodes = (values: WireWriter): Uint8Array =>
    values.tag(2, WireType.LengthDelimited).bytes(utf8.encode('In')).finish();
  const unpacked = new WireWriter();
  for (const v of [1, 2, 300]) unpacked.tag(3, WireType.Varint).varint(v);
  const packedValues = new WireWriter().varint(1).varint(2).varint(300).finish();
  const packed = new WireWriter().tag(3, WireType.LengthDelimited).bytes(packedValues);
  for (const codes of [onExitCodes(unpacked), onExitCodes(packed)]) {
    const rule = new WireWriter().tag(1, WireType.LengthDelimited).bytes(utf8.encode('FailJob'));
    rule.tag(2, WireType.LengthDelimited).bytes(codes);
    const policy = new WireWriter().tag(1, WireType.LengthDelimited).bytes(rule.finish()).finish();
    const spec = new WireWriter().tag(11, WireType.LengthDelimited).bytes(policy).finish();
    const job = new WireWriter().tag(2, WireType.LengthDelimited).bytes(spec).finish();
    assert.deepEqual(decodeProtobufObject(envelope('batch/v1', 'Job', job)), {
      apiVersion: 'batch/v1',
      kind: 'Job',
      spec: { podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [1, 2, 300] } }] } },
    });
  }
});

test('unknown fields are skipped', () => {
  const raw = new WireWriter()
    .tag(99, WireType.Varint)
    .varint(7)
    .tag(98, WireType.LengthDelimited)
    .bytes(utf8.encode('ignored'))
    .tag(97, WireType.Fixed64)
    .double(1.5)
    .tag(96, WireType.Fixed32);
  const bytes = Uint8Array.from([...raw.finish(), 1, 2, 3, 4]);
  assert.deepEqual(decodeProtobufObject(envelope('v1', 'ConfigMap', bytes)), { apiVersion: 'v1', kind: 'ConfigMap' });
});

test('a kind without a schema is 415 UnsupportedMediaType naming the kind', () => {
  const err = expectApiError(() => decodeProtobufObject(envelope('example.com/v1', 'Widget', new Uint8Array())), 'UnsupportedMediaType');
  assert.equal(err.code, 415);
  assert.match(err.message, /example\.com\/v1, Kind=Widget/);
  expectApiError(() => decodeProtobufObject(envelope('v1', 'Pod', new Uint8Array(), 'gzip')), 'UnsupportedMediaType');
  expectApiError(() => encodeProtobufObject({ apiVersion: 'example.com/v1', kind: 'Widget' }), 'NotAcceptable');
});

test('malformed bodies are 400 BadRequest', () => {
  expectApiError(() => decodeProtobufObject(new Uint8Array()), 'BadRequest');
  expectApiError(() => decodeProtobufObject(utf8.encode('{"kind":"Pod"}')), 'BadRequest');
  const deployment = fixture('deployment');
  const err = expectApiError(() => decodeProtobufObject(deployment.subarray(0, deployment.length - 3)), 'BadRequest');
  assert.equal(err.code, 400);
  // A string field sent as a varint.
  const wrongType = new WireWriter().tag(1, WireType.LengthDelimited).bytes(new WireWriter().tag(1, WireType.Varint).varint(5).finish());
  expectApiError(() => decodeProtobufObject(envelope('v1', 'Secret', wrongType.finish())), 'BadRequest');
});

test('encoding a value of the wrong shape is an InternalError, not a crash', () => {
  expectApiError(() => encodeProtobufObject({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: 'nope' } }), 'InternalError');
});

/** Deterministic PRNG (mulberry32) so a failing fuzz case can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function decodesOrApiError(body: Uint8Array, what: string): void {
  try {
    decodeProtobufObject(body);
  } catch (err) {
    assert.ok(err instanceof ApiError, `${what}: ${String(err)}`);
    assert.ok(err.code === 400 || err.code === 415, `${what}: code ${err.code}`);
  }
}

test('fuzz: truncations, bit flips and random bytes only ever yield ApiError', () => {
  const rand = prng(1234);
  const samples = [...fixtureNames.map(fixture), encodeProtobufObject(complexPod)];
  for (const [i, body] of samples.entries()) {
    for (let n = 0; n < body.length; n++) decodesOrApiError(body.subarray(0, n), `sample ${i} truncated to ${n}`);
    for (let k = 0; k < 300; k++) {
      const mutated = Uint8Array.from(body);
      for (let flips = 1 + Math.floor(rand() * 3); flips > 0; flips--) {
        const at = 4 + Math.floor(rand() * (mutated.length - 4));
        mutated[at] = (mutated[at] ?? 0) ^ (1 << Math.floor(rand() * 8));
      }
      decodesOrApiError(mutated, `sample ${i} mutation ${k}`);
    }
  }
  for (let k = 0; k < 2000; k++) {
    const body = Uint8Array.from({ length: Math.floor(rand() * 64) }, () => Math.floor(rand() * 256));
    decodesOrApiError(body, `random ${k}`);
    decodesOrApiError(Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...body]), `random with magic ${k}`);
  }
});
