import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deepCopy } from './object.js';

test('deepCopy copies every level of a JSON tree; changing the copy leaves the original', () => {
  const original = { metadata: { labels: { app: 'web' }, finalizers: ['a'] }, spec: { containers: [{ name: 'c', ports: [{ containerPort: 80 }] }] }, n: 1, b: false, z: null };
  const copy = deepCopy(original);
  assert.deepEqual(copy, original);
  copy.metadata.labels.app = 'db';
  copy.metadata.finalizers.push('b');
  const port = copy.spec.containers[0]?.ports[0];
  assert.ok(port);
  port.containerPort = 8080;
  assert.deepEqual(original.metadata, { labels: { app: 'web' }, finalizers: ['a'] });
  assert.equal(original.spec.containers[0]?.ports[0]?.containerPort, 80);
});

test('deepCopy keeps a "__proto__" key as data and leaves the prototype alone', () => {
  const parsed = JSON.parse('{"a":{"__proto__":{"polluted":true}}}') as { a: Record<string, unknown> };
  const copy = deepCopy(parsed);
  assert.equal(Object.getPrototypeOf(copy.a), Object.prototype);
  assert.equal((copy.a as { polluted?: boolean }).polluted, undefined);
  assert.deepEqual(Object.keys(copy.a), ['__proto__']);
  assert.equal(JSON.stringify(copy), JSON.stringify(parsed));
});

test('deepCopy copies non-plain objects with structuredClone', () => {
  const when = new Date(0);
  const copy = deepCopy({ when, bytes: new Uint8Array([1, 2]) });
  assert.ok(copy.when instanceof Date);
  assert.notEqual(copy.when, when);
  assert.equal(copy.when.getTime(), 0);
  assert.deepEqual([...copy.bytes], [1, 2]);
});
