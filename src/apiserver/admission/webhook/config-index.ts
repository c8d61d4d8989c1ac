// The webhooks in force, read from the watch caches of the two configuration resources and
// re-parsed only when a cache has moved on: a request costs a revision comparison, so writes
// stay as fast as before while no webhook is configured. As in Kubernetes (which reads its
// informers), a configuration takes effect once the cache has seen it, milliseconds after
// it is stored.
import { findResource, type ResourceInfo } from '../../../api/resources.js';
import type { WatchCache } from '../../watch/cache.js';
import { webhooksOf, type Webhook, type WebhookKind } from './webhook.js';

const PLURALS: Record<WebhookKind, string> = {
  mutating: 'mutatingwebhookconfigurations',
  validating: 'validatingwebhookconfigurations',
};

export function configurationResource(kind: WebhookKind): ResourceInfo {
  const r = findResource('admissionregistration.k8s.io', 'v1', PLURALS[kind]);
  if (!r) throw new Error(`resource ${PLURALS[kind]} is missing from the resource table`);
  return r;
}

interface Built {
  cache: WatchCache;
  revision: number;
  webhooks: readonly Webhook[];
}

export class WebhookConfigIndex {
  private readonly built = new Map<WebhookKind, Built>();

  constructor(private readonly cacheOf: (r: ResourceInfo) => WatchCache) {}

  /** Starts both caches, so the first write does not wait for a list. */
  async start(): Promise<void> {
    await Promise.all([this.webhooks('mutating'), this.webhooks('validating')]);
  }

  /**
   * The webhooks of `kind`, configurations sorted by name and each one's webhooks in order
   * (the order Kubernetes calls mutating webhooks in).
   */
  async webhooks(kind: WebhookKind): Promise<readonly Webhook[]> {
    const cache = this.cacheOf(configurationResource(kind));
    // Not yet started, or reset after losing its storage watch: (re)start it.
    if (!cache.running) await cache.ready();
    const prev = this.built.get(kind);
    if (prev && prev.cache === cache && prev.revision === cache.revision) return prev.webhooks;
    // snapshot() is in key order, and keys end in the configuration's name.
    const webhooks = cache.snapshot().flatMap((c) => webhooksOf(c.obj, kind));
    this.built.set(kind, { cache, revision: cache.revision, webhooks });
    return webhooks;
  }
}
