// The watch cache of one resource: the current objects and a window of recent events, fed by
// a single storage watch started on first use. It serves `resourceVersion=0` lists and every
// watch that starts inside its window without touching storage. Each object is parsed once
// and keeps its JSON bytes; each event's wire line is built once and shared by all watchers.
// An object this server writes is not parsed at all: the registry hands it over before the
// write (`expectWrite`) and the cache keeps a view of it when the event brings the same bytes.
import type { KubeObject } from '../../api/object.js';
import type { ResourceInfo } from '../../api/resources.js';
import { selectableFields } from '../../api/selectors/fields.js';
import { CompactedError, type Storage, type StorageEvent } from '../../storage/storage.js';
import { decodeStored, storedView, withResourceVersion, type ServedJson } from '../registry/encoding.js';
import { meta } from '../registry/meta.js';

/** One object state as the cache holds it. Treat as immutable. */
export interface CachedObject {
  key: string;
  obj: KubeObject;
  /** JSON with metadata.resourceVersion = rv. */
  json: ServedJson;
  /** Stored bytes (no resourceVersion), to re-stamp with another revision. */
  raw: Uint8Array;
  rv: number;
  namespace: string;
  labels: Readonly<Record<string, string>>;
  fields: Readonly<Record<string, string>>;
}

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface CacheEvent {
  type: EventType;
  rv: number;
  /** The new state; for DELETED the last state, stamped with the deletion revision. */
  object: CachedObject;
  /** The state before this event, when there was one. */
  prev: CachedObject | undefined;
  /**
   * Wire lines built while the event is handed to the watchers, shared by all JSON watchers.
   * Dropped once every current watcher has it, so the history window does not hold every
   * event's bytes; an event replayed to a new watcher is encoded again (and kept for the
   * other watchers replaying it).
   */
  lines?: Map<string, Buffer> | undefined;
}

/** What `expectWrite` returns to the writer. */
export interface WriteHandoff {
  /** The write did not happen: forget the object. */
  withdraw(): void;
  /** The object's JSON at revision `rv` (after the write). */
  json(rv: number): ServedJson;
}

interface ExpectedWrite {
  bytes: Uint8Array;
  obj: KubeObject;
}

export interface CacheSubscriber {
  /** Called synchronously, in revision order. */
  onEvent(event: CacheEvent): void;
  /** The cache lost its storage watch: the subscriber must end its stream. */
  onReset(): void;
}

export interface WatchCacheOptions {
  /** Events kept for watches that resume from a resourceVersion. */
  historySize: number;
  log: (line: string) => void;
}

export class WatchCache {
  private objects = new Map<string, CachedObject>();
  private sortedKeys: string[] | undefined;
  /** The window of recent events is `history` from index `historyStart` on (dropping from the front is then O(1)). */
  private history: (CacheEvent | undefined)[] = [];
  private historyStart = 0;
  /** Every event with rv > oldestRevision is in the window. */
  private oldestRevision = 0;
  private revisionSeen = 0;
  private readonly subscribers = new Set<CacheSubscriber>();
  private starting: Promise<void> | undefined;
  private abort: AbortController | undefined;
  private closed = false;
  /** Objects about to be written by this server, by key, with the bytes they are written as. */
  private readonly written = new Map<string, ExpectedWrite>();

  constructor(
    readonly resource: ResourceInfo,
    private readonly storage: Storage,
    private readonly prefix: string,
    private readonly options: WatchCacheOptions,
  ) {}

  /** The newest revision the cache reflects. */
  get revision(): number {
    return this.revisionSeen;
  }

