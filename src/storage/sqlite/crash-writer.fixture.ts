// Test fixture for the kill -9 test: writes keys forever (bounded) and prints "<index> <revision>"
// on stdout after each write is acknowledged. stdout to a pipe is synchronous on Linux, so a
// printed line means the write had returned before the line was sent.
import { SqliteStorage } from './sqlite.js';

const path = process.argv[2];
if (!path) throw new Error('usage: crash-writer.fixture.ts <database file>');
const storage = SqliteStorage.open(path);
const payload = new TextEncoder().encode('x'.repeat(200));
for (let i = 0; i < 1_000_000; i++) {
  const result = await storage.create(`/crash/${String(i).padStart(7, '0')}`, payload);
  if (!result.ok) throw new Error(`create ${i} refused: ${result.reason}`);
  process.stdout.write(`${i} ${result.kv.modRevision}\n`);
}
