// The dependency graph: reverse edges follow owner references as objects change and go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findResource } from '../../api/resources.js';
import { DependencyGraph, deletingDependents, nodeOf } from './graph.js';

const pods = findResource('', 'v1', 'pods') ?? assert.fail('pods');
const ref = (uid: string, block = false) => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: uid, uid, blockOwnerDeletion: block });
const pod = (uid: string, owners: ReturnType<typeof ref>[], extra: { finalizers?: string[]; deletionTimestamp?: string } = {}) =>
  nodeOf(pods, { metadata: { uid, name: uid, namespace: 'ns', ownerReferences: owners, ...extra } }) ?? assert.fail('node');

test('dependents follow owner references through updates and removals', () => {
  const g = new DependencyGraph();
  g.upsert(pod('p1', [ref('a', true)]));
  g.upsert(pod('p2', [ref('a'), ref('b')]));
  assert.deepEqual(g.dependentsOf('a').map((n) => n.uid).sort(), ['p1', 'p2']);
  assert.deepEqual(g.blockingDependentsOf('a').map((n) => n.uid), ['p1']);
  const prev = g.upsert(pod('p2', [ref('b')]));
  assert.deepEqual(prev?.owners.map((r) => r.uid), ['a', 'b']);
  assert.deepEqual(g.dependentsOf('a').map((n) => n.uid), ['p1']);
  g.remove('p1');
  assert.deepEqual(g.dependentsOf('a'), []);
  assert.deepEqual(g.dependentsOf('b').map((n) => n.uid), ['p2']);
  assert.equal(g.size, 1);
});

test('nodes know when they wait for their dependents', () => {
  assert.equal(deletingDependents(pod('x', [], { finalizers: ['foregroundDeletion'] })), false);
  assert.equal(deletingDependents(pod('x', [], { finalizers: ['foregroundDeletion'], deletionTimestamp: '2024-01-01T00:00:00Z' })), true);
  assert.equal(nodeOf(pods, { metadata: { name: 'no-uid' } }), undefined);
  assert.equal(pod('x', []).namespace, 'ns');
});
