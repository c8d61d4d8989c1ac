import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runStorageConformance } from '../conformance.js';
import { StorageUnavailableError } from '../storage.js';
import { MemoryStorage } from './memory.js';

runStorageConformance('memory', async () => {
  const storage = new MemoryStorage();
  return { storage, cleanup: () => storage.close() };
});

test('memory: a closed store refuses calls and ends its watches', async () => {
  const s = new MemoryStorage();
  const iterator = s.watch('/', { afterRevision: 0, signal: new AbortController().signal })[Symbol.asyncIterator]();
  const pending = iterator.next();
  await s.close();
  assert.equal((await pending).done, true);
  await assert.rejects(s.get('/a'), StorageUnavailableError);
});
