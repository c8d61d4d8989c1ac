// The reflector keeps a store equal to the server's state of one resource:
//   1. list (paged) → store.replace(all items, list resourceVersion);
//   2. watch from that resourceVersion with bookmarks → store.apply(each event);
//   3. the watch ends (timeout, server closed it) → watch again from the last resourceVersion seen;
//   4. 410 Expired (HTTP answer or ERROR event) → back to 1: the store diffs old against new;
//   5. any other failure → wait (exponential backoff with jitter), then watch again (or list, if
//      no list has succeeded yet).
// Lists are consistent reads (no resourceVersion), so a relist never goes back in time.
import { ApiError } from '../api/errors.js';
import type { ObjectLike, WatchEvent } from '../client/client.js';
import type { ListOptions, ObjectList, WatchOptions } from '../client/resource-client.js';
import { apiErrorFromStatus } from '../client/status.js';
import type { Logger } from '../log.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { realClock, sleep, type Clock } from './clock.js';

/** What a reflector reads from; a ResourceClient is one. */
export interface ListerWatcher<T extends ObjectLike> {
  list(options: ListOptions, signal: AbortSignal): Promise<ObjectList<T>>;
  watch(options: WatchOptions, signal: AbortSignal): AsyncIterable<WatchEvent<T>>;
}

/** What a reflector writes to; calls arrive one at a time, in order. */
export interface ReflectorStore<T> {
  /** The complete state after a list. */
  replace(items: T[], resourceVersion: string): void;
  apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: T): void;
}

export interface ReflectorOptions<T extends ObjectLike> {
  /** For log lines, e.g. "pods". */
  name: string;
  source: ListerWatcher<T>;
  store: ReflectorStore<T>;
  labelSelector?: string;
  fieldSelector?: string;
  /** Items per list page; 0 lists in one request. Default 500. */
  pageSize?: number;
  backoff?: BackoffOptions;
  /** Watches ask the server to end after minWatchTimeoutSeconds × (1 + random()). Default 300. */
  minWatchTimeoutSeconds?: number;
  /** A watch that ends sooner than this without any event counts as a failure. Default 1000. */
  minHealthyWatchMs?: number;
  clock?: Clock;
  random?: () => number;
  log?: Pick<Logger, 'warn' | 'debug'>;
}

type WatchOutcome = { kind: 'ended'; healthy: boolean } | { kind: 'expired' } | { kind: 'failed'; error: unknown };

export class Reflector<T extends ObjectLike> {
  private resourceVersion: string | undefined;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly backoff: Backoff;

  constructor(private readonly options: ReflectorOptions<T>) {
    this.clock = options.clock ?? realClock;
    this.random = options.random ?? Math.random;
    this.backoff = new Backoff(options.backoff, this.random);
  }

  /** The resourceVersion of the last list, event or bookmark applied; undefined before the first list. */
  get lastResourceVersion(): string | undefined {
    return this.resourceVersion;
  }

  /** Lists and watches until `signal` aborts; never rejects for API or network failures. */
  async run(signal: AbortSignal): Promise<void> {
    let needList = true;
    while (!signal.aborted) {
      if (needList) {
        try {
          await this.list(signal);
          needList = false;
          this.backoff.reset();
        } catch (err) {
          if (signal.aborted) return;
          this.options.log?.warn(`${this.options.name}: list failed: ${describe(err)}`);
          await sleep(this.clock, this.backoff.next(), signal);
          continue;
        }
      }
      const outcome = await this.watch(signal);
      if (signal.aborted) return;
      switch (outcome.kind) {
        case 'ended':
          if (!outcome.healthy) await sleep(this.clock, this.backoff.next(), signal);
          break;
        case 'expired':
          this.options.log?.debug(`${this.options.name}: resourceVersion ${this.resourceVersion ?? ''} expired, relisting`);
          needList = true;
          break;
        case 'failed':
          this.options.log?.warn(`${this.options.name}: watch failed: ${describe(outcome.error)}`);
          await sleep(this.clock, this.backoff.next(), signal);
          break;
      }
    }
  }

  private async list(signal: AbortSignal): Promise<void> {
    const pageSize = this.options.pageSize ?? 500;
    let result: { items: T[]; resourceVersion: string };
    try {
      result = await this.listPages(pageSize, signal);
    } catch (err) {
      // A continue token outlived its revision: a single unpaged list still gives a consistent view.
      if (!(pageSize > 0 && isExpired(err))) throw err;
      result = await this.listPages(0, signal);
    }
    this.resourceVersion = result.resourceVersion;
    this.options.store.replace(result.items, result.resourceVersion);
  }

  private async listPages(pageSize: number, signal: AbortSignal): Promise<{ items: T[]; resourceVersion: string }> {
    const items: T[] = [];
    let token: string | undefined;
    let resourceVersion = '';
    do {
      const page = await this.options.source.list(
        {
          labelSelector: this.options.labelSelector,
          fieldSelector: this.options.fieldSelector,
          limit: pageSize > 0 ? pageSize : undefined,
          continue: token,
        },
        signal,
      );
      items.push(...withKind(page));
      token = page.metadata.continue || undefined;
      resourceVersion = page.metadata.resourceVersion ?? resourceVersion;
    } while (token && !signal.aborted);
    return { items, resourceVersion };
  }

  private async watch(signal: AbortSignal): Promise<WatchOutcome> {
    const started = this.clock.now();
    const minTimeout = this.options.minWatchTimeoutSeconds ?? 300;
    let sawEvent = false;
    // Leaving the loop early (relist) must close the stream: a child signal ends this watch only.
    const stop = new AbortController();
    const onAbort = (): void => stop.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) stop.abort();
    try {
      const events = this.options.source.watch(
        {
          resourceVersion: this.resourceVersion,
          labelSelector: this.options.labelSelector,
          fieldSelector: this.options.fieldSelector,
          allowWatchBookmarks: true,
          timeoutSeconds: Math.floor(minTimeout * (1 + this.random())),
        },
        stop.signal,
      );
      for await (const ev of events) {
        if (ev.type === 'ERROR') {
          const error = apiErrorFromStatus(ev.object, ev.object.code);
          return error.code === 410 ? { kind: 'expired' } : { kind: 'failed', error };
        }
        const rv = ev.object.metadata?.resourceVersion;
        if (ev.type !== 'BOOKMARK') this.options.store.apply(ev.type, ev.object);
        if (rv) this.resourceVersion = rv;
        if (!sawEvent) {
          sawEvent = true;
          this.backoff.reset();
        }
      }
      const healthy = sawEvent || this.clock.now() - started >= (this.options.minHealthyWatchMs ?? 1000);
      return { kind: 'ended', healthy };
    } catch (err) {
      if (isExpired(err)) return { kind: 'expired' };
      return { kind: 'failed', error: err };
    } finally {
      signal.removeEventListener('abort', onAbort);
      stop.abort();
    }
  }
}

function isExpired(err: unknown): boolean {
  return err instanceof ApiError && err.code === 410;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** List items come without apiVersion/kind; the cache holds them complete, as watch events are. */
function withKind<T extends ObjectLike>(page: ObjectList<T>): T[] {
  const kind = page.kind?.endsWith('List') ? page.kind.slice(0, -'List'.length) : undefined;
  if (!kind || !page.apiVersion) return page.items;
  for (const item of page.items) {
    item.apiVersion ??= page.apiVersion;
    item.kind ??= kind;
  }
  return page.items;
}
