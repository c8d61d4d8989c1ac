import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/object.js';
import { Cache, objectKey, splitKey } from './cache.js';
import {
  byLabelPairs,
  defaultIndexers,
  LABEL_PAIRS_INDEX,
  labelIndex,
  labelIndexName,
  labelPairValue,
  NAMESPACE_INDEX,
  NODE_NAME_INDEX,
  OWNER_UID_INDEX,
} from './indexers.js';

const pod = (ns: string, name: string, extra: { node?: string; owner?: string; labels?: Record<string, string>; rv?: string } = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    namespace: ns,
    name,
    resourceVersion: extra.rv ?? '1',
    labels: extra.labels,
    ownerReferences: extra.owner
      ? [
          { apiVersion: 'v1', kind: 'Other', name: 'x', uid: 'not-controller' },
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: extra.owner, controller: true },
        ]
      : undefined,
  },
  spec: extra.node ? { nodeName: extra.node } : {},
});

const names = (objs: KubeObject[]): string[] => objs.map((o) => objectKey(o)).sort();

test('keys are namespace/name, or name for cluster-scoped objects', () => {
  assert.equal(objectKey(pod('ns', 'a')), 'ns/a');
  assert.equal(objectKey({ metadata: { name: 'node-1' } }), 'node-1');
  assert.deepEqual(splitKey('ns/a'), { namespace: 'ns', name: 'a' });
  assert.deepEqual(splitKey('node-1'), { namespace: undefined, name: 'node-1' });
});

test('built-in indexes find pods by namespace, controller owner and node', () => {
  const c = new Cache<KubeObject>({ indexers: defaultIndexers({ group: '', plural: 'pods' }) });
  c.upsert(pod('a', 'p1', { node: 'n1', owner: 'rs-1' }));
  c.upsert(pod('a', 'p2', { owner: 'rs-1' }));
  c.upsert(pod('b', 'p3', { node: 'n1' }));
  assert.deepEqual(names(c.byIndex(NAMESPACE_INDEX, 'a')), ['a/p1', 'a/p2']);
  assert.deepEqual(names(c.byIndex(OWNER_UID_INDEX, 'rs-1')), ['a/p1', 'a/p2']);
  assert.deepEqual(c.byIndex(OWNER_UID_INDEX, 'not-controller'), [], 'only the controller owner is indexed');
  assert.deepEqual(names(c.byIndex(NODE_NAME_INDEX, 'n1')), ['a/p1', 'b/p3']);
  assert.deepEqual(c.byIndex(NODE_NAME_INDEX, ''), [], 'unscheduled pods are not filed under ""');
  assert.throws(() => c.byIndex('nope', 'x'), /no index named "nope"/);
  assert.equal(defaultIndexers({ group: 'apps', plural: 'deployments' })[NODE_NAME_INDEX], undefined);
});

test('an update moves the object between index values; a delete removes it everywhere', () => {
  const c = new Cache<KubeObject>({ indexers: defaultIndexers({ group: '', plural: 'pods' }) });
  c.upsert(pod('a', 'p', { node: 'n1', rv: '1' }));
  const old = c.upsert(pod('a', 'p', { node: 'n2', rv: '2' }));
  assert.equal(old?.metadata?.resourceVersion, '1');
  assert.deepEqual(c.byIndex(NODE_NAME_INDEX, 'n1'), []);
  assert.deepEqual(names(c.byIndex(NODE_NAME_INDEX, 'n2')), ['a/p']);
  assert.equal(c.get('a/p')?.metadata?.resourceVersion, '2');
  assert.equal(c.delete('a/p')?.metadata?.resourceVersion, '2');
  assert.equal(c.delete('a/p'), undefined);
  assert.deepEqual(c.byIndex(NODE_NAME_INDEX, 'n2'), []);
  assert.deepEqual(c.byIndex(NAMESPACE_INDEX, 'a'), []);
  assert.equal(c.size, 0);
});

test('label indexes: by one label key, or by every key=value pair', () => {
  const c = new Cache<KubeObject>({ indexers: { [labelIndexName('app')]: labelIndex('app'), [LABEL_PAIRS_INDEX]: byLabelPairs } });
  c.upsert(pod('a', 'web', { labels: { app: 'web', tier: 'front' } }));
  c.upsert(pod('a', 'db', { labels: { app: 'db', tier: 'back' } }));
  c.upsert(pod('a', 'bare'));
  assert.deepEqual(names(c.byIndex(labelIndexName('app'), 'web')), ['a/web']);
  assert.deepEqual(names(c.byIndex(LABEL_PAIRS_INDEX, labelPairValue('tier', 'back'))), ['a/db']);
});

test('an index added later covers the objects already stored', () => {
  const c = new Cache<KubeObject>();
  c.upsert(pod('a', 'p', { labels: { app: 'x' } }));
  c.addIndexer('app', labelIndex('app'));
  assert.deepEqual(names(c.byIndex('app', 'x')), ['a/p']);
  assert.throws(() => c.addIndexer('app', labelIndex('app')), /already exists/);
});

test('stored objects are deep-frozen: writing to one throws instead of corrupting the cache', () => {
  const c = new Cache<KubeObject>();
  const p = pod('a', 'p', { labels: { app: 'x' } });
  c.upsert(p);
  const cached = c.get('a/p');
  assert.ok(cached);
  assert.throws(() => {
    (cached.metadata as { name: string }).name = 'changed';
  }, TypeError);
  assert.throws(() => {
    (cached.metadata?.labels as Record<string, string>)['app'] = 'y';
  }, TypeError);
  const unfrozen = new Cache<KubeObject>({ freeze: 'none' });
  unfrozen.upsert(pod('a', 'q'));
  assert.equal(Object.isFrozen(unfrozen.get('a/q')), false);
});

test('removal uses the values an object was filed under, even if an unfrozen object was mutated', () => {
  const c = new Cache<KubeObject>({ freeze: 'none', indexers: { app: labelIndex('app') } });
  const p = pod('a', 'p', { labels: { app: 'x' } });
  c.upsert(p);
  (p.metadata?.labels as Record<string, string>)['app'] = 'y';
  c.delete('a/p');
  assert.deepEqual(c.byIndex('app', 'x'), []);
});
