// One HTTP watch: a chunked stream of `{"type":…,"object":…}` lines fed by the watch cache
// (or, for a resourceVersion older than the cache's window, by a storage watch), with
// bookmarks, a timeout, and an end when the client goes away or cannot keep up.
import type { ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { formatApiVersion } from '../../api/object.js';
import type { ResourceInfo } from '../../api/resources.js';
import { storagePrefix } from '../../api/resources.js';
import { CompactedError, type Storage } from '../../storage/storage.js';
import { withResourceVersion } from '../registry/encoding.js';
import { tooOld } from '../registry/registry.js';
import type { CachedObject, CacheEvent, CacheSubscriber, EventType, WatchCache } from './cache.js';
import { deliveryFor, matchesFilter, type Delivery, type WatchFilter } from './filter.js';
import { watchFlusher } from './flusher.js';

/** Turns one event into its wire line. JSON lines are shared through `event.lines`. */
export interface WatchEncoder {
  /** `object` is the state to send; `event` is set when the line may be cached on it. */
  line(type: EventType, object: CachedObject, shared: { event: CacheEvent; key: string } | undefined): Buffer;
}

/** The most a corked batch of watch events holds back before it is sent. */
const CORK_FLUSH_BYTES = 256 * 1024;

const LINE_START: Readonly<Record<EventType, Buffer>> = {
  ADDED: Buffer.from('{"type":"ADDED","object":'),
  MODIFIED: Buffer.from('{"type":"MODIFIED","object":'),
  DELETED: Buffer.from('{"type":"DELETED","object":'),
};
const LINE_END = Buffer.from('}\n');

export const jsonEncoder: WatchEncoder = {
  line(type, object, shared) {
    const cached = shared?.event.lines?.get(shared.key);
    if (cached) return cached;
    const start = LINE_START[type];
    const json = object.json;
    const line = Buffer.concat([start, ...json.chunks, LINE_END], start.length + json.length + LINE_END.length);
    if (shared) (shared.event.lines ??= new Map()).set(shared.key, line);
    return line;
  },
};

/** Encodes objects (e.g. as one-row Tables) per watcher; nothing is shared. */
export function objectEncoder(render: (obj: KubeObject) => unknown): WatchEncoder {
  return {
    line(type, object) {
      return Buffer.from(`${JSON.stringify({ type, object: render(object.obj) })}\n`);
    },
  };
}

export interface WatchRequest {
  resource: ResourceInfo;
  cache: WatchCache;
  storage: Storage;
  filter: WatchFilter;
  /** "" / "0": current state first; otherwise events after this revision. */
  resourceVersion: string;
  sendInitialEvents: boolean | undefined;
  allowBookmarks: boolean;
  timeoutMs: number;
  bookmarkIntervalMs: number;
  /** Beyond this many unsent bytes the watcher is closed (the client re-lists). */
  maxBacklogBytes: number;
  encoder: WatchEncoder;
  contentType: string;
}

/** Serves the watch until timeout, client close, or cache reset. Throws before writing headers. */
export async function serveWatch(res: ServerResponse, w: WatchRequest): Promise<void> {
  await w.cache.ready();
  let afterRevision = 0;
  const fromState = w.sendInitialEvents === true || w.resourceVersion === '' || w.resourceVersion === '0';
  if (!fromState) {
    afterRevision = Number(w.resourceVersion);
    if (!/^\d+$/.test(w.resourceVersion) || !Number.isSafeInteger(afterRevision)) {
      throw ApiError.badRequest(`invalid resource version: ${JSON.stringify(w.resourceVersion)}`);
    }
  }
  res.writeHead(200, { 'Content-Type': w.contentType, 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();

  const abort = new AbortController();
  let lastRevision = afterRevision;
  let unsubscribe: (() => void) | undefined;
  const timers: NodeJS.Timeout[] = [];
  const finish = (): void => {
    if (abort.signal.aborted) return;
    abort.abort();
    unsubscribe?.();
    for (const t of timers) clearTimeout(t);
    sendBatch();
    if (!res.writableEnded) res.end();
  };
  res.on('close', finish);
  res.on('error', finish);

  // Events are sent in batches, all watches of the server together (see flusher.ts). A batch
  // over CORK_FLUSH_BYTES (an initial replay) goes out at once. On an in-process connection
  // (components in the server's process) a send costs no system call: its batch goes out as
  // soon as the current callback's events are written.
  const network = res.socket instanceof Socket;
  let batch: Socket | undefined;
  const sendBatch = (): void => {
    const socket = batch;
    if (!socket) return;
    batch = undefined;
    socket.uncork();
  };
  const write = (line: Buffer): void => {
    if (abort.signal.aborted) return;
    if (!batch && res.socket) {
      batch = res.socket;
      batch.cork();
      if (network) watchFlusher.hold(sendBatch);
      else process.nextTick(sendBatch);
    }
    res.write(line);
    if (batch && batch.writableLength > CORK_FLUSH_BYTES) sendBatch();
    if (res.writableLength > w.maxBacklogBytes) finish();
  };
  const send = (ev: CacheEvent, d: Delivery): void => {
    const object = d.prevAsDeleted && ev.prev ? restamp(ev.prev, ev.rv) : ev.object;
    const key = d.prevAsDeleted ? 'DELETED_PREV' : d.type;
    write(w.encoder.line(d.type, object, { event: ev, key }));
  };
  const onEvent = (ev: CacheEvent): void => {
    if (ev.rv <= afterRevision) return;
    lastRevision = Math.max(lastRevision, ev.rv);
    const d = deliveryFor(w.filter, ev);
    if (d) send(ev, d);
  };
  const bookmark = (annotations?: Record<string, string>): void => {
    const revision = Math.max(lastRevision, w.cache.revision);
    const metadata: Record<string, unknown> = { resourceVersion: String(revision) };
    if (annotations) metadata['annotations'] = annotations;
    const object = { kind: w.resource.kind, apiVersion: formatApiVersion(w.resource.group, w.resource.version), metadata };
    write(Buffer.from(`${JSON.stringify({ type: 'BOOKMARK', object })}\n`));
  };

  const subscriber: CacheSubscriber = { onEvent, onReset: finish };
  const unsub = w.cache.subscribe(
    subscriber,
    fromState ? { kind: 'state' } : { kind: 'after', revision: afterRevision },
    (replay) => {
      if ('state' in replay) {
        if (w.sendInitialEvents !== false) {
          for (const o of replay.state) {
            if (matchesFilter(w.filter, o)) write(w.encoder.line('ADDED', o, undefined));
          }
        }
        afterRevision = w.cache.revision;
        lastRevision = afterRevision;
        if (w.sendInitialEvents === true && w.allowBookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });
      } else {
        for (const ev of replay.events) onEvent(ev);
      }
    },
  );
  timers.push(setTimeout(finish, w.timeoutMs));
  if (w.allowBookmarks) {
    const tick = (): void => {
      bookmark();
      timers.push(setTimeout(tick, w.bookmarkIntervalMs));
    };
    timers.push(setTimeout(tick, w.bookmarkIntervalMs));
  }
  if (unsub) {
    unsubscribe = unsub;
    return;
  }
  // The cache's window does not reach back to afterRevision: replay from storage, and move to
  // the cache once the storage watch reaches the cache's window (it usually does at its first
  // event: a cache started just after the client's list). Events are then no longer parsed
  // from storage bytes per watcher.
  const toCache = (rv: number, keysAtRv: ReadonlySet<string>): boolean => {
    if (abort.signal.aborted) return true;
    // One storage transaction may write several keys at `rv`: the cache replays from `rv` on,
    // without the events the storage watch has already sent.
    const fromCache = (ev: CacheEvent): void => {
      if (ev.rv > rv || (ev.rv === rv && !keysAtRv.has(ev.object.key))) onEvent(ev);
    };
    const moved = w.cache.subscribe({ onEvent: fromCache, onReset: finish }, { kind: 'after', revision: rv - 1 }, (replay) => {
      if ('events' in replay) for (const ev of replay.events) fromCache(ev);
    });
    if (moved) unsubscribe = moved;
    return moved !== undefined;
  };
  void watchStorage(w, afterRevision, abort.signal, onEvent, toCache).catch((err: unknown) => {
    if (err instanceof CompactedError) {
      const status = tooOld(afterRevision).toStatus();
      status.message = `too old resource version: ${afterRevision} (${err.compactRevision})`;
      write(Buffer.from(`${JSON.stringify({ type: 'ERROR', object: status })}\n`));
    } else if (!abort.signal.aborted) {
      const status = ApiError.internal(err instanceof Error ? err.message : String(err)).toStatus();
      write(Buffer.from(`${JSON.stringify({ type: 'ERROR', object: status })}\n`));
    }
    finish();
  });
}

function restamp(o: CachedObject, rv: number): CachedObject {
  const json = withResourceVersion(o.raw, rv);
  const obj = { ...o.obj, metadata: { ...o.obj.metadata, resourceVersion: String(rv) } };
  return { ...o, json, obj, rv };
}

async function watchStorage(
  w: WatchRequest,
  afterRevision: number,
  signal: AbortSignal,
  onEvent: (ev: CacheEvent) => void,
  /** Called after each event with its revision and the keys sent at it; true ends the storage watch (the cache carries on). */
  toCache: (rv: number, keysAtRv: ReadonlySet<string>) => boolean,
): Promise<void> {
  const known = new Map<string, CachedObject>();
  let keysAt = { rv: 0, keys: new Set<string>() };
  for await (const ev of w.storage.watch(storagePrefix(w.resource), { afterRevision, signal })) {
    const prevKv = ev.prev;
    const prev = known.get(ev.kv.key) ?? (prevKv ? w.cache.toCached(prevKv.key, prevKv.value, prevKv.modRevision) : undefined);
    const rv = ev.kv.modRevision;
    if (ev.type === 'delete') {
      known.delete(ev.kv.key);
      const last = w.cache.toCached(ev.kv.key, ev.kv.value, rv);
      onEvent({ type: 'DELETED', rv, object: last, prev });
    } else {
      const cur = w.cache.toCached(ev.kv.key, ev.kv.value, rv);
      known.set(ev.kv.key, cur);
      const isNew = ev.kv.createRevision === rv;
      onEvent({ type: isNew ? 'ADDED' : 'MODIFIED', rv, object: cur, prev });
    }
    if (keysAt.rv !== rv) keysAt = { rv, keys: new Set() };
    keysAt.keys.add(ev.kv.key);
    if (toCache(rv, keysAt.keys)) return;
  }
}
