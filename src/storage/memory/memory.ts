// An in-process Storage for tests and throwaway clusters: the current state in a Map plus a
// sorted key index, and a log with one entry per revision for list-at-revision and watch
// replay. Nothing survives the process. Passes conformance.ts like every backend.
import {
  CompactedError,
  StorageUnavailableError,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Storage,
  type StorageEvent,
  type WatchOptions,
  type WriteOptions,
  type WriteResult,
} from '../storage.js';
import { assertValidKey, assertValidPrefix, assertValidTtl, assertValidValue } from '../validate.js';
import { EventQueue } from '../event-queue.js';

interface Watcher {
  prefix: string;
  queue: EventQueue<StorageEvent>;
}

export class MemoryStorage implements Storage {
  readonly backend = 'memory';
  private revision = 0;
  /** Revisions below this one are forgotten. */
  private compactRevision = 0;
  private readonly current = new Map<string, KeyValue>();
  /**
   * Every live key, ascending (UTF-16 code unit order, which matches byte order for the BMP).
   * Writes only note keys added or removed; the next ordered read merges them in, so a burst
   * of writes costs one merge instead of one array shift each.
   */
  private sorted: string[] = [];
  private readonly added = new Set<string>();
  private readonly removed = new Set<string>();
  /** log[i] is the event of revision logStart + i; kept from compactRevision onwards. */
  private log: StorageEvent[] = [];
  private logStart = 1;
  private readonly watchers = new Set<Watcher>();
  private readonly expiries = new Map<string, { timer: NodeJS.Timeout; modRevision: number }>();
  private closed = false;

  async currentRevision(): Promise<number> {
    this.assertOpen();
    return this.revision;
  }

  async get(key: string): Promise<{ revision: number; kv?: KeyValue }> {
    assertValidKey(key);
    this.assertOpen();
    const kv = this.current.get(key);
    return kv ? { revision: this.revision, kv } : { revision: this.revision };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    assertValidPrefix(prefix);
    this.assertOpen();
    const limit = options.limit !== undefined && options.limit > 0 ? options.limit : Infinity;
    const at = options.revision;
    if (at !== undefined && at > 0 && at < this.revision) return this.listPast(prefix, at, limit, options.after);
    if (at !== undefined && at > this.revision) throw new Error(`revision ${at} is in the future (current: ${this.revision})`);
    const kvs: KeyValue[] = [];
    const keys = this.keys();
    let i = lowerBound(keys, options.after !== undefined && options.after >= prefix ? options.after : prefix);
    if (options.after !== undefined && keys[i] === options.after) i++;
    for (; i < keys.length; i++) {
      const key = keys[i] as string;
      if (!key.startsWith(prefix)) break;
      if (kvs.length === limit) return { revision: this.revision, kvs, more: true };
      kvs.push(this.current.get(key) as KeyValue);
    }
    return { revision: this.revision, kvs, more: false };
  }

  async count(prefix: string): Promise<number> {
    assertValidPrefix(prefix);
    this.assertOpen();
    let n = 0;
    const keys = this.keys();
    for (let i = lowerBound(keys, prefix); i < keys.length; i++) {
      if (!(keys[i] as string).startsWith(prefix)) break;
      n++;
    }
    return n;
  }

  async create(key: string, value: Uint8Array, options: WriteOptions = {}): Promise<WriteResult> {
    assertValidKey(key);
    assertValidValue(value);
    assertValidTtl(options.ttlSeconds);
    this.assertOpen();
    const existing = this.current.get(key);
    if (existing) return { ok: false, reason: 'exists', current: existing };
    const rev = this.revision + 1;
    const kv: KeyValue = { key, value: value.slice(), createRevision: rev, modRevision: rev };
    this.commit({ type: 'put', kv });
    this.setExpiry(key, rev, options.ttlSeconds);
    return { ok: true, kv };
  }

  async update(key: string, value: Uint8Array, expectedModRevision: number, options: WriteOptions = {}): Promise<WriteResult> {
    assertValidKey(key);
    assertValidValue(value);
    assertValidTtl(options.ttlSeconds);
    this.assertOpen();
    const existing = this.current.get(key);
    if (!existing) return { ok: false, reason: 'not-found' };
    if (existing.modRevision !== expectedModRevision) return { ok: false, reason: 'conflict', current: existing };
    const rev = this.revision + 1;
    const kv: KeyValue = { key, value: value.slice(), createRevision: existing.createRevision, modRevision: rev };
    this.commit({ type: 'put', kv, prev: existing });
    // Like an etcd put without a lease: an update without ttlSeconds makes the key permanent.
    this.setExpiry(key, rev, options.ttlSeconds);
    return { ok: true, kv };
  }

  async delete(key: string, expectedModRevision?: number): Promise<WriteResult> {
    assertValidKey(key);
    this.assertOpen();
    const existing = this.current.get(key);
    if (!existing) return { ok: false, reason: 'not-found' };
    if (expectedModRevision !== undefined && existing.modRevision !== expectedModRevision) {
      return { ok: false, reason: 'conflict', current: existing };
    }
    return { ok: true, kv: this.deleteExisting(existing) };
  }

