// Chooses and opens a storage backend from the datastore spec the CLI receives.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Storage } from './storage.js';
import { MemoryStorage } from './memory/memory.js';
import { SqliteStorage } from './sqlite/sqlite.js';
import { EtcdStorage } from './etcd/etcd.js';

export const STORAGE_SPEC_FORMS = ['sqlite', 'memory', 'etcd://host:port[,host:port…]'] as const;

/**
 * `sqlite` → `<dataDir>/db/state.db` (directories created); `memory` → nothing persists;
 * `etcd://h1:2379,h2:2379` → an etcd cluster. Anything else is refused with the accepted forms.
 */
export async function openStorage(spec: string, options: { dataDir: string }): Promise<Storage> {
  if (spec === 'sqlite') {
    const dir = join(options.dataDir, 'db');
    mkdirSync(dir, { recursive: true });
    return SqliteStorage.open(join(dir, 'state.db'));
  }
  if (spec === 'memory') return new MemoryStorage();
  if (spec.startsWith('etcd://')) {
    const endpoints = spec
      .slice('etcd://'.length)
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e.length > 0);
    if (endpoints.length === 0 || endpoints.some((e) => !/^[^\s/:]+:\d{1,5}$/.test(e) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(e))) {
      throw new Error(`invalid etcd datastore ${JSON.stringify(spec)}: expected etcd://host:port[,host:port…]`);
    }
    return EtcdStorage.connect(endpoints);
  }
  throw new Error(`unknown datastore ${JSON.stringify(spec)}: expected one of ${STORAGE_SPEC_FORMS.join(', ')}`);
}
