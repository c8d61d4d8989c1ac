// Event expiry (kube-apiserver's `--event-ttl`, default 1 h). Kubernetes gives each Event an
// etcd lease; here a small controller deletes expired Events through the API instead, so the
// memory, SQLite and etcd backends all behave the same and storage needs no TTL support.
import { ApiError } from '../api/errors.js';
import { findResource, type ResourceInfo } from '../api/resources.js';
import type { ApiClient, ObjectLike } from '../client/client.js';
import type { ControllerFactory } from '../controllers/controller.js';
import { sleep } from '../informer/clock.js';
import type { Logger } from '../log.js';

/** How often expired Events are looked for: a tenth of the TTL, at most once a minute. */
export function sweepPeriodMs(ttlMs: number): number {
  return Math.max(1_000, Math.min(60_000, Math.floor(ttlMs / 10)));
}

/** The controller `eventttl`: sweeps at start, then every sweepPeriodMs(options.eventTtlMs). */
export const eventTtlController: ControllerFactory = (ctx) => ({
  name: 'eventttl',
  async run(signal: AbortSignal): Promise<void> {
    const log = ctx.log.child('eventttl');
    while (!signal.aborted) {
      try {
        const deleted = await deleteExpiredEvents({ client: ctx.client, ttlMs: ctx.options.eventTtlMs, nowMs: Date.now(), log, signal });
        if (deleted > 0) log.debug(`deleted ${deleted} expired events`);
      } catch (err) {
        if (!signal.aborted) log.warn(`sweeping expired events: ${err instanceof Error ? err.message : String(err)}`);
      }
      await sleep(ctx.clock, sweepPeriodMs(ctx.options.eventTtlMs), signal);
    }
  },
});

export interface SweepOptions {
  client: ApiClient;
  ttlMs: number;
  /** Wall time in ms since the epoch. */
  nowMs: number;
  log: Logger;
  signal?: AbortSignal;
}

/**
 * Deletes core/v1 and events.k8s.io/v1 Events last seen before `nowMs - ttlMs`; returns how
 * many. An Event updated since it was listed is kept (resourceVersion precondition).
 */
export async function deleteExpiredEvents(o: SweepOptions): Promise<number> {
  let deleted = 0;
  for (const resource of eventResources()) {
    const events = o.client.resource<TimedEvent>(resource);
    let next: string | undefined;
    do {
      if (o.signal?.aborted) return deleted;
      const page = await events.list({ limit: 500, continue: next }, o.signal);
      for (const ev of page.items) {
        const last = lastSeen(ev);
        if (last === undefined || last > o.nowMs - o.ttlMs) continue;
        const m = ev.metadata ?? {};
        try {
          await o.client.resource<TimedEvent>(resource, m.namespace).delete(m.name ?? '', { preconditions: { resourceVersion: m.resourceVersion } });
          deleted++;
        } catch (err) {
          if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err;
        }
      }
      next = page.metadata.continue || undefined;
    } while (next);
  }
  return deleted;
}

function eventResources(): ResourceInfo[] {
  return [findResource('', 'v1', 'events'), findResource('events.k8s.io', 'v1', 'events')].filter((r): r is ResourceInfo => r !== undefined);
}

/** The time fields of a core/v1 or events.k8s.io/v1 Event. */
interface TimedEvent extends ObjectLike {
  lastTimestamp?: string;
  deprecatedLastTimestamp?: string;
  series?: { lastObservedTime?: string };
  eventTime?: string;
}

/** The last time the event happened: last timestamp, series, eventTime, else creation. */
function lastSeen(ev: TimedEvent): number | undefined {
  const candidates = [ev.lastTimestamp, ev.deprecatedLastTimestamp, ev.series?.lastObservedTime, ev.eventTime, ev.metadata?.creationTimestamp];
  for (const c of candidates) {
    if (typeof c !== 'string' || c === '') continue;
    const t = Date.parse(c);
    if (Number.isFinite(t)) return t;
  }
  return undefined;
}
