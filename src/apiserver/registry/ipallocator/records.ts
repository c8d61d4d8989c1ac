// Allocation records: one storage key per allocated item (a cluster IP, a node port), created
// only if absent. Storage's create-if-absent is atomic on every backend (memory, SQLite, etcd),
// so several API servers sharing one store never hand out the same item twice.
import type { Storage } from '../../../storage/storage.js';

/** The Service an item belongs to. */
export interface Owner {
  namespace: string;
  name: string;
  uid: string;
}

export interface AllocationRecord {
  owner: Owner;
  /** When the record was written, in ms since the epoch (repair leaves young records alone). */
  allocatedAtMs: number;
}

export interface StoredRecord {
  item: string;
  record: AllocationRecord;
  modRevision: number;
}

export type ClaimResult = { kind: 'claimed' } | { kind: 'ours' } | { kind: 'taken'; current: StoredRecord };

export class AllocationRecords {
  constructor(
    private readonly storage: Storage,
    /** Ends with "/", e.g. "/registry/k8ts/serviceips/". */
    readonly prefix: string,
    private readonly now: () => number,
  ) {}

  private key(item: string): string {
    return this.prefix + item;
  }

  /** Claims `item` for `owner`; an item the same owner (same uid) already holds counts as claimed. */
  async claim(item: string, owner: Owner): Promise<ClaimResult> {
    const value = Buffer.from(JSON.stringify({ owner, allocatedAtMs: this.now() } satisfies AllocationRecord));
    for (let attempt = 0; attempt < 3; attempt++) {
      const res = await this.storage.create(this.key(item), value);
      if (res.ok) return { kind: 'claimed' };
      if (!res.current) continue; // deleted in between: try again
      const current = decodeRecord(item, res.current.value, res.current.modRevision);
      if (!current) {
        // Unreadable record: nobody can prove ownership, so it is replaced.
        await this.storage.delete(this.key(item), res.current.modRevision);
        continue;
      }
      return current.record.owner.uid === owner.uid ? { kind: 'ours' } : { kind: 'taken', current };
    }
    const current = await this.get(item);
    if (current && current.record.owner.uid === owner.uid) return { kind: 'ours' };
    if (current) return { kind: 'taken', current };
    throw new Error(`allocation record ${this.key(item)} keeps changing`);
  }

  async get(item: string): Promise<StoredRecord | undefined> {
    const { kv } = await this.storage.get(this.key(item));
    return kv ? decodeRecord(item, kv.value, kv.modRevision) : undefined;
  }

  /** Frees `item` if `uid` still holds it; a record someone else holds is left alone. */
  async release(item: string, uid: string): Promise<void> {
    const current = await this.get(item);
    if (!current || current.record.owner.uid !== uid) return;
    await this.storage.delete(this.key(item), current.modRevision);
  }

  /** Deletes the record only if it is unchanged since it was read (compare-and-delete). */
  async remove(stored: StoredRecord): Promise<boolean> {
    const res = await this.storage.delete(this.key(stored.item), stored.modRevision);
    return res.ok;
  }

  async list(): Promise<StoredRecord[]> {
    const out: StoredRecord[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.storage.list(this.prefix, { limit: 1000, after });
      for (const kv of page.kvs) {
        const r = decodeRecord(kv.key.slice(this.prefix.length), kv.value, kv.modRevision);
        if (r) out.push(r);
      }
      const last = page.kvs[page.kvs.length - 1];
      if (!page.more || !last) return out;
      after = last.key;
    }
  }
}

function decodeRecord(item: string, value: Uint8Array, modRevision: number): StoredRecord | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value).toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { owner, allocatedAtMs } = parsed as Record<string, unknown>;
    if (typeof owner !== 'object' || owner === null || typeof allocatedAtMs !== 'number') return undefined;
    const { namespace, name, uid } = owner as Record<string, unknown>;
    if (typeof namespace !== 'string' || typeof name !== 'string' || typeof uid !== 'string') return undefined;
    return { item, record: { owner: { namespace, name, uid }, allocatedAtMs }, modRevision };
  } catch {
    return undefined;
  }
}
