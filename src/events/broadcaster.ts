// The EventRecorder that writes core/v1 Events through the API, as Kubernetes' legacy recorder
// and broadcaster do: callers never wait (a bounded queue drained by one background writer;
// when full, events are dropped with a log line), and a repeat of the same event for the same
// object within the aggregation window bumps `count` and `lastTimestamp` of the Event already
// written (a PATCH) instead of creating another one.
import type { Event, ObjectReference } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../api/errors.js';
import { findResource } from '../api/resources.js';
import type { ApiClient, ObjectLike } from '../client/client.js';
import type { ResourceClient } from '../client/resource-client.js';
import { sleep, type Clock } from '../informer/clock.js';
import type { Logger } from '../log.js';
import type { EventRecorder, EventType } from './recorder.js';

export interface EventBroadcasterOptions {
  client: ApiClient;
  /** Measures the aggregation window and retry delays. */
  clock: Clock;
  log: Logger;
  /** Wall time in ms since the epoch for timestamps and names (default Date.now). */
  wallClock?: () => number;
  /** Events waiting to be written before new ones are dropped (default 1000, as Kubernetes). */
  queueLength?: number;
  /** Repeats within this time update the existing Event (default 10 min). */
  aggregationWindowMs?: number;
}

export interface EventSource {
  /** `source.component` and `reportingComponent`, e.g. "replicaset-controller", "kubelet". */
  component: string;
  /** `source.host` and `reportingInstance` (the node name for a kubelet). */
  host?: string;
}

export interface EventRecorderOptions extends EventBroadcasterOptions, EventSource {}

/** One queue and one writer shared by the recorders of several components. */
export interface EventBroadcaster {
  /** A recorder whose events carry this source; `source` is read at each event. */
  recorderFor(source: EventSource | (() => EventSource)): EventRecorder;
  /** Resolves once every event recorded before the call has been written or given up on. */
  flush(): Promise<void>;
  /** Stops writing; what is still queued is dropped and later events are ignored. */
  close(): void;
}

export interface BroadcastingEventRecorder extends EventRecorder {
  flush(): Promise<void>;
  close(): void;
}

/** A recorder for one component with its own queue. */
export function createEventRecorder(options: EventRecorderOptions): BroadcastingEventRecorder {
  const broadcaster = createEventBroadcaster(options);
  const recorder = broadcaster.recorderFor({ component: options.component, host: options.host });
  return { event: recorder.event, flush: broadcaster.flush, close: broadcaster.close };
}

interface Pending {
  source: EventSource;
  ref: ObjectReference;
  type: EventType;
  reason: string;
  message: string;
  /** Wall time of the occurrence. */
  at: number;
}

interface Written {
  namespace: string;
  name: string;
  count: number;
  /** clock.now() of the last write, for the aggregation window. */
  seenAt: number;
}

const CACHE_ENTRIES = 4096;
const MAX_ATTEMPTS = 3;
const RETRY_DELAY_MS = 1_000;

