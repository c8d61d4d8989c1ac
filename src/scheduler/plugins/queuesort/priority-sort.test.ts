import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { QueuedPodInfo } from '../../framework.js';
import { PodInfo } from '../../pod-info.js';
import { prioritySort } from './priority-sort.js';

function qp(name: string, priority: number, timestamp: number): QueuedPodInfo {
  const podInfo = new PodInfo({ metadata: { name }, spec: { containers: [], priority } });
  return { podInfo, timestamp, initialAttemptTimestamp: timestamp, attempts: 0, unschedulablePlugins: new Set(), gated: false };
}

test('higher priority first, then FIFO', () => {
  const less = prioritySort().less;
  assert.ok(less);
  assert.equal(less(qp('a', 10, 5), qp('b', 0, 1)), true);
  assert.equal(less(qp('a', 0, 1), qp('b', 0, 2)), true);
  assert.equal(less(qp('a', 0, 3), qp('b', 0, 2)), false);
});
