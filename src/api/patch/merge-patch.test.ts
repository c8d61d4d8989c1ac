import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyMergePatch, mergeValue } from './merge-patch.js';

// RFC 7396 appendix A: [original, patch, result].
const examples: [unknown, unknown, unknown][] = [
  [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
  [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
  [{ a: 'b' }, { a: null }, {}],
  [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
  [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
  [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
  [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
  [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
  [['a', 'b'], ['c', 'd'], ['c', 'd']],
  [{ a: 'b' }, ['c'], ['c']],
  [{ a: 'foo' }, null, null],
  [{ a: 'foo' }, 'bar', 'bar'],
  [{ e: null }, { a: 1 }, { e: null, a: 1 }],
  [[1, 2], { a: 'b', c: null }, { a: 'b' }],
  [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
];

test('RFC 7396 appendix A examples', () => {
  for (const [original, patch, result] of examples) {
    assert.deepEqual(mergeValue(original, patch), result, JSON.stringify({ original, patch }));
  }
});

test('kubectl scale sends a merge patch of spec.replicas; inputs are not mutated', () => {
  const doc = { spec: { replicas: 1, template: { spec: { containers: [{ name: 'c' }] } } } };
  const before = structuredClone(doc);
  const out = applyMergePatch(doc, { spec: { replicas: 3 } }) as typeof doc;
  assert.deepEqual(out, { spec: { replicas: 3, template: { spec: { containers: [{ name: 'c' }] } } } });
  assert.deepEqual(doc, before);
  out.spec.template.spec.containers.push({ name: 'd' });
  assert.deepEqual(doc, before);
});

test('a merge patch body must be an object (400)', () => {
  assert.throws(() => applyMergePatch({}, ['x']), { code: 400, reason: 'BadRequest' });
});
