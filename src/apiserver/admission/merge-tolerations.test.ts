import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Toleration } from 'kubernetes-types/core/v1.js';
import { mergeTolerations, tolerationCovers } from './merge-tolerations.js';

const gpu: Toleration = { key: 'gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' };
const anyGpu: Toleration = { key: 'gpu', operator: 'Exists' };

test('both lists are kept, in order, when nothing overlaps', () => {
  const sandbox: Toleration = { key: 'sandbox', operator: 'Exists', effect: 'NoSchedule' };
  assert.deepEqual(mergeTolerations([gpu], [sandbox]), [gpu, sandbox]);
});

test('an equal toleration is kept once, the first one', () => {
  const same = { ...gpu };
  const merged = mergeTolerations([gpu], [same]);
  assert.equal(merged.length, 1);
  assert.equal(merged[0], gpu);
});

test('a toleration another one covers is dropped, wherever the wider one is', () => {
  assert.deepEqual(mergeTolerations([gpu], [anyGpu]), [anyGpu]);
  assert.deepEqual(mergeTolerations([anyGpu], [gpu]), [anyGpu]);
});

test('an empty key with Exists covers every key; an empty effect every effect', () => {
  assert.ok(tolerationCovers({ operator: 'Exists' }, gpu));
  assert.ok(tolerationCovers({ key: 'gpu', operator: 'Equal', value: 'true' }, gpu));
  assert.ok(!tolerationCovers({ key: 'gpu', operator: 'Equal', value: 'true', effect: 'NoExecute' }, gpu));
  assert.ok(!tolerationCovers({ key: 'other', operator: 'Exists' }, gpu));
});

test('a NoExecute toleration with a time limit covers only ones leaving no later', () => {
  const wide: Toleration = { key: 'k', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 };
  assert.ok(tolerationCovers(wide, { key: 'k', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }));
  assert.ok(!tolerationCovers(wide, { key: 'k', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 90 }));
  assert.ok(!tolerationCovers(wide, { key: 'k', operator: 'Exists', effect: 'NoExecute' }));
});

test('Equal covers only Equal with the same value', () => {
  assert.ok(!tolerationCovers(gpu, { ...gpu, value: 'false' }));
  assert.ok(!tolerationCovers(gpu, anyGpu));
});