  /** Lists storage and starts the storage watch, once; later calls return the same promise. */
  ready(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('watch cache closed'));
    this.starting ??= this.start();
    return this.starting;
  }

  private async start(): Promise<void> {
    const objects = new Map<string, CachedObject>();
    let after: string | undefined;
    let revision: number | undefined;
    for (;;) {
      const page = await this.storage.list(this.prefix, { limit: 1000, after, revision });
      revision ??= page.revision;
      for (const kv of page.kvs) objects.set(kv.key, this.toCached(kv.key, kv.value, kv.modRevision));
      const last = page.kvs[page.kvs.length - 1];
      if (!page.more || !last) break;
      after = last.key;
    }
    this.objects = objects;
    this.written.clear();
    this.sortedKeys = undefined;
    this.history = [];
    this.historyStart = 0;
    this.oldestRevision = revision;
    this.revisionSeen = revision;
    const abort = new AbortController();
    this.abort = abort;
    void this.pump(revision, abort.signal);
  }

  private async pump(fromRevision: number, signal: AbortSignal): Promise<void> {
    try {
      for await (const ev of this.storage.watch(this.prefix, { afterRevision: fromRevision, signal })) {
        this.apply(ev);
      }
      if (!signal.aborted && !this.closed) this.reset('storage watch ended');
    } catch (err) {
      if (signal.aborted || this.closed) return;
      const why = err instanceof CompactedError ? 'storage compacted past the cache' : String(err);
      this.reset(why);
    }
  }

  /** Drops everything; watchers end (clients re-list); the next use starts afresh. */
  private reset(why: string): void {
    this.options.log(`watch cache ${this.resource.plural}: reset (${why})`);
    this.abort?.abort();
    this.abort = undefined;
    this.starting = undefined;
    this.written.clear();
    const subs = [...this.subscribers];
    this.subscribers.clear();
    for (const s of subs) s.onReset();
  }

  private apply(ev: StorageEvent): void {
    const rv = ev.kv.modRevision;
    const prev = this.objects.get(ev.kv.key);
    let event: CacheEvent;
    if (ev.type === 'delete') {
      const last = this.toCached(ev.kv.key, ev.kv.value.length > 0 ? ev.kv.value : (prev?.raw ?? ev.kv.value), rv);
      this.objects.delete(ev.kv.key);
      this.sortedKeys = undefined;
      event = { type: 'DELETED', rv, object: last, prev };
    } else {
      const cur = this.fromWrite(ev.kv.key, ev.kv.value, rv) ?? this.toCached(ev.kv.key, ev.kv.value, rv);
      if (!prev) this.sortedKeys = undefined;
      this.objects.set(ev.kv.key, cur);
      event = { type: prev ? 'MODIFIED' : 'ADDED', rv, object: cur, prev };
    }
    this.revisionSeen = rv;
    this.history.push(event);
    const excess = this.history.length - this.historyStart - this.options.historySize;
    if (excess > 0) {
      for (let i = this.historyStart; i < this.historyStart + excess; i++) {
        const dropped = this.history[i];
        if (dropped) this.oldestRevision = dropped.rv;
        this.history[i] = undefined;
      }
      this.historyStart += excess;
      // The emptied slots go in one splice once they are as many as the window holds.
      if (this.historyStart >= Math.max(this.options.historySize, 64)) {
        this.history.splice(0, this.historyStart);
        this.historyStart = 0;
      }
    }
    for (const s of this.subscribers) s.onEvent(event);
    event.lines = undefined;
  }

  /**
   * The registry is about to store `obj` as `bytes` at `key`: when the storage event for this
   * key brings these bytes, the cache keeps a view of `obj` instead of parsing them. The
   * caller hands `obj` over: neither it nor anything it holds may change afterwards. While
   * the cache is not running nothing is kept (nothing would take the object).
   */
  expectWrite(key: string, bytes: Uint8Array, obj: KubeObject): WriteHandoff {
    const entry: ExpectedWrite = { bytes, obj };
    if (this.running) this.written.set(key, entry);
    return {
      withdraw: () => {
        if (this.written.get(key) === entry) this.written.delete(key);
      },
      json: (rv) => withResourceVersion(bytes, rv),
    };
  }

  /** The object the registry announced for this event, when the event carries its bytes. */
  private fromWrite(key: string, raw: Uint8Array, rv: number): CachedObject | undefined {
    const entry = this.written.get(key);
    if (!entry) return undefined;
    this.written.delete(key);
    if (!Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).equals(entry.bytes)) return undefined;
    return this.cachedObject(key, raw, rv, withResourceVersion(raw, rv), storedView(entry.obj, rv));
  }

  /** Started and following storage (not closed, not reset since). */
  get running(): boolean {
    return this.abort !== undefined && !this.closed;
  }

  /** The current state of `key` as the cache holds it (undefined when absent or not running). */
  current(key: string): CachedObject | undefined {
    return this.running ? this.objects.get(key) : undefined;
  }

  toCached(key: string, raw: Uint8Array, rv: number): CachedObject {
    const json = withResourceVersion(raw, rv);
    return this.cachedObject(key, raw, rv, json, decodeStored(json));
  }

  private cachedObject(key: string, raw: Uint8Array, rv: number, json: ServedJson, obj: KubeObject): CachedObject {
    const m = meta(obj);
    return {
      key,
      obj,
      json,
      raw,
      rv,
      namespace: m.namespace ?? '',
      labels: m.labels ?? {},
      fields: selectableFields(this.resource, obj),
    };
  }

  /** Current objects in key order (after ready()). */
  snapshot(): CachedObject[] {
    if (!this.sortedKeys) this.sortedKeys = [...this.objects.keys()].sort();
    const out: CachedObject[] = [];
    for (const k of this.sortedKeys) {
      const o = this.objects.get(k);
      if (o) out.push(o);
    }
    return out;
  }

  /**
   * Registers a subscriber that first receives (synchronously, via `replay`) either the
   * current state or the events after `afterRevision`. Returns undefined when the window no
   * longer covers `afterRevision` (the caller falls back to a storage watch).
   */
  subscribe(
    subscriber: CacheSubscriber,
    start: { kind: 'state' } | { kind: 'after'; revision: number },
    replay: (items: { state: CachedObject[] } | { events: CacheEvent[] }) => void,
  ): (() => void) | undefined {
    if (start.kind === 'after') {
      if (start.revision < this.oldestRevision) return undefined;
      const events: CacheEvent[] = [];
      for (let i = this.historyStart; i < this.history.length; i++) {
        const e = this.history[i];
        if (e && e.rv > start.revision) events.push(e);
      }
      replay({ events });
    } else {
      replay({ state: this.snapshot() });
    }
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  close(): void {
    this.closed = true;
    this.written.clear();
    this.abort?.abort();
    for (const s of this.subscribers) s.onReset();
    this.subscribers.clear();
  }
}
