import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitErrorMessage } from './fit-error.js';
import { NodeToStatus } from './framework.js';
import { Status } from './status.js';

test('reason counts are sorted as strings and absent nodes share one status', () => {
  const statuses = new NodeToStatus();
  statuses.map.set('a', Status.unschedulable('Insufficient cpu', 'Insufficient memory'));
  statuses.map.set('b', Status.unschedulable('Insufficient cpu'));
  statuses.map.set('c', Status.unresolvable('node(s) had untolerated taint {k: v}'));
  statuses.absent = Status.unresolvable("node(s) didn't match Pod's node affinity/selector");
  assert.equal(
    fitErrorMessage({ numAllNodes: 13, statuses, postFilterMsg: 'preemption: not eligible due to preemptionPolicy=Never.' }),
    "0/13 nodes are available: 1 Insufficient memory, 1 node(s) had untolerated taint {k: v}, 10 node(s) didn't match Pod's node affinity/selector, 2 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never..",
  );
});

test('a preFilter rejection replaces the per-node histogram', () => {
  const statuses = new NodeToStatus();
  statuses.absent = Status.unresolvable('pod affinity terms conflict');
  assert.equal(fitErrorMessage({ numAllNodes: 3, statuses, preFilterMsg: 'pod affinity terms conflict' }), '0/3 nodes are available: pod affinity terms conflict.');
});
