// One Registry and one (lazily started) WatchCache per resource, sharing a storage and a clock.
import { findResource, storageKey, storagePrefix, type ResourceInfo } from '../../api/resources.js';
import type { KubeObject } from '../../api/object.js';
import type { Storage } from '../../storage/storage.js';
import { WatchCache } from '../watch/cache.js';
import { decodeStored, withResourceVersion } from './encoding.js';
import { Registry } from './registry.js';
import type { WriteHooks } from './hooks.js';
import { namespaceTerminating } from './kinds.js';

export interface RegistriesOptions {
  storage: Storage;
  now?: () => number;
  log?: (line: string) => void;
  /** Events each watch cache keeps for watches resuming from a resourceVersion. */
  watchHistorySize?: number;
  /** Kind-specific write hooks (Service allocation), looked up once per resource. */
  hooks?: (resource: ResourceInfo) => WriteHooks | undefined;
}

export class Registries {
  private readonly registries = new Map<ResourceInfo, Registry>();
  private readonly caches = new Map<ResourceInfo, WatchCache>();
  readonly storage: Storage;
  readonly now: () => number;
  private readonly log: (line: string) => void;
  private readonly historySize: number;
  private readonly hooks: (resource: ResourceInfo) => WriteHooks | undefined;

  constructor(options: RegistriesOptions) {
    this.storage = options.storage;
    this.now = options.now ?? Date.now;
    this.log = options.log ?? (() => undefined);
    this.historySize = options.watchHistorySize ?? 10_000;
    this.hooks = options.hooks ?? (() => undefined);
  }

  for(resource: ResourceInfo): Registry {
    let r = this.registries.get(resource);
    if (!r) {
      r = new Registry(resource, {
        storage: this.storage,
        now: this.now,
        getNamespace: (name) => this.getNamespace(name),
        watchCache: (res) => this.cache(res),
        hooks: this.hooks(resource),
      });
      this.registries.set(resource, r);
    }
    return r;
  }

  cache(resource: ResourceInfo): WatchCache {
    let c = this.caches.get(resource);
    if (!c) {
      c = new WatchCache(resource, this.storage, storagePrefix(resource), { historySize: this.historySize, log: this.log });
      this.caches.set(resource, c);
    }
    return c;
  }

  /**
   * The namespace for create admission. An active namespace in the namespaces watch cache is
   * taken from there (started on first use), as Kubernetes' namespace lifecycle admission
   * reads its informer; a namespace the cache lacks or shows terminating is read from storage.
   * The object is shared: read-only.
   */
  private async getNamespace(name: string): Promise<KubeObject | undefined> {
    const namespaces = findResource('', 'v1', 'namespaces');
    if (!namespaces) return undefined;
    const key = storageKey(namespaces, '', name);
    const cache = this.cache(namespaces);
    const cached = cache.current(key);
    if (cached && !namespaceTerminating(cached.obj)) return cached.obj;
    // Not running yet (or reset): start it for the next creates; this one reads storage.
    if (!cache.running) cache.ready().catch(() => undefined);
    const { kv } = await this.storage.get(key);
    return kv ? decodeStored(withResourceVersion(kv.value, kv.modRevision)) : undefined;
  }

  /**
   * Drops a resource's registry and watch cache (a custom resource whose definition changed or
   * went away): the cache's watchers are ended, as Kubernetes ends them when it replaces a
   * custom resource's storage.
   */
  forget(resource: ResourceInfo): void {
    this.caches.get(resource)?.close();
    this.caches.delete(resource);
    this.registries.delete(resource);
  }

  close(): void {
    for (const c of this.caches.values()) c.close();
  }
}
