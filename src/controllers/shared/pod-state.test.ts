import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isPodActive, isPodReady, msUntilAvailable } from './pod-state.js';

const NOW = Date.parse('2024-01-01T00:01:00Z');

function pod(o: { phase?: string; ready?: boolean; readySince?: string; deleting?: boolean }): Pod {
  return {
    metadata: { name: 'p', ...(o.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}) },
    status: {
      phase: o.phase ?? 'Running',
      conditions: o.ready === undefined ? [] : [{ type: 'Ready', status: o.ready ? 'True' : 'False', ...(o.readySince ? { lastTransitionTime: o.readySince } : {}) }],
    },
  };
}

test('active: neither finished nor being deleted', () => {
  assert.equal(isPodActive(pod({ phase: 'Pending' })), true);
  assert.equal(isPodActive(pod({ phase: 'Running' })), true);
  assert.equal(isPodActive(pod({ phase: 'Succeeded' })), false);
  assert.equal(isPodActive(pod({ phase: 'Failed' })), false);
  assert.equal(isPodActive(pod({ deleting: true })), false);
});

test('ready: the Ready condition is True', () => {
  assert.equal(isPodReady(pod({ ready: true })), true);
  assert.equal(isPodReady(pod({ ready: false })), false);
  assert.equal(isPodReady(pod({})), false);
});

test('msUntilAvailable: counts minReadySeconds from the Ready transition, or from now without one', () => {
  assert.equal(msUntilAvailable(pod({ ready: false }), 10, NOW), undefined);
  assert.equal(msUntilAvailable(pod({ ready: true }), 0, NOW), 0);
  assert.equal(msUntilAvailable(pod({ ready: true, readySince: '2024-01-01T00:00:55Z' }), 10, NOW), 5_000);
  assert.equal(msUntilAvailable(pod({ ready: true, readySince: '2024-01-01T00:00:00Z' }), 10, NOW), 0);
  assert.equal(msUntilAvailable(pod({ ready: true }), 10, NOW), 10_000);
});
