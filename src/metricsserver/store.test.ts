import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyBatch, podKey, type MetricsBatch } from './batch.js';
import type { MetricsPoint } from './rate.js';
import { MetricsStore } from './store.js';

const RESOLUTION = 15_000;
const point = (s: number, cpuNs: number, o: { start?: number; mem?: number } = {}): MetricsPoint => ({
  timestampMs: s * 1000,
  startTimeMs: (o.start ?? 0) * 1000,
  cumulativeCpuNs: cpuNs,
  workingSetBytes: o.mem ?? 1024,
});

function batch(nodes: Record<string, MetricsPoint>, pods: Record<string, Record<string, MetricsPoint>> = {}): MetricsBatch {
  const b = emptyBatch();
  for (const [n, p] of Object.entries(nodes)) b.nodes.set(n, p);
  for (const [k, cs] of Object.entries(pods)) b.pods.set(k, new Map(Object.entries(cs)));
  return b;
}

test('a node has no metrics after one sample and has them after two; only the last two count', () => {
  const s = new MetricsStore(RESOLUTION);
  assert.equal(s.ready, false);
  s.store(batch({ n1: point(100, 0) }));
  assert.equal(s.ready, true);
  assert.equal(s.node('n1'), undefined);
  s.store(batch({ n1: point(115, 15e9) }));
  assert.equal(s.node('n1')?.nanoCores, 1e9);
  s.store(batch({ n1: point(130, 15e9 + 7.5e9) }));
  assert.deepEqual(s.node('n1'), { nanoCores: 5e8, workingSetBytes: 1024, timestampMs: 130_000, windowMs: 15_000 });
});

test('a scrape that brings the same sample again keeps the pair it has', () => {
  const s = new MetricsStore(RESOLUTION);
  s.store(batch({ n1: point(100, 0) }));
  s.store(batch({ n1: point(115, 15e9) }));
  s.store(batch({ n1: point(115, 15e9) }));
  assert.equal(s.node('n1')?.nanoCores, 1e9);
});

test('objects missing from a batch are forgotten', () => {
  const s = new MetricsStore(RESOLUTION);
  s.store(batch({ n1: point(100, 0) }, { [podKey('default', 'p')]: { c: point(100, 0) } }));
  s.store(batch({ n1: point(115, 1e9) }, { [podKey('default', 'p')]: { c: point(115, 1e9) } }));
  assert.ok(s.pod('default', 'p'));
  s.store(batch({}));
  assert.equal(s.node('n1'), undefined);
  assert.equal(s.pod('default', 'p'), undefined);
});

test('a pod has metrics only when every container has two samples; it reports the earliest timestamp', () => {
  const s = new MetricsStore(RESOLUTION);
  const key = podKey('ns', 'web');
  s.store(batch({}, { [key]: { a: point(100, 0), b: point(101, 0) } }));
  s.store(batch({}, { [key]: { a: point(115, 3e9, { mem: 2048 }), b: point(116, 1.5e9), c: point(116, 0, { start: 50 }) } }));
  assert.equal(s.pod('ns', 'web'), undefined, 'container c has one sample only');
  s.store(batch({}, { [key]: { a: point(130, 6e9, { mem: 2048 }), b: point(131, 3e9), c: point(131, 1e9, { start: 50 }) } }));
  const u = s.pod('ns', 'web');
  assert.equal(u?.timestampMs, 130_000);
  assert.equal(u?.windowMs, 15_000);
  assert.deepEqual(
    u?.containers.map((c) => [c.name, c.usage.nanoCores, c.usage.workingSetBytes]),
    [
      ['a', 2e8, 2048],
      ['b', 1e8, 1024],
      ['c', Math.floor(1e9 / 15), 1024],
    ],
  );
});

test('a restarted container starts over; a fresh one is measured from its start after one sample', () => {
  const s = new MetricsStore(RESOLUTION);
  const key = podKey('ns', 'p');
  s.store(batch({}, { [key]: { c: point(100, 50e9) } }));
  // Restarted at 90 s before the sample at 130 s: older than one resolution, so no fresh start.
  s.store(batch({}, { [key]: { c: point(130, 1e9, { start: 90 }) } }));
  assert.equal(s.pod('ns', 'p'), undefined);
  // Started 12 s before its first sample: measured from the start with zero CPU used then.
  s.store(batch({}, { [podKey('ns', 'fresh')]: { c: point(212, 6e9, { start: 200 }) } }));
  const fresh = s.pod('ns', 'fresh');
  assert.equal(fresh?.windowMs, 12_000);
  assert.equal(fresh?.containers[0]?.usage.nanoCores, 5e8);
});
