import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareQuantities, formatQuantity, parseQuantity } from './quantity.js';

test('parseQuantity reads decimal, binary and exponent suffixes', () => {
  assert.equal(parseQuantity('100m'), 0.1);
  assert.equal(parseQuantity('1'), 1);
  assert.equal(parseQuantity('1.5'), 1.5);
  assert.equal(parseQuantity('1Ki'), 1024);
  assert.equal(parseQuantity('128Mi'), 128 * 1024 * 1024);
  assert.equal(parseQuantity('1G'), 1e9);
  assert.equal(parseQuantity('1e3'), 1000);
  assert.equal(parseQuantity('-2k'), -2000);
  assert.equal(parseQuantity('.5'), 0.5);
  assert.equal(parseQuantity('500u'), 0.0005);
});

test('parseQuantity rejects what Kubernetes rejects', () => {
  for (const bad of ['', 'abc', '1.2.3', '1Kb', '1 Mi', ' 1', 'Mi', '1ii', '--1']) assert.equal(parseQuantity(bad), undefined, bad);
});

test('formatQuantity gives the canonical form Kubernetes serializes', () => {
  const cases: [string, string][] = [
    ['1000m', '1'],
    ['0.5', '500m'],
    ['1.5', '1500m'],
    ['1024Mi', '1Gi'],
    ['0.5Gi', '512Mi'],
    ['1.5Ki', '1536'],
    ['2000', '2k'],
    ['1500', '1500'],
    ['100Mi', '100Mi'],
    ['1e3', '1e3'],
    ['0', '0'],
    ['0.0000000001', '1n'],
    ['-100m', '-100m'],
  ];
  for (const [input, canonical] of cases) assert.equal(formatQuantity(input), canonical, input);
});

test('compareQuantities compares exactly across formats', () => {
  assert.equal(compareQuantities('0.3', '300m'), 0);
  assert.equal(compareQuantities('1Gi', '1G'), 1);
  assert.equal(compareQuantities('500m', '1'), -1);
  assert.equal(compareQuantities('x', '1'), undefined);
});
