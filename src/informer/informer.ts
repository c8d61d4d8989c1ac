// An informer: a reflector feeding an indexed cache, and event handlers told what changed.
//
// Handler contract (handlers are synchronous and should only enqueue keys; a throwing handler
// is logged and does not affect the others):
//   onAdd(obj, {isInInitialList})        — an object appeared (or was there at the first list, or
//                                          when the handler was added to a synced informer);
//   onUpdate(old, new)                   — an object changed; also (old === new) at each resync;
//   onDelete(obj, {finalStateUnknown})   — an object went away. finalStateUnknown is true when the
//                                          deletion was inferred from a relist: `obj` is then the
//                                          last state this informer saw, not the state at deletion.
// Objects passed to handlers are the cached ones: read-only (frozen by default).
import type { ObjectLike } from '../client/client.js';
import type { Logger } from '../log.js';
import type { BackoffOptions } from './backoff.js';
import { Cache, objectKey, type CacheReader, type Indexers } from './cache.js';
import { realClock, type Clock, type Timer } from './clock.js';
import { Reflector, type ListerWatcher, type ReflectorStore } from './reflector.js';

export interface EventHandlers<T> {
  onAdd?(obj: T, info: { isInInitialList: boolean }): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T, info: { finalStateUnknown: boolean }): void;
}

export interface HandlerOptions {
  /** Every this many ms (once synced), onUpdate(obj, obj) for every cached object. 0 = never (default). */
  resyncPeriodMs?: number;
}

export interface InformerOptions<T extends ObjectLike> {
  /** For log lines, e.g. "pods". */
  name: string;
  source: ListerWatcher<T>;
  labelSelector?: string;
  fieldSelector?: string;
  indexers?: Indexers<T>;
  freeze?: 'deep' | 'none';
  pageSize?: number;
  backoff?: BackoffOptions;
  minWatchTimeoutSeconds?: number;
  clock?: Clock;
  random?: () => number;
  log?: Pick<Logger, 'warn' | 'debug' | 'error'>;
}

interface Listener<T> {
  handlers: EventHandlers<T>;
  resyncPeriodMs: number;
  timer: Timer | undefined;
}

export class Informer<T extends ObjectLike> {
  private readonly store: Cache<T>;
  private readonly reflector: Reflector<T>;
  private readonly listeners = new Set<Listener<T>>();
  private readonly clock: Clock;
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private running = false;

  constructor(private readonly options: InformerOptions<T>) {
    this.clock = options.clock ?? realClock;
    this.store = new Cache<T>({ indexers: options.indexers, freeze: options.freeze });
    const sink: ReflectorStore<T> = {
      replace: (items) => this.replace(items),
      apply: (type, obj) => this.apply(type, obj),
    };
    this.reflector = new Reflector<T>({ ...options, store: sink });
  }

  /** The cached objects; read-only. */
  get cache(): CacheReader<T> {
    return this.store;
  }

  get lastResourceVersion(): string | undefined {
    return this.reflector.lastResourceVersion;
  }

  /** Adds the indexes not present yet (shared informers collect them from several controllers). */
  addIndexers(indexers: Indexers<T>): void {
    for (const [name, fn] of Object.entries(indexers)) {
      if (!this.store.hasIndexer(name)) this.store.addIndexer(name, fn);
    }
  }

  /** Registers handlers; a synced informer first replays onAdd for what it holds. Returns a remover. */
  addEventHandler(handlers: EventHandlers<T>, options: HandlerOptions = {}): () => void {
    const listener: Listener<T> = { handlers, resyncPeriodMs: options.resyncPeriodMs ?? 0, timer: undefined };
    this.listeners.add(listener);
    if (this.synced) {
      for (const obj of this.store.list()) this.call('onAdd', () => handlers.onAdd?.(obj, { isInInitialList: true }));
      this.scheduleResync(listener);
    }
    return () => {
      listener.timer?.cancel();
      this.listeners.delete(listener);
    };
  }

  /** True once the first list has been applied to the cache. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves true once synced, or false if `signal` aborts first. */
  waitForSync(signal: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = (): void => resolve(false);
      signal.addEventListener('abort', onAbort, { once: true });
      this.syncWaiters.push(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      });
    });
  }

  /** Lists and watches until `signal` aborts. One run at a time. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.running) throw new Error(`informer ${this.options.name} is already running`);
    this.running = true;
    try {
      await this.reflector.run(signal);
    } finally {
      this.running = false;
      for (const l of this.listeners) {
        l.timer?.cancel();
        l.timer = undefined;
      }
    }
  }

  get isRunning(): boolean {
    return this.running;
  }

  private replace(items: T[]): void {
    const initial = !this.synced;
    const seen = new Set<string>();
    for (const obj of items) {
      const key = objectKey(obj);
      seen.add(key);
      const old = this.store.get(key);
      if (old && old.metadata?.resourceVersion === obj.metadata?.resourceVersion) continue;
      this.store.upsert(obj);
      if (!old) {
        this.emit('onAdd', (h) => h.onAdd?.(obj, { isInInitialList: initial }));
      } else if (old.metadata?.uid !== obj.metadata?.uid) {
        // Deleted and re-created while we were not watching: two different objects.
        this.emit('onDelete', (h) => h.onDelete?.(old, { finalStateUnknown: true }));
        this.emit('onAdd', (h) => h.onAdd?.(obj, { isInInitialList: false }));
      } else {
        this.emit('onUpdate', (h) => h.onUpdate?.(old, obj));
      }
    }
    for (const key of this.store.keys()) {
      if (seen.has(key)) continue;
      const gone = this.store.delete(key);
      if (gone) this.emit('onDelete', (h) => h.onDelete?.(gone, { finalStateUnknown: true }));
    }
    if (initial) {
      this.synced = true;
      for (const l of this.listeners) this.scheduleResync(l);
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  private apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: T): void {
    if (type === 'DELETED') {
      this.store.delete(objectKey(obj));
      this.emit('onDelete', (h) => h.onDelete?.(obj, { finalStateUnknown: false }));
      return;
    }
    const old = this.store.upsert(obj);
    if (old) this.emit('onUpdate', (h) => h.onUpdate?.(old, obj));
    else this.emit('onAdd', (h) => h.onAdd?.(obj, { isInInitialList: false }));
  }

  private emit(what: string, call: (h: EventHandlers<T>) => void): void {
    for (const l of this.listeners) this.call(what, () => call(l.handlers));
  }

  private call(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.options.log?.error(`${this.options.name}: ${what} handler failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private scheduleResync(l: Listener<T>): void {
    if (l.resyncPeriodMs <= 0 || !this.running || l.timer) return;
    l.timer = this.clock.setTimer(l.resyncPeriodMs, () => {
      l.timer = undefined;
      if (!this.running || !this.listeners.has(l)) return;
      for (const obj of this.store.list()) this.call('onUpdate', () => l.handlers.onUpdate?.(obj, obj));
      this.scheduleResync(l);
    });
  }
}
