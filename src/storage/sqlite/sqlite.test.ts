import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { runStorageConformance } from '../conformance.js';
import { StorageUnavailableError } from '../storage.js';
import { SqliteStorage } from './sqlite.js';

const here = fileURLToPath(new URL('.', import.meta.url));

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'k8ts-sqlite-'));
}

runStorageConformance(
  'sqlite',
  async () => {
    const dir = await tempDir();
    const path = join(dir, 'state.db');
    const storage = SqliteStorage.open(path);
    return {
      storage,
      path,
      cleanup: async () => {
        await storage.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
  { reopen: async (handle) => SqliteStorage.open(handle.path) },
);

/** Starts a fixture script of this folder under tsx, with its stdout as lines. */
function startFixture(name: string, args: string[]): { child: ChildProcess; lines: AsyncIterableIterator<string> } {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(here, name), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  return { child, lines };
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

test('sqlite: a file of garbage bytes fails to open with StorageUnavailableError naming the file', async () => {
  const dir = await tempDir();
  try {
    const path = join(dir, 'garbage.db');
    await writeFile(path, Buffer.from('this is not a database, just some bytes '.repeat(200)));
    assert.throws(
      () => SqliteStorage.open(path),
      (err: unknown) => err instanceof StorageUnavailableError && err.message.includes(path),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('sqlite: a file locked by another process fails to open with StorageUnavailableError naming the file', { timeout: 30_000 }, async () => {
  const dir = await tempDir();
  const path = join(dir, 'locked.db');
  const { child, lines } = startFixture('lock-holder.fixture.ts', [path]);
  try {
    assert.equal((await lines.next()).value, 'locked');
    assert.throws(
      () => SqliteStorage.open(path),
      (err: unknown) => err instanceof StorageUnavailableError && err.message.includes(path) && /lock|busy/i.test(err.message),
    );
  } finally {
    child.stdin?.end();
    await exited(child);
    await rm(dir, { recursive: true, force: true });
  }
});

test('sqlite: a second SqliteStorage on the same file is refused while the first is open', async () => {
  const dir = await tempDir();
  const path = join(dir, 'state.db');
  const first = SqliteStorage.open(path);
  try {
    assert.throws(() => SqliteStorage.open(path), StorageUnavailableError);
  } finally {
    await first.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('sqlite: every acknowledged write survives kill -9 of the writing process', { timeout: 60_000 }, async () => {
  const dir = await tempDir();
  const path = join(dir, 'state.db');
  const { child, lines } = startFixture('crash-writer.fixture.ts', [path]);
  const acknowledged: Array<{ key: string; revision: number }> = [];
  try {
    for await (const line of { [Symbol.asyncIterator]: () => lines }) {
      const [index, revision] = line.split(' ');
      acknowledged.push({ key: `/crash/${String(index).padStart(7, '0')}`, revision: Number(revision) });
      if (acknowledged.length === 2000) {
        child.kill('SIGKILL');
        break;
      }
    }
    await exited(child);
    assert.equal(child.signalCode, 'SIGKILL');
    // Lines already in the pipe were acknowledged too.
    for await (const line of { [Symbol.asyncIterator]: () => lines }) {
      const [index, revision] = line.split(' ');
      acknowledged.push({ key: `/crash/${String(index).padStart(7, '0')}`, revision: Number(revision) });
    }

    const reopened = SqliteStorage.open(path);
    try {
      for (const { key, revision } of acknowledged) {
        const { kv } = await reopened.get(key);
        assert.ok(kv, `acknowledged ${key} is missing after kill -9`);
        assert.equal(kv.modRevision, revision);
      }
      assert.ok((await reopened.currentRevision()) >= (acknowledged.at(-1)?.revision ?? Infinity));
      assert.ok((await reopened.create('/after/crash', new Uint8Array([1]))).ok);
    } finally {
      await reopened.close();
    }
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});

test('sqlite: keys with a TTL still expire after a reopen', { timeout: 30_000 }, async () => {
  const dir = await tempDir();
  const path = join(dir, 'state.db');
  try {
    const first = SqliteStorage.open(path);
    const created = await first.create('/ttl/x', new Uint8Array([1]), { ttlSeconds: 1 });
    assert.ok(created.ok);
    await first.close();
    const again = SqliteStorage.open(path);
    try {
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(), 20_000);
      let deleted = false;
      for await (const event of again.watch('/ttl/', { afterRevision: created.kv.modRevision, signal: ac.signal })) {
        deleted = event.type === 'delete' && event.kv.key === '/ttl/x';
        break;
      }
      clearTimeout(timer);
      assert.ok(deleted, 'the key expired with a delete event');
      assert.equal((await again.get('/ttl/x')).kv, undefined);
    } finally {
      await again.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('sqlite: concurrent writes get consecutive revisions, survive a reopen, and reach a watch once each in order', { timeout: 30_000 }, async () => {
  const dir = await tempDir();
  const path = join(dir, 'state.db');
  try {
    const storage = SqliteStorage.open(path);
    const ac = new AbortController();
    const seen: number[] = [];
    const watching = (async () => {
      for await (const ev of storage.watch('/group/', { afterRevision: 0, signal: ac.signal })) {
        seen.push(ev.kv.modRevision);
        if (seen.length === 50) break;
      }
    })();
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => storage.create(`/group/${i}`, new Uint8Array([i]))));
    const revisions = results.map((r) => (r.ok ? r.kv.modRevision : 0));
    assert.deepEqual(revisions, Array.from({ length: 50 }, (_, i) => i + 1));
    await watching;
    ac.abort();
    assert.deepEqual(seen, revisions);
    await storage.close();

    const reopened = SqliteStorage.open(path);
    try {
      assert.equal(await reopened.currentRevision(), 50);
      assert.equal((await reopened.list('/group/')).kvs.length, 50);
    } finally {
      await reopened.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('sqlite: a watch from a listed revision does not repeat writes the list already held', { timeout: 30_000 }, async () => {
  const dir = await tempDir();
  const storage = SqliteStorage.open(join(dir, 'state.db'));
  try {
    // The list and the watch start while both writes are still uncommitted (acknowledged
    // later): the list holds them, so the watch must not deliver them again.
    const first = storage.create('/listed/a', new Uint8Array([1]));
    const second = storage.create('/listed/b', new Uint8Array([2]));
    const listed = await storage.list('/listed/');
    const ac = new AbortController();
    const keys: string[] = [];
    const watching = (async () => {
      for await (const ev of storage.watch('/listed/', { afterRevision: listed.revision, signal: ac.signal })) {
        keys.push(ev.kv.key);
        if (ev.kv.key === '/listed/c') break;
      }
    })();
    await Promise.all([first, second]);
    assert.ok((await storage.create('/listed/c', new Uint8Array([3]))).ok);
    await watching;
    ac.abort();
    const listedKeys = listed.kvs.map((kv) => kv.key);
    assert.deepEqual([...listedKeys, ...keys], ['/listed/a', '/listed/b', '/listed/c']);
  } finally {
    await storage.close();
    await rm(dir, { recursive: true, force: true });
  }
});
