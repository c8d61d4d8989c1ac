import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../../framework.js';
import { NodeInfo } from '../../node-info.js';
import { PodInfo } from '../../pod-info.js';
import { nodeUnschedulable, ERR_REASON_UNSCHEDULABLE } from './node-unschedulable.js';
import { nodeName, ERR_REASON_NODE_NAME } from '../nodename/node-name.js';

const cordoned = new NodeInfo({ metadata: { name: 'n1' }, spec: { unschedulable: true } });

test('a cordoned node rejects pods unless they tolerate the unschedulable taint', () => {
  const pl = nodeUnschedulable();
  const plain = new PodInfo({ metadata: { name: 'p' }, spec: { containers: [] } });
  const s = pl.filter?.(new CycleState(), plain, cordoned);
  assert.equal(s?.code, 'UnschedulableAndUnresolvable');
  assert.deepEqual(s?.reasons, [ERR_REASON_UNSCHEDULABLE]);
  const tolerant = new PodInfo({
    metadata: { name: 'p' },
    spec: { containers: [], tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] },
  });
  assert.equal(pl.filter?.(new CycleState(), tolerant, cordoned), undefined);
});

test('NodeName fits only the named node', () => {
  const pl = nodeName();
  const pod = new PodInfo({ metadata: { name: 'p' }, spec: { containers: [], nodeName: 'n2' } });
  assert.deepEqual(pl.filter?.(new CycleState(), pod, cordoned)?.reasons, [ERR_REASON_NODE_NAME]);
  assert.equal(pl.filter?.(new CycleState(), pod, new NodeInfo({ metadata: { name: 'n2' } })), undefined);
});
