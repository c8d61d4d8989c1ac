import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStorage } from './open.js';

test('openStorage: sqlite creates <dataDir>/db/state.db', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'k8ts-open-'));
  try {
    const storage = await openStorage('sqlite', { dataDir: join(dataDir, 'nested') });
    assert.equal(storage.backend, 'sqlite');
    await storage.close();
    assert.ok(existsSync(join(dataDir, 'nested', 'db', 'state.db')));
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('openStorage: memory', async () => {
  const storage = await openStorage('memory', { dataDir: '/nonexistent' });
  assert.equal(storage.backend, 'memory');
  await storage.close();
});

test('openStorage: anything else is refused with the accepted forms', async () => {
  for (const spec of ['postgres://x', 'etcd://', 'etcd://host-without-port', '']) {
    await assert.rejects(openStorage(spec, { dataDir: '/tmp' }), (err: unknown) => err instanceof Error && /etcd:\/\/host:port/.test(err.message), spec);
  }
});