export function createEventBroadcaster(options: EventBroadcasterOptions): EventBroadcaster {
  const eventsResource = findResource('', 'v1', 'events');
  if (!eventsResource) throw new Error('the resource table has no core/v1 events');
  const events: ResourceClient<Event> = options.client.resource<Event>(eventsResource);
  const wallClock = options.wallClock ?? Date.now;
  const queueLength = options.queueLength ?? 1000;
  const windowMs = options.aggregationWindowMs ?? 600_000;
  const log = options.log;
  const queue: Pending[] = [];
  const written = new Map<string, Written>();
  const stop = new AbortController();
  let draining: Promise<void> | undefined;
  let lastNanos = 0n;

  const eventName = (objectName: string, at: number): string => {
    // Kubernetes names events `<object>.<UnixNano in hex>`; nanoseconds are made strictly
    // increasing here because the wall clock only has milliseconds.
    let nanos = BigInt(Math.floor(at)) * 1_000_000n;
    if (nanos <= lastNanos) nanos = lastNanos + 1n;
    lastNanos = nanos;
    return `${objectName}.${nanos.toString(16)}`;
  };

  const create = async (p: Pending, key: string): Promise<void> => {
    const namespace = p.ref.namespace || 'default';
    const ts = rfc3339(p.at);
    const body: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: eventName(p.ref.name ?? 'unknown', p.at), namespace },
      involvedObject: p.ref,
      reason: p.reason,
      message: p.message,
      source: p.source.host ? { component: p.source.component, host: p.source.host } : { component: p.source.component },
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
      type: p.type,
      reportingComponent: p.source.component,
      reportingInstance: p.source.host ?? '',
    };
    const created = await events.create(body);
    remember(key, { namespace, name: created.metadata?.name ?? '', count: created.count ?? 1, seenAt: options.clock.now() });
  };

  const bump = async (p: Pending, key: string, prev: Written): Promise<void> => {
    const count = prev.count + 1;
    const patch = { count, lastTimestamp: rfc3339(p.at), message: p.message };
    const patched = await options.client.resource<Event>(eventsResource, prev.namespace).patch(prev.name, 'strategic', patch);
    remember(key, { ...prev, count: patched.count ?? count, seenAt: options.clock.now() });
  };

  const remember = (key: string, w: Written): void => {
    written.delete(key);
    written.set(key, w);
    if (written.size > CACHE_ENTRIES) {
      const oldest = written.keys().next().value;
      if (oldest !== undefined) written.delete(oldest);
    }
  };

  const writeOne = async (p: Pending): Promise<void> => {
    const key = JSON.stringify([p.source.component, p.source.host, p.ref.apiVersion, p.ref.kind, p.ref.namespace, p.ref.name, p.ref.uid, p.type, p.reason, p.message]);
    for (let attempt = 1; ; attempt++) {
      try {
        const prev = written.get(key);
        if (prev && options.clock.now() - prev.seenAt <= windowMs) {
          try {
            await bump(p, key, prev);
          } catch (err) {
            // The Event expired (TTL) or was deleted: start a new one.
            if (!(err instanceof ApiError && err.code === 404)) throw err;
            written.delete(key);
            await create(p, key);
          }
        } else {
          await create(p, key);
        }
        return;
      } catch (err) {
        const what = `event ${p.reason} for ${p.ref.kind ?? ''} ${p.ref.namespace ? `${p.ref.namespace}/` : ''}${p.ref.name ?? ''}`;
        const message = err instanceof Error ? err.message : String(err);
        if (!retriable(err) || attempt >= MAX_ATTEMPTS || stop.signal.aborted) {
          // A terminating namespace refuses new objects; Kubernetes drops these silently too.
          if (err instanceof ApiError && err.code === 403) log.debug(`dropped ${what}: ${message}`);
          else log.warn(`dropped ${what}: ${message}`);
          return;
        }
        await sleep(options.clock, RETRY_DELAY_MS * attempt, stop.signal);
      }
    }
  };

  const drain = async (): Promise<void> => {
    for (;;) {
      const next = queue.shift();
      if (!next || stop.signal.aborted) return;
      await writeOne(next);
    }
  };

  const kick = (): void => {
    if (draining || stop.signal.aborted) return;
    draining = drain().finally(() => {
      draining = undefined;
      if (queue.length > 0) kick();
    });
  };

  let dropped = 0;
  return {
    recorderFor(source: EventSource | (() => EventSource)): EventRecorder {
      return {
        event(object: ObjectLike, type: EventType, reason: string, message: string): void {
          try {
            if (stop.signal.aborted) return;
            const ref = referenceTo(object);
            if (queue.length >= queueLength) {
              // One line per burst, not per event: a full queue means a flood.
              if (dropped++ === 0) log.warn(`event queue full (${queueLength}): dropping ${type} ${reason} for ${ref.kind ?? ''} ${ref.name ?? ''} and later events`);
              return;
            }
            if (dropped > 0) {
              log.warn(`event queue has room again; ${dropped} events were dropped`);
              dropped = 0;
            }
            const s = typeof source === 'function' ? source() : source;
            queue.push({ source: { component: s.component, host: s.host }, ref, type, reason, message, at: wallClock() });
            kick();
          } catch (err) {
            log.error(`recording event ${reason}: ${err instanceof Error ? err.message : String(err)}`);
          }
        },
      };
    },
    async flush(): Promise<void> {
      while (draining) await draining;
    },
    close(): void {
      stop.abort();
      queue.length = 0;
    },
  };
}

/** The full ObjectReference Kubernetes records as `involvedObject`. */
function referenceTo(object: ObjectLike): ObjectReference {
  const m = object.metadata ?? {};
  const ref: ObjectReference = { kind: object.kind, namespace: m.namespace, name: m.name, uid: m.uid, apiVersion: object.apiVersion, resourceVersion: m.resourceVersion };
  const fieldPath = (object as { fieldPath?: unknown }).fieldPath;
  if (typeof fieldPath === 'string' && fieldPath !== '') ref.fieldPath = fieldPath;
  for (const k of Object.keys(ref) as (keyof ObjectReference)[]) if (ref[k] === undefined || ref[k] === '') delete ref[k];
  return ref;
}

function retriable(err: unknown): boolean {
  if (!(err instanceof ApiError)) return true;
  return err.code === 429 || err.code >= 500;
}

/** Kubernetes' metav1.Time: RFC 3339 with second precision. */
function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
