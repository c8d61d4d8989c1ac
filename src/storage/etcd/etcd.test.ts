import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStorageConformance } from '../conformance.js';
import { StorageUnavailableError } from '../storage.js';
import { EtcdStorage } from './etcd.js';
import { startEtcd, type RunningEtcd } from './etcd-process.js';

// One real etcd for the whole file; each conformance test gets its own key prefix.
let etcd: RunningEtcd | undefined;
let opened = 0;

before(async () => {
  etcd = await startEtcd();
});
after(async () => {
  await etcd?.stop();
});

function endpoint(): string {
  if (!etcd) throw new Error('etcd did not start');
  return etcd.endpoint;
}

runStorageConformance(
  'etcd',
  async () => {
    const prefix = `/conformance-${++opened}`;
    const storage = await EtcdStorage.connect([endpoint()], { prefix });
    return { storage, prefix, cleanup: () => storage.close() };
  },
  { reopen: async (handle) => EtcdStorage.connect([endpoint()], { prefix: handle.prefix }) },
);

test('etcd: two prefixes on one cluster do not see each other', async () => {
  const a = await EtcdStorage.connect([endpoint()], { prefix: '/tenant-a' });
  const b = await EtcdStorage.connect([endpoint()], { prefix: '/tenant-b' });
  try {
    assert.ok((await a.create('/x', new Uint8Array([1]))).ok);
    assert.equal((await b.get('/x')).kv, undefined);
    assert.ok((await b.create('/x', new Uint8Array([2]))).ok);
    assert.deepEqual((await a.list('/')).kvs.map((kv) => kv.key), ['/x']);
  } finally {
    await a.close();
    await b.close();
  }
});

test('etcd: data survives a restart of the etcd server', { timeout: 60_000 }, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'k8ts-etcd-restart-'));
  try {
    const first = await startEtcd({ dataDir });
    let createdRevision = 0;
    try {
      const s = await EtcdStorage.connect([first.endpoint]);
      const created = await s.create('/persist/a', new TextEncoder().encode('kept'));
      assert.ok(created.ok);
      createdRevision = created.kv.modRevision;
      await s.close();
    } finally {
      await first.stop();
    }
    const second = await startEtcd({ dataDir });
    try {
      const again = await EtcdStorage.connect([second.endpoint]);
      try {
        const { kv } = await again.get('/persist/a');
        assert.equal(kv && new TextDecoder().decode(kv.value), 'kept');
        assert.equal(kv?.modRevision, createdRevision);
      } finally {
        await again.close();
      }
    } finally {
      await second.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('etcd: an unreachable endpoint fails with StorageUnavailableError naming it', { timeout: 30_000 }, async () => {
  await assert.rejects(EtcdStorage.connect(['127.0.0.1:1']), (err: unknown) => err instanceof StorageUnavailableError && err.message.includes('127.0.0.1:1'));
});

