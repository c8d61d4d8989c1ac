import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LimitRange, LimitRangeItem } from 'kubernetes-types/core/v1.js';
import { formatFieldError } from '../errors.js';
import { validateLimitRange } from './limit-range.js';

function messages(...limits: LimitRangeItem[]): string[] {
  const lr: LimitRange = { metadata: { name: 'lr', namespace: 'default' }, spec: { limits } };
  return validateLimitRange(lr).map(formatFieldError);
}

test('a consistent LimitRange is valid', () => {
  assert.deepEqual(messages(
    { type: 'Container', min: { cpu: '100m' }, max: { cpu: '2' }, default: { cpu: '1' }, defaultRequest: { cpu: '500m' }, maxLimitRequestRatio: { cpu: '4' } },
    { type: 'Pod', max: { memory: '2Gi' } },
    { type: 'PersistentVolumeClaim', max: { storage: '10Gi' } },
    { type: 'example.com/thing', max: { 'example.com/widgets': '3' } },
  ), []);
});

test('min, default request, default and max must be in order; the ratio between 1 and max/min', () => {
  assert.deepEqual(messages({ type: 'Container', min: { cpu: '2' }, max: { cpu: '1' } }), [
    'spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1',
  ]);
  assert.deepEqual(messages({ type: 'Container', max: { memory: '1Gi' }, default: { memory: '2Gi' }, defaultRequest: { memory: '3Gi' } }), [
    'spec.limits[0].defaultRequest[memory]: Invalid value: "3Gi": default request value 3Gi is greater than max value 1Gi',
    'spec.limits[0].defaultRequest[memory]: Invalid value: "3Gi": default request value 3Gi is greater than default limit value 2Gi',
    'spec.limits[0].default[memory]: Invalid value: "1Gi": default value 2Gi is greater than max value 1Gi',
  ]);
  assert.deepEqual(messages({ type: 'Container', maxLimitRequestRatio: { cpu: '500m' } }), [
    'spec.limits[0].maxLimitRequestRatio[cpu]: Invalid value: "500m": ratio 500m is less than 1',
  ]);
  assert.deepEqual(messages({ type: 'Container', min: { cpu: '1' }, max: { cpu: '2' }, maxLimitRequestRatio: { cpu: '3' } }), [
    'spec.limits[0].maxLimitRequestRatio[cpu]: Invalid value: "3": ratio 3 is greater than max/min = 2.000000',
  ]);
});

test('types: standard or qualified, once each; Pod items have no defaults; claim items bound storage', () => {
  assert.deepEqual(messages({ type: 'Node', max: { cpu: '1' } }), [
    'spec.limits[0].type: Invalid value: "Node": must be a standard limit type or fully qualified',
  ]);
  assert.deepEqual(messages({ type: 'Pod', max: { cpu: '1' } }, { type: 'Pod', max: { cpu: '2' } }), ['spec.limits[1].type: Duplicate value: "Pod"']);
  assert.deepEqual(messages({ type: 'Pod', default: { cpu: '1' } }), [
    "spec.limits[0].default: Forbidden: may not be specified when `type` is 'Pod'",
  ]);
  assert.deepEqual(messages({ type: 'PersistentVolumeClaim', max: { cpu: '1' } }), [
    'spec.limits[0].limits: Required value: either minimum or maximum storage value is required, but neither was provided',
  ]);
  assert.deepEqual(messages({ type: 'Container', max: { widgets: '1' } }), [
    'spec.limits[0].max[widgets]: Invalid value: "widgets": must be a standard resource for containers',
  ]);
});

test('resources that cannot be overcommitted need default and default request to be equal', () => {
  assert.deepEqual(messages({ type: 'Container', default: { 'example.com/gpu': '2' }, defaultRequest: { 'example.com/gpu': '1' } }), [
    'spec.limits[0].defaultRequest[example.com/gpu]: Invalid value: "1": default value 2 must equal to defaultRequest value 1 in example.com/gpu',
  ]);
});
