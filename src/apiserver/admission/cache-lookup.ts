// Reads for admission plugins from the API server's own watch caches, as Kubernetes' plugins
// read informers: no storage round trip (and, with the memory store, no key re-sort) per
// request. A cache here is fed as each write commits, so an object whose write was acknowledged
// is seen by the requests that follow; a cache not yet started is loaded from storage first.
// Objects are shared with the cache: read-only.
import type { KubeObject } from '../../api/object.js';
import { storageKey, type ResourceInfo } from '../../api/resources.js';
import type { Registries } from '../registry/registries.js';
import type { WatchCache } from '../watch/cache.js';

export interface CachedLookup<T> {
  /** Whether `namespace` holds any object (without building the list). */
  hasAny(namespace: string): Promise<boolean>;
  /** The objects of `namespace` (all of them for a cluster-scoped resource), in key order. */
  list(namespace?: string): Promise<T[]>;
  get(namespace: string | undefined, name: string): Promise<T | undefined>;
}

/** `registries` is a getter: the registries are built with the hooks that use this. */
export function cachedLookup<T>(registries: () => Registries, resource: ResourceInfo): CachedLookup<T> {
  const running = async (): Promise<WatchCache> => {
    const cache = registries().cache(resource);
    if (!cache.running) await cache.ready();
    return cache;
  };
  // Cached objects carry their resourceVersion already.
  const typed = (obj: KubeObject): T => obj as unknown as T;
  return {
    hasAny: async (namespace) => (await running()).snapshot().some((c) => c.namespace === namespace),
    list: async (namespace) => {
      const out: T[] = [];
      for (const c of (await running()).snapshot()) if (namespace === undefined || c.namespace === namespace) out.push(typed(c.obj));
      return out;
    },
    get: async (namespace, name) => {
      const c = (await running()).current(storageKey(resource, namespace ?? '', name));
      return c ? typed(c.obj) : undefined;
    },
  };
}
