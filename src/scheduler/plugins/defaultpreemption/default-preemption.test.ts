import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, makeNode, makePod } from '../../testing.js';

test('picks the node whose victims have the lowest priority', async () => {
  const h = harness({ nodes: [makeNode('n1', { cpu: '1' }), makeNode('n2', { cpu: '1' })] });
  h.add(makePod('mid', { cpu: '1', priority: 50, nodeName: 'n1' }), makePod('low', { cpu: '1', priority: 5, nodeName: 'n2' }));
  h.add(makePod('vip', { cpu: '1', priority: 100 }));
  const [r] = await h.drain();
  assert.equal(r?.kind === 'unschedulable' && r.nominatedNodeName, 'n2');
  assert.deepEqual(h.evicted, ['low']);
});

test('pods of equal or higher priority are never victims', async () => {
  const h = harness({ nodes: [makeNode('n1', { cpu: '1' })] });
  h.add(makePod('peer', { cpu: '1', priority: 100, nodeName: 'n1' }));
  h.add(makePod('vip', { cpu: '1', priority: 100 }));
  const [r] = await h.drain();
  assert.equal(
    r?.kind === 'unschedulable' && r.message,
    '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod..',
  );
  assert.deepEqual(h.evicted, []);
});

test('preemption that cannot help (affinity failure) says so', async () => {
  const h = harness({ nodes: [makeNode('n1', { labels: { disk: 'hdd' } })] });
  h.add(makePod('low', { priority: 1, nodeName: 'n1' }));
  h.add(makePod('vip', { priority: 100, nodeSelector: { disk: 'ssd' } }));
  const [r] = await h.drain();
  assert.equal(
    r?.kind === 'unschedulable' && r.message,
    "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling..",
  );
});
