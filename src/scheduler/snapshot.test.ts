import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PodInfo } from './pod-info.js';
import { Snapshot } from './snapshot.js';
import { makeNode, makePod } from './testing.js';

test('assumed pods count at once; forget gives the resources back; binding confirms', () => {
  const s = new Snapshot();
  s.addNode(makeNode('n1', { cpu: '4' }));
  const pi = new PodInfo(makePod('p', { cpu: '1', memory: '1Gi' }));
  s.assume(pi, 'n1');
  assert.equal(s.get('n1')?.requested.milliCPU, 1000);
  assert.equal(s.get('n1')?.pods.length, 1);
  assert.equal(s.isAssumed(pi.key), true);
  s.forget(pi.key);
  assert.equal(s.get('n1')?.requested.milliCPU, 0);
  s.assume(pi, 'n1');
  const bound = new PodInfo({ ...pi.pod, spec: { containers: [], ...pi.pod.spec, nodeName: 'n1' } });
  s.addPod(bound);
  assert.equal(s.isAssumed(pi.key), false);
  assert.equal(s.get('n1')?.requested.milliCPU, 1000);
  s.forget(pi.key);
  assert.equal(s.get('n1')?.requested.milliCPU, 1000, 'a confirmed pod is not forgotten');
  s.removePod(pi.key);
  assert.equal(s.get('n1')?.requested.milliCPU, 0);
  assert.equal(s.get('n1')?.nonZeroMemory, 0);
});

test('non-zero accounting uses 100m/200Mi for best-effort pods', () => {
  const s = new Snapshot();
  s.addNode(makeNode('n1'));
  s.addPod(new PodInfo({ ...makePod('be'), spec: { nodeName: 'n1', containers: [{ name: 'c' }] } }));
  const ni = s.get('n1');
  assert.equal(ni?.requested.milliCPU, 0);
  assert.equal(ni?.nonZeroMilliCPU, 100);
  assert.equal(ni?.nonZeroMemory, 200 * 1024 * 1024);
});

test('pods seen before their node are kept and counted when it arrives', () => {
  const s = new Snapshot();
  s.addPod(new PodInfo({ ...makePod('early', { cpu: '1' }), spec: { nodeName: 'late', containers: [{ name: 'c', resources: { requests: { cpu: '1' } } }] } }));
  assert.equal(s.get('late'), undefined);
  assert.equal(s.list().length, 0);
  s.addNode(makeNode('late'));
  assert.equal(s.get('late')?.requested.milliCPU, 1000);
});

test('the node list interleaves zones', () => {
  const s = new Snapshot();
  for (const [n, z] of [['a1', 'a'], ['a2', 'a'], ['a3', 'a'], ['b1', 'b'], ['c1', 'c'], ['c2', 'c']] as const) {
    s.addNode(makeNode(n, { labels: { 'topology.kubernetes.io/zone': z } }));
  }
  assert.deepEqual(s.list().map((n) => n.name), ['a1', 'b1', 'c1', 'a2', 'c2', 'a3']);
  s.removeNode('b1');
  assert.deepEqual(s.list().map((n) => n.name), ['a1', 'c1', 'a2', 'c2', 'a3']);
});
