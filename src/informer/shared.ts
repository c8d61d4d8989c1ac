// One informer per resource for every controller in a process: the first `informerFor` creates
// it, later ones get the same instance (their indexers are added to it). Informers asked for
// after start() begin at once.
import { setMaxListeners } from 'node:events';
import type { KubeObject } from '../api/object.js';
import type { ApiClient, ObjectLike, ResourceTarget } from '../client/client.js';
import { resolveTarget } from '../client/resource-client.js';
import type { Logger } from '../log.js';
import type { BackoffOptions } from './backoff.js';
import type { Indexers } from './cache.js';
import type { Clock } from './clock.js';
import { defaultIndexers } from './indexers.js';
import { Informer } from './informer.js';

export interface SharedInformerFactoryOptions {
  /** Watch one namespace only; default all. */
  namespace?: string;
  pageSize?: number;
  backoff?: BackoffOptions;
  minWatchTimeoutSeconds?: number;
  freeze?: 'deep' | 'none';
  clock?: Clock;
  random?: () => number;
  log?: Logger;
}

export interface InformerRequest<T> {
  indexers?: Indexers<T>;
  /** Informers with different selectors are different informers. */
  labelSelector?: string;
  fieldSelector?: string;
}

/**
 * A signal that aborts with `signal`, for many informers to listen on: the caller's signal
 * gets one listener instead of a few per informer (which Node reports as a likely leak past 10).
 */
function fanOut(signal: AbortSignal): { signal: AbortSignal; release(): void } {
  const own = new AbortController();
  setMaxListeners(0, own.signal);
  const abort = (): void => own.abort();
  if (signal.aborted) own.abort();
  else signal.addEventListener('abort', abort, { once: true });
  return { signal: own.signal, release: () => signal.removeEventListener('abort', abort) };
}

export class SharedInformerFactory {
  // Values are Informer<T> for the T their first caller chose; callers name the same T for the same resource.
  private readonly informers = new Map<string, Informer<ObjectLike>>();
  private signal: AbortSignal | undefined;
  private readonly runs: Promise<void>[] = [];

  constructor(
    private readonly client: ApiClient,
    private readonly options: SharedInformerFactoryOptions = {},
  ) {}

  informerFor<T extends ObjectLike = KubeObject>(target: ResourceTarget, request: InformerRequest<T> = {}): Informer<T> {
    const ref = resolveTarget(target);
    const id = [ref.group, ref.version, ref.plural, request.labelSelector ?? '', request.fieldSelector ?? ''].join('|');
    let informer = this.informers.get(id) as Informer<T> | undefined;
    if (!informer) {
      const o = this.options;
      const name = ref.group ? `${ref.plural}.${ref.group}` : ref.plural;
      informer = new Informer<T>({
        name,
        source: this.client.resource<T>(ref, o.namespace),
        labelSelector: request.labelSelector,
        fieldSelector: request.fieldSelector,
        indexers: defaultIndexers(ref),
        freeze: o.freeze,
        pageSize: o.pageSize,
        backoff: o.backoff,
        minWatchTimeoutSeconds: o.minWatchTimeoutSeconds,
        clock: o.clock,
        random: o.random,
        log: o.log?.child(`informer/${name}`),
      });
      this.informers.set(id, informer as unknown as Informer<ObjectLike>);
      if (this.signal && !this.signal.aborted) this.runs.push(informer.run(this.signal));
    }
    if (request.indexers) informer.addIndexers(request.indexers);
    return informer;
  }

  /** Starts every informer not running yet; they (and later ones) stop when `signal` aborts. */
  start(signal: AbortSignal): void {
    const own = fanOut(signal).signal;
    this.signal = own;
    for (const informer of this.informers.values()) {
      if (!informer.isRunning) this.runs.push(informer.run(own));
    }
  }

  /** Resolves true once every informer created so far has synced; false if `signal` aborts first. */
  async waitForSync(signal: AbortSignal): Promise<boolean> {
    const own = fanOut(signal);
    try {
      const results = await Promise.all([...this.informers.values()].map((i) => i.waitForSync(own.signal)));
      return results.every(Boolean);
    } finally {
      own.release();
    }
  }

  /** Resolves when every started informer has stopped (after the start signal aborted). */
  async stopped(): Promise<void> {
    await Promise.all(this.runs);
  }
}
