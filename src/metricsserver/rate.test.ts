import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goDuration, resourceUsage, type MetricsPoint } from './rate.js';

const at = (s: number, cpuNs: number | undefined, mem = 4096, extra: Partial<MetricsPoint> = {}): MetricsPoint => ({
  timestampMs: s * 1000,
  startTimeMs: 0,
  ...(cpuNs !== undefined ? { cumulativeCpuNs: cpuNs } : {}),
  workingSetBytes: mem,
  ...extra,
});

test('CPU is the increase of cumulative CPU time over the time between samples; memory the newer working set', () => {
  // 3 core-seconds used over 15 s: 0.2 cores.
  const u = resourceUsage(at(115, 5e9 + 3e9, 8192), at(100, 5e9, 4096));
  assert.deepEqual(u, { nanoCores: 200_000_000, workingSetBytes: 8192, timestampMs: 115_000, windowMs: 15_000 });
});

test('the rate is truncated to whole nanocores', () => {
  assert.equal(resourceUsage(at(103, 1000), at(100, 0))?.nanoCores, 333);
});

test('without cumulative figures the kubelet rate of the newer sample is used', () => {
  const u = resourceUsage(at(110, undefined, 1024, { nanoCores: 1234.7 }), at(100, undefined, 1024, { nanoCores: 99 }));
  assert.equal(u?.nanoCores, 1234);
  assert.equal(u?.windowMs, 10_000);
});

test('no usage when the counter went down, no time passed, or there is no CPU figure', () => {
  assert.equal(resourceUsage(at(115, 10), at(100, 20)), undefined);
  assert.equal(resourceUsage(at(100, 20), at(100, 10)), undefined);
  assert.equal(resourceUsage(at(115, undefined), at(100, undefined)), undefined);
});

test('windows print as Go durations', () => {
  assert.equal(goDuration(15_000), '15s');
  assert.equal(goDuration(15_500), '15.5s');
  assert.equal(goDuration(60_500), '1m0.5s');
  assert.equal(goDuration(3_725_000), '1h2m5s');
  assert.equal(goDuration(500), '500ms');
  assert.equal(goDuration(0), '0s');
});
