import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import { ApiError } from '../../api/errors.js';
import { fnv32a, hashRevision, safeEncode } from './hash.js';
import { newRevision, syncRevisions, templateOf, truncateHistory, type RevisionParent, type RevisionWriter } from './revisions.js';

function memoryWriter(): RevisionWriter & { store: Map<string, ControllerRevision> } {
  const store = new Map<string, ControllerRevision>();
  return {
    store,
    create: async (r) => {
      const name = r.metadata?.name ?? '';
      if (store.has(name)) throw ApiError.alreadyExists('controllerrevisions.apps', name);
      store.set(name, r);
      return r;
    },
    get: async (name) => {
      const r = store.get(name);
      if (!r) throw ApiError.notFound('controllerrevisions.apps', name);
      return r;
    },
    update: async (r) => {
      store.set(r.metadata?.name ?? '', r);
      return r;
    },
    delete: async (name) => void store.delete(name),
  };
}

const parent = (image: string): RevisionParent => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'web', namespace: 'default', uid: 'u1' },
  spec: { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } } },
});

test('FNV-1a and the safe alphabet', () => {
  assert.equal(fnv32a(Buffer.from('')), 0x811c9dc5);
  assert.equal(fnv32a(Buffer.from('a')), 0xe40c292c);
  // Digits '0'..'9' are char codes 48..57, i.e. alphabet positions 21..26, then 0..3.
  assert.equal(safeEncode('0123456789'), '456789bcdf');
  assert.match(hashRevision({ a: 1 }, 0), /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.notEqual(hashRevision({ a: 1 }, 0), hashRevision({ a: 1 }, 1), 'the collision count changes the hash');
});

test('revisions: created once per template, renumbered when a template comes back, history trimmed', async () => {
  const w = memoryWriter();
  const r1 = await syncRevisions(parent('v1'), [], { currentRevisionName: undefined, collisionCount: 0 }, w);
  assert.equal(r1.update.revision, 1);
  assert.equal(r1.update.metadata?.labels?.['controller-revision-hash'], r1.update.metadata?.name?.slice('web-'.length));
  assert.equal(templateOf(r1.update).spec?.containers[0]?.image, 'v1');
  const again = await syncRevisions(parent('v1'), [...w.store.values()], { currentRevisionName: r1.update.metadata?.name, collisionCount: 0 }, w);
  assert.equal(w.store.size, 1);
  assert.equal(again.update.metadata?.name, r1.update.metadata?.name);
  const r2 = await syncRevisions(parent('v2'), [...w.store.values()], { currentRevisionName: r1.update.metadata?.name, collisionCount: 0 }, w);
  assert.equal(r2.update.revision, 2);
  assert.equal(r2.current.metadata?.name, r1.update.metadata?.name);
  const back = await syncRevisions(parent('v1'), [...w.store.values()], { currentRevisionName: r2.update.metadata?.name, collisionCount: 0 }, w);
  assert.equal(back.update.metadata?.name, r1.update.metadata?.name);
  assert.equal(back.update.revision, 3, 'an equal old revision is renumbered, not duplicated');
  await truncateHistory(back.revisions, new Set([back.update.metadata?.name ?? '']), 0, w);
  assert.deepEqual([...w.store.keys()], [back.update.metadata?.name]);
});

test('a name taken by different data bumps collisionCount', async () => {
  const w = memoryWriter();
  const squatter = newRevision(parent('v1'), 1, 0);
  w.store.set(squatter.metadata?.name ?? '', { ...squatter, data: { other: true } });
  const r = await syncRevisions(parent('v1'), [], { currentRevisionName: undefined, collisionCount: 0 }, w);
  assert.equal(r.collisionCount, 1);
  assert.notEqual(r.update.metadata?.name, squatter.metadata?.name);
});
