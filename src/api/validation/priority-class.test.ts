import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import { formatFieldError } from '../errors.js';
import { validatePriorityClass, validatePriorityClassUpdate } from './priority-class.js';

function pc(name: string, value: number, extra: Partial<PriorityClass> = {}): PriorityClass {
  return { metadata: { name }, value, ...extra };
}

const create = (c: PriorityClass): string[] => validatePriorityClass(c).map(formatFieldError);

test('user classes: value at most 1000000000; the system- prefix only for the system classes as defined', () => {
  assert.deepEqual(create(pc('high', 1_000_000_000)), []);
  assert.deepEqual(create(pc('high', 1_000_000_001)), ['value: Forbidden: maximum allowed value of a user defined priority is 1000000000']);
  assert.deepEqual(create(pc('system-node-critical', 2_000_001_000)), []);
  assert.deepEqual(create(pc('system-mine', 10)), [
    "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class",
  ]);
  assert.deepEqual(create(pc('system-cluster-critical', 5)), [
    "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: value of system-cluster-critical PriorityClass must be 2000000000",
  ]);
  assert.deepEqual(create(pc('system-cluster-critical', 2_000_000_000, { globalDefault: true })), [
    "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: globalDefault of system-cluster-critical PriorityClass must be false",
  ]);
  assert.deepEqual(create(pc('high', 1, { preemptionPolicy: 'Sometimes' })), [
    'preemptionPolicy: Unsupported value: "Sometimes": supported values: "PreemptLowerPriority", "Never"',
  ]);
});

test('value and preemptionPolicy are immutable; other fields may change', () => {
  const old = pc('high', 10, { preemptionPolicy: 'Never' });
  assert.deepEqual(validatePriorityClassUpdate(pc('high', 10, { preemptionPolicy: 'Never', description: 'new' }), old).map(formatFieldError), []);
  assert.deepEqual(validatePriorityClassUpdate(pc('high', 11, { preemptionPolicy: 'PreemptLowerPriority' }), old).map(formatFieldError), [
    'value: Forbidden: may not be changed in an update.',
    'preemptionPolicy: Invalid value: "PreemptLowerPriority": field is immutable',
  ]);
});