  async *watch(prefix: string, options: WatchOptions): AsyncIterable<StorageEvent> {
    assertValidPrefix(prefix);
    this.assertOpen();
    const { afterRevision, signal } = options;
    if (afterRevision + 1 < this.compactRevision) throw new CompactedError(afterRevision, this.compactRevision);
    const queue = new EventQueue<StorageEvent>(signal);
    // Replay and subscription happen in one synchronous step, so no write can fall between.
    for (let rev = Math.max(afterRevision + 1, this.logStart); rev <= this.revision; rev++) {
      const event = this.log[rev - this.logStart] as StorageEvent;
      if (event.kv.key.startsWith(prefix)) queue.push(event);
    }
    const watcher: Watcher = { prefix, queue };
    this.watchers.add(watcher);
    try {
      while (true) {
        const event = await queue.next();
        if (event === undefined) return;
        yield event;
      }
    } finally {
      this.watchers.delete(watcher);
      queue.dispose();
    }
  }

  async compact(revision: number): Promise<void> {
    this.assertOpen();
    if (revision > this.revision) throw new Error(`cannot compact at future revision ${revision} (current: ${this.revision})`);
    if (revision <= this.compactRevision) return;
    this.compactRevision = revision;
    const drop = revision - this.logStart;
    if (drop > 0) {
      this.log = this.log.slice(drop);
      this.logStart = revision;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const { timer } of this.expiries.values()) clearTimeout(timer);
    this.expiries.clear();
    for (const watcher of this.watchers) watcher.queue.end();
    this.watchers.clear();
  }

  /** State as of `at` (compactRevision <= at < revision): current state with later events undone. */
  private listPast(prefix: string, at: number, limit: number, after: string | undefined): ListResult {
    if (at < this.compactRevision) throw new CompactedError(at, this.compactRevision);
    const state = new Map<string, KeyValue>();
    const keys = this.keys();
    for (let i = lowerBound(keys, prefix); i < keys.length; i++) {
      const key = keys[i] as string;
      if (!key.startsWith(prefix)) break;
      state.set(key, this.current.get(key) as KeyValue);
    }
    for (let rev = this.revision; rev > at; rev--) {
      const event = this.log[rev - this.logStart] as StorageEvent;
      if (!event.kv.key.startsWith(prefix)) continue;
      if (event.prev) state.set(event.kv.key, event.prev);
      else state.delete(event.kv.key);
    }
    const wanted = [...state.keys()].filter((k) => after === undefined || k > after).sort();
    const page = wanted.slice(0, limit === Infinity ? undefined : limit);
    return { revision: at, kvs: page.map((k) => state.get(k) as KeyValue), more: page.length < wanted.length };
  }

  /** The sorted key index, with pending additions and removals merged in. */
  private keys(): readonly string[] {
    if (this.added.size === 0 && this.removed.size === 0) return this.sorted;
    const kept = this.removed.size === 0 ? this.sorted : this.sorted.filter((k) => !this.removed.has(k));
    const fresh = [...this.added].sort();
    const merged: string[] = new Array(kept.length + fresh.length);
    let i = 0;
    let j = 0;
    let n = 0;
    while (i < kept.length || j < fresh.length) {
      if (j >= fresh.length || (i < kept.length && (kept[i] as string) < (fresh[j] as string))) merged[n++] = kept[i++] as string;
      else merged[n++] = fresh[j++] as string;
    }
    this.sorted = merged;
    this.added.clear();
    this.removed.clear();
    return merged;
  }

  private deleteExisting(existing: KeyValue): KeyValue {
    const rev = this.revision + 1;
    const kv: KeyValue = { ...existing, modRevision: rev };
    this.commit({ type: 'delete', kv, prev: existing });
    this.setExpiry(existing.key, rev, undefined);
    return kv;
  }

  private commit(event: StorageEvent): void {
    const key = event.kv.key;
    this.revision = event.kv.modRevision;
    if (event.type === 'put') {
      if (!this.current.has(key)) {
        if (!this.removed.delete(key)) this.added.add(key);
      }
      this.current.set(key, event.kv);
    } else {
      this.current.delete(key);
      if (!this.added.delete(key)) this.removed.add(key);
    }
    this.log.push(event);
    for (const watcher of this.watchers) {
      if (key.startsWith(watcher.prefix)) watcher.queue.push(event);
    }
  }

  private setExpiry(key: string, modRevision: number, ttlSeconds: number | undefined): void {
    const old = this.expiries.get(key);
    if (old) {
      clearTimeout(old.timer);
      this.expiries.delete(key);
    }
    if (ttlSeconds === undefined) return;
    const timer = setTimeout(() => {
      this.expiries.delete(key);
      const kv = this.current.get(key);
      if (!this.closed && kv && kv.modRevision === modRevision) this.deleteExisting(kv);
    }, ttlSeconds * 1000);
    timer.unref();
    this.expiries.set(key, { timer, modRevision });
  }

  private assertOpen(): void {
    if (this.closed) throw new StorageUnavailableError('memory storage is closed');
  }
}

/** Index of the first element >= `target` in an ascending array. */
function lowerBound(sorted: readonly string[], target: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as string) < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
