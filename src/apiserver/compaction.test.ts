// Storage compaction: each round compacts to the revision the round before saw, and the API
// server runs rounds on its own.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStorage } from '../storage/memory/memory.js';
import { CompactedError } from '../storage/storage.js';
import { storageCompactor } from './compaction.js';
import { startTestServer } from './testing.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

test('a round compacts to the revision the previous round saw', async () => {
  const storage = new MemoryStorage();
  try {
    const compactor = storageCompactor(storage, () => undefined);
    await storage.create('/k/a', bytes('1'));
    await storage.create('/k/b', bytes('2'));
    assert.equal(await compactor.round(), undefined, 'the first round only remembers');
    const seen = await storage.currentRevision();
    await storage.create('/k/c', bytes('3'));
    assert.equal(await compactor.round(), seen);
    await assert.rejects(storage.list('/k/', { revision: seen - 1 }), CompactedError);
    assert.equal((await storage.list('/k/', { revision: seen })).kvs.length, 2, 'the compacted revision itself stays readable');
  } finally {
    await storage.close();
  }
});

test('the API server compacts periodically: a list at a revision two rounds old answers 410 Expired', async () => {
  const s = await startTestServer({ compactionIntervalMs: 20 });
  try {
    const created = await s.req('POST', '/api/v1/namespaces/default/configmaps', { body: { metadata: { name: 'old' } } });
    assert.equal(created.status, 201, created.text);
    const rv = (created.json() as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    await s.req('POST', '/api/v1/namespaces/default/configmaps', { body: { metadata: { name: 'new' } } });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const r = await s.req('GET', `/api/v1/namespaces/default/configmaps?resourceVersion=${Number(rv) - 1}&resourceVersionMatch=Exact`);
      if (r.status === 410) {
        assert.equal((r.json() as { reason: string }).reason, 'Expired');
        break;
      }
      assert.equal(r.status, 200, r.text);
      if (Date.now() > deadline) assert.fail('no compaction within 10 s');
      await new Promise((res) => setTimeout(res, 20));
    }
  } finally {
    await s.close();
  }
});
