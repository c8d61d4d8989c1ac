import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { applyDefaults, validate } from '../strategy.js';
import { base64ErrorOffset } from './config.js';
import { resource, where } from './testing.js';

const configmaps = resource('', 'ConfigMap', { namespaced: true });
const secrets = resource('', 'Secret', { namespaced: true });

function obj(body: Record<string, unknown>): KubeObject {
  return { metadata: { name: 'cfg', namespace: 'default' }, ...body };
}

test('config map keys must be config keys', () => {
  assert.deepEqual(validate(configmaps, obj({ data: { 'app.properties': 'x', KEY_1: 'y' } })), []);
  const errs = validate(configmaps, obj({ data: { 'a b': 'x' } }));
  assert.deepEqual(where(errs), ['data[a b] FieldValueInvalid']);
  assert.equal(
    ApiError.invalid('ConfigMap', 'cfg', errs).message,
    `ConfigMap "cfg" is invalid: data[a b]: Invalid value: "a b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
  );
});

test('config maps: duplicate keys across data and binaryData, 1 MiB total', () => {
  assert.deepEqual(where(validate(configmaps, obj({ data: { k: 'x' }, binaryData: { k: 'eA==' } }))), [
    'data[k] FieldValueInvalid',
    'binaryData[k] FieldValueInvalid',
  ]);
  const errs = validate(configmaps, obj({ data: { big: 'x'.repeat(1024 * 1024 + 1) } }));
  assert.deepEqual(where(errs), [' FieldValueTooLong']);
  assert.equal(ApiError.invalid('ConfigMap', 'cfg', errs).message, 'ConfigMap "cfg" is invalid: : Too long: must have at most 1048576 bytes');
});

test('immutable config maps and secrets reject data changes', () => {
  const old = obj({ data: { a: 'x' }, immutable: true });
  const errs = validate(configmaps, obj({ data: { a: 'y' }, immutable: true }), old);
  assert.deepEqual(where(errs), ['data FieldValueForbidden']);
  assert.equal(ApiError.invalid('ConfigMap', 'cfg', errs).message, 'ConfigMap "cfg" is invalid: data: Forbidden: field is immutable when `immutable` is set');
  assert.deepEqual(where(validate(configmaps, obj({ data: { a: 'x' } }), old)), ['immutable FieldValueForbidden']);
  const oldSecret = obj({ type: 'Opaque', data: { a: 'eA==' }, immutable: true });
  assert.deepEqual(where(validate(secrets, obj({ type: 'Opaque', data: { a: 'eQ==' }, immutable: true }), oldSecret)), ['data FieldValueForbidden']);
});

test('secret data must be base64, as the JSON form carries it', () => {
  assert.equal(base64ErrorOffset('aGVsbG8='), undefined);
  assert.equal(base64ErrorOffset('aGVs\nbG8='), undefined);
  assert.equal(base64ErrorOffset('hello'), 4);
  assert.equal(base64ErrorOffset('ab!d'), 2);
  assert.equal(base64ErrorOffset('ab=d'), 3);
  const errs = validate(secrets, obj({ type: 'Opaque', data: { password: 'hello' } }));
  assert.deepEqual(where(errs), ['data[password] FieldValueInvalid']);
  assert.equal(errs[0]?.detail, 'illegal base64 data at input byte 4');
});

test('secret types require their keys', () => {
  const tls = validate(secrets, obj({ type: 'kubernetes.io/tls', data: {} }));
  assert.deepEqual(where(tls), ['data[tls.crt] FieldValueRequired', 'data[tls.key] FieldValueRequired']);
  assert.equal(ApiError.invalid('Secret', 'cfg', [tls[0]!]).message, 'Secret "cfg" is invalid: data[tls.crt]: Required value');
  assert.deepEqual(where(validate(secrets, obj({ type: 'kubernetes.io/dockerconfigjson', data: {} }))), ['data[.dockerconfigjson] FieldValueRequired']);
  assert.deepEqual(where(validate(secrets, obj({ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': 'bm90IGpzb24=' } }))), [
    'data[.dockerconfigjson] FieldValueInvalid',
  ]);
  assert.deepEqual(where(validate(secrets, obj({ type: 'kubernetes.io/basic-auth', data: {} }))), ['data[username] FieldValueRequired', 'data[password] FieldValueRequired']);
  assert.deepEqual(where(validate(secrets, obj({ type: 'kubernetes.io/service-account-token' }))), [
    'metadata.annotations[kubernetes.io/service-account.name] FieldValueRequired',
  ]);
});

test('secret type is immutable; stringData is folded into data by defaulting', () => {
  const s = obj({ stringData: { user: 'admin' } });
  applyDefaults(secrets, s);
  assert.deepEqual(s, { metadata: { name: 'cfg', namespace: 'default' }, type: 'Opaque', data: { user: 'YWRtaW4=' } });
  assert.deepEqual(validate(secrets, s), []);
  const errs = validate(secrets, obj({ type: 'kubernetes.io/ssh-auth', data: { 'ssh-privatekey': 'eA==' } }), s);
  assert.deepEqual(where(errs), ['type FieldValueInvalid']);
});
