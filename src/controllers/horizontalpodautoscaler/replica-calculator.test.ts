import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { averageValueReplicas, DEFAULT_CALCULATOR_OPTIONS, milliValue, podRequests, utilizationReplicas, type PodMetrics } from './replica-calculator.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

interface PodOptions {
  phase?: string;
  ready?: boolean;
  /** Milliseconds before NOW the pod started (default 10 min: past the CPU initialization period). */
  startedAgo?: number;
  /** Milliseconds before NOW readiness last changed (default: 30 s after the start). */
  readySinceAgo?: number;
  cpu?: string;
}

function pod(name: string, o: PodOptions = {}): Pod {
  const startedAgo = o.startedAgo ?? 600_000;
  const readySinceAgo = o.readySinceAgo ?? startedAgo - 30_000;
  return {
    metadata: { name },
    spec: { containers: [{ name: 'app', image: 'x', resources: { requests: { cpu: o.cpu ?? '100m', memory: '100Mi' } } }] },
    status: {
      phase: o.phase ?? 'Running',
      startTime: iso(NOW - startedAgo),
      conditions: [{ type: 'Ready', status: (o.ready ?? true) ? 'True' : 'False', lastTransitionTime: iso(NOW - readySinceAgo) }],
    },
  };
}

function usage(values: Record<string, number>): PodMetrics {
  return new Map(Object.entries(values).map(([name, milli]) => [name, { milli, timestampMs: NOW - 5_000, windowMs: 15_000 }]));
}

const opts = DEFAULT_CALCULATOR_OPTIONS;
const cpu = (pods: Pod[], metrics: PodMetrics, currentReplicas = pods.length) => utilizationReplicas({ currentReplicas, pods, metrics, resource: 'cpu', container: '', nowMs: NOW }, 50, opts);

test('utilization: replicas = ceil(ratio × ready pods); utilization and average usage are reported', () => {
  const r = cpu([pod('a'), pod('b')], usage({ a: 250, b: 250 }));
  assert.deepEqual(r, { ok: true, value: { replicas: 10, utilization: 250, rawAverageMilli: 250 } });
});

test('utilization within the 0.1 tolerance keeps the current count', () => {
  const r = cpu([pod('a'), pod('b'), pod('c')], usage({ a: 54, b: 54, c: 54 }));
  assert.ok(r.ok);
  assert.equal(r.value.replicas, 3);
  assert.equal(r.value.utilization, 54);
});

test('scale-down: a pod without metrics counts as using 100% of its request', () => {
  // Ready pods at 10% of 50% target would give ceil(0.2 × 2) = 1; the missing pod at 100% pulls it up.
  const r = cpu([pod('a'), pod('b'), pod('c')], usage({ a: 10, b: 10 }));
  assert.ok(r.ok);
  // (10 + 10 + 100) / 300 = 40% → ratio 0.8 → ceil(0.8 × 3) = 3: no change.
  assert.equal(r.value.replicas, 3);
  assert.equal(r.value.utilization, 10);
});

test('scale-up: unready pods count as 0% and pods still initializing are left out', () => {
  const pods = [pod('a'), pod('b'), pod('c', { ready: false, readySinceAgo: 590_000, startedAgo: 600_000 }), pod('d', { startedAgo: 20_000, readySinceAgo: 1_000 })];
  // a, b at 200% of request (ratio 4); c never became ready (readiness changed within 30 s of start); d is in its CPU window.
  const r = cpu(pods, usage({ a: 200, b: 200, c: 200, d: 200 }));
  assert.ok(r.ok);
  // Ready: a, b → ratio 4. Unready c, d → 0: (400 + 0 + 0) / 400 = 100% → ratio 2 → ceil(2 × 4) = 8.
  assert.equal(r.value.replicas, 8);
  assert.equal(r.value.utilization, 200);
});

test('pending, failed and deleting pods; no metrics at all is an error', () => {
  assert.deepEqual(cpu([pod('a', { phase: 'Pending' })], usage({ a: 100 })), { ok: false, error: 'did not receive metrics for targeted pods (pods might be unready)' });
  assert.deepEqual(cpu([], usage({})), { ok: false, error: 'no pods returned by selector while calculating replica count' });
  const r = cpu([pod('a'), pod('f', { phase: 'Failed' })], usage({ a: 100, f: 1000 }));
  assert.ok(r.ok);
  assert.equal(r.value.replicas, 2);
});

test('a container without a request for the resource is an error naming it', () => {
  const p = pod('a');
  p.spec?.containers.push({ name: 'sidecar', image: 'y' });
  assert.deepEqual(podRequests([p], '', 'cpu'), { ok: false, error: 'missing request for cpu in container sidecar of Pod a' });
  assert.deepEqual(podRequests([p], 'app', 'cpu'), { ok: true, value: new Map([['a', 100]]) });
});

test('average value: memory per pod against a target usage', () => {
  const mi = 1024 * 1024 * 1000;
  const r = averageValueReplicas({ currentReplicas: 2, pods: [pod('a'), pod('b')], metrics: usage({ a: 300 * mi, b: 100 * mi }), resource: 'memory', container: '', nowMs: NOW }, milliValue('100Mi'), opts);
  assert.deepEqual(r, { ok: true, value: { replicas: 4, averageMilli: 200 * mi } });
});

test('quantities become milli-units, rounding up', () => {
  assert.equal(milliValue('250m'), 250);
  assert.equal(milliValue('1'), 1000);
  assert.equal(milliValue('123456n'), 1);
  assert.equal(milliValue('1Ki'), 1_024_000);
});
