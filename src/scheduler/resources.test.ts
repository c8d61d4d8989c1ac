import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PodSpec } from 'kubernetes-types/core/v1.js';
import { parseMilli, parseValue, podRequests, DEFAULT_MEMORY_REQUEST } from './resources.js';

test('quantities parse to milli-CPU and bytes, rounding up', () => {
  assert.equal(parseMilli('250m'), 250);
  assert.equal(parseMilli('2'), 2000);
  assert.equal(parseMilli('0.5'), 500);
  assert.equal(parseMilli('1e3'), 1_000_000);
  assert.equal(parseMilli('100u'), 1);
  assert.equal(parseMilli('1n'), 1);
  assert.equal(parseValue('1Ki'), 1024);
  assert.equal(parseValue('1.5Gi'), 1.5 * 1024 ** 3);
  assert.equal(parseValue('1M'), 1_000_000);
  assert.equal(parseValue('1k'), 1000);
  assert.equal(parseValue('2T'), 2e12);
  assert.equal(parseValue('1Ei'), 1024 ** 6);
  assert.equal(parseValue('1P'), 1e15);
  assert.equal(parseValue('500m'), 1);
  assert.equal(parseValue('3'), 3);
  assert.equal(parseValue('12Q'), undefined);
});

test('pod requests: containers summed, init containers as a floor, sidecars added, overhead added', () => {
  const spec: PodSpec = {
    containers: [
      { name: 'a', resources: { requests: { cpu: '100m', memory: '100Mi', 'example.com/gpu': '1' } } },
      { name: 'b', resources: { requests: { cpu: '200m' } } },
    ],
    initContainers: [
      { name: 'sidecar', restartPolicy: 'Always', resources: { requests: { cpu: '50m' } } },
      { name: 'init', resources: { requests: { cpu: '1', memory: '50Mi' } } },
    ],
    overhead: { cpu: '10m' },
  };
  const r = podRequests(spec, { nonZero: false });
  // init step: 1000m + 50m sidecar = 1050m beats 100+200+50 = 350m; +10m overhead
  assert.equal(r.milliCPU, 1060);
  assert.equal(r.memory, 100 * 1024 * 1024);
  assert.equal(r.scalar.get('example.com/gpu'), 1);
});

test('non-zero requests default absent cpu/memory per container but keep explicit zeros', () => {
  const spec: PodSpec = { containers: [{ name: 'a' }, { name: 'b', resources: { requests: { cpu: '0' } } }] };
  const r = podRequests(spec, { nonZero: true });
  assert.equal(r.milliCPU, 100);
  assert.equal(r.memory, 2 * DEFAULT_MEMORY_REQUEST);
  assert.equal(podRequests(spec, { nonZero: false }).milliCPU, 0);
});
