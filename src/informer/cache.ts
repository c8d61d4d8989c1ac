// The informer's store: objects keyed `namespace/name` (or `name` when cluster-scoped), with
// named indexes kept up to date on every write.
//
// Objects in the cache are shared by every reader and are READ-ONLY: copy (deepCopy from
// api/object.ts) before changing one. By default they are deep-frozen on insert, so a stray
// write throws a TypeError instead of silently corrupting every controller's view.
import { deepFreeze } from '../api/object.js';
import type { ObjectLike } from '../client/client.js';

/** The values an object is filed under in one index; empty means "not in this index". */
export type IndexFunc<T> = (obj: T) => readonly string[];

export type Indexers<T> = Readonly<Record<string, IndexFunc<T>>>;

export interface CacheOptions<T> {
  indexers?: Indexers<T>;
  /** "deep" (default) freezes every object inserted; "none" trusts callers. */
  freeze?: 'deep' | 'none';
}

/** A read-only view: what informers hand to controllers. */
export interface CacheReader<T> {
  get(key: string): T | undefined;
  list(): T[];
  keys(): string[];
  /** Objects filed under `value` in the index `name`; throws for an unknown index. */
  byIndex(name: string, value: string): T[];
  readonly size: number;
}

export function objectKey(obj: ObjectLike): string {
  const name = obj.metadata?.name ?? '';
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${name}` : name;
}

export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { namespace: undefined, name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

export class Cache<T extends ObjectLike> implements CacheReader<T> {
  private readonly items = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  /** index name → value → keys. */
  private readonly indexes = new Map<string, Map<string, Set<string>>>();
  /** key → index name → the values it was filed under (so removal never re-runs index functions). */
  private readonly filed = new Map<string, Map<string, readonly string[]>>();
  private readonly freeze: boolean;

  constructor(options: CacheOptions<T> = {}) {
    this.freeze = (options.freeze ?? 'deep') === 'deep';
    for (const [name, fn] of Object.entries(options.indexers ?? {})) this.addIndexer(name, fn);
  }

  get size(): number {
    return this.items.size;
  }

  /** Adds an index (also over the objects already stored). Re-adding a name is an error. */
  addIndexer(name: string, fn: IndexFunc<T>): void {
    if (this.indexers.has(name)) throw new Error(`index "${name}" already exists`);
    this.indexers.set(name, fn);
    const index = new Map<string, Set<string>>();
    this.indexes.set(name, index);
    for (const [key, obj] of this.items) this.fileUnder(name, index, key, fn(obj));
  }

  hasIndexer(name: string): boolean {
    return this.indexers.has(name);
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  byIndex(name: string, value: string): T[] {
    const index = this.indexes.get(name);
    if (!index) throw new Error(`no index named "${name}"`);
    const out: T[] = [];
    for (const key of index.get(value) ?? []) {
      const obj = this.items.get(key);
      if (obj) out.push(obj);
    }
    return out;
  }

  /** Inserts or replaces; returns the object that was there before. The object is frozen unless freeze is "none". */
  upsert(obj: T): T | undefined {
    const key = objectKey(obj);
    const old = this.items.get(key);
    if (old) this.unindex(key);
    if (this.freeze) deepFreeze(obj);
    this.items.set(key, obj);
    for (const [name, fn] of this.indexers) {
      const index = this.indexes.get(name);
      if (index) this.fileUnder(name, index, key, fn(obj));
    }
    return old;
  }

  /** Removes; returns what was there. */
  delete(key: string): T | undefined {
    const old = this.items.get(key);
    if (!old) return undefined;
    this.unindex(key);
    this.items.delete(key);
    return old;
  }

  private fileUnder(name: string, index: Map<string, Set<string>>, key: string, values: readonly string[]): void {
    if (values.length === 0) return;
    for (const value of values) {
      let keys = index.get(value);
      if (!keys) index.set(value, (keys = new Set()));
      keys.add(key);
    }
    let byIndex = this.filed.get(key);
    if (!byIndex) this.filed.set(key, (byIndex = new Map()));
    byIndex.set(name, [...values]);
  }

  private unindex(key: string): void {
    for (const [name, values] of this.filed.get(key) ?? []) {
      const index = this.indexes.get(name);
      for (const value of values) {
        const keys = index?.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index?.delete(value);
      }
    }
    this.filed.delete(key);
  }
}
