import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { podsToDelete, POD_DELETION_COST_ANNOTATION } from './pod-ranking.js';
import { rfc3339 } from './status.js';

const NOW = Date.parse('2025-06-01T12:00:00Z');

function pod(name: string, o: { node?: string; phase?: string; readySinceMs?: number; restarts?: number; createdMs?: number; cost?: string; uid?: string } = {}): Pod {
  return {
    metadata: {
      name,
      uid: o.uid ?? name,
      creationTimestamp: rfc3339(o.createdMs ?? NOW - 3_600_000),
      ...(o.cost !== undefined ? { annotations: { [POD_DELETION_COST_ANNOTATION]: o.cost } } : {}),
    },
    spec: { containers: [{ name: 'c' }], ...(o.node ? { nodeName: o.node } : {}) },
    status: {
      phase: o.phase ?? 'Running',
      conditions: o.readySinceMs !== undefined ? [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339(o.readySinceMs) }] : [],
      containerStatuses: [{ name: 'c', image: 'i', imageID: '', ready: o.readySinceMs !== undefined, restartCount: o.restarts ?? 0 }],
    },
  };
}

function order(pods: Pod[], related: Pod[] = pods): string[] {
  return podsToDelete(pods, related, pods.length - 1, NOW).map((p) => p.metadata?.name ?? '');
}

test('unassigned before assigned, then Pending < Unknown < Running, then not ready before ready', () => {
  const readyLongAgo = NOW - 86_400_000;
  assert.deepEqual(
    order([
      pod('ready', { node: 'n1', readySinceMs: readyLongAgo }),
      pod('running', { node: 'n2' }),
      pod('unknown', { node: 'n3', phase: 'Unknown' }),
      pod('pending', { node: 'n4', phase: 'Pending' }),
      pod('unassigned', { phase: 'Pending' }),
    ]),
    ['unassigned', 'pending', 'unknown', 'running'],
  );
});

test('lower deletion cost first, then crowded nodes, then more recently ready, more restarts, newer', () => {
  const ready = (name: string, extra: Parameters<typeof pod>[1]): Pod => pod(name, { node: 'n1', readySinceMs: NOW - 86_400_000, ...extra });
  assert.deepEqual(order([ready('costly', { cost: '100' }), ready('cheap', { cost: '-5' }), ready('plain', {})]), ['cheap', 'plain']);
  const crowded = [ready('a', { node: 'busy' }), ready('b', { node: 'busy' }), ready('c', { node: 'quiet' })];
  assert.equal(podsToDelete(crowded, crowded, 1, NOW)[0]?.metadata?.name !== 'c', true);
  assert.deepEqual(order([ready('old', { readySinceMs: NOW - 86_400_000 }), ready('recent', { readySinceMs: NOW - 10_000 })]), ['recent']);
  assert.deepEqual(order([ready('calm', {}), ready('flaky', { restarts: 7 })]), ['flaky']);
  assert.deepEqual(order([ready('older', { createdMs: NOW - 86_400_000 }), ready('newer', { createdMs: NOW - 60_000 })]), ['newer']);
});

test('asking for as many pods as there are returns them all', () => {
  const pods = [pod('a'), pod('b')];
  assert.equal(podsToDelete(pods, pods, 5, NOW).length, 2);
});
