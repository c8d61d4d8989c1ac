// The objects a service account token names, looked up on every authentication: the service
// account itself and, for bound tokens, the pod, secret or node. Kubernetes' validator reads
// them from informers; here they come from the API server's own watch caches (synchronously
// once a cache runs; the first use of a resource waits for its cache to fill).
import { isPlainObject, type KubeObject } from '../../api/object.js';
import { findResource, storageKey, type ResourceInfo } from '../../api/resources.js';
import type { Registries } from '../registry/registries.js';

export type MaybePromise<T> = T | Promise<T>;

/** What the validator needs of an object. */
export interface ObjectState {
  uid: string;
  /** RFC 3339, when the object is being deleted. */
  deletionTimestamp?: string;
}

export interface BoundObjectLookup {
  serviceAccount(namespace: string, name: string): MaybePromise<ObjectState | undefined>;
  pod(namespace: string, name: string): MaybePromise<ObjectState | undefined>;
  secret(namespace: string, name: string): MaybePromise<ObjectState | undefined>;
  node(name: string): MaybePromise<ObjectState | undefined>;
}

/** Lookups over the registries' watch caches (started on first use, kept running after). */
export function watchCacheLookup(registries: Registries): BoundObjectLookup {
  // Resolved once: every service-account token check looks up one to three of these.
  const resources = new Map(['serviceaccounts', 'pods', 'secrets', 'nodes'].map((plural) => [plural, findResource('', 'v1', plural)]));
  const get = (plural: string, namespace: string, name: string): MaybePromise<ObjectState | undefined> => {
    const resource = resources.get(plural);
    if (!resource) return undefined;
    const key = storageKey(resource, namespace, name);
    const cache = registries.cache(resource);
    if (cache.running) return stateOf(cache.current(key)?.obj);
    return cache.ready().then(
      () => stateOf(cache.current(key)?.obj),
      () => fromStorage(registries, resource, namespace, name),
    );
  };
  return {
    serviceAccount: (ns, name) => get('serviceaccounts', ns, name),
    pod: (ns, name) => get('pods', ns, name),
    secret: (ns, name) => get('secrets', ns, name),
    node: (name) => get('nodes', '', name),
  };
}

async function fromStorage(registries: Registries, resource: ResourceInfo, namespace: string, name: string): Promise<ObjectState | undefined> {
  try {
    return stateOf((await registries.for(resource).get(resource.namespaced ? namespace : undefined, name)).obj);
  } catch {
    return undefined;
  }
}

function stateOf(obj: KubeObject | undefined): ObjectState | undefined {
  const m = obj?.metadata;
  if (!isPlainObject(m)) return undefined;
  const uid = typeof m['uid'] === 'string' ? m['uid'] : '';
  return typeof m['deletionTimestamp'] === 'string' ? { uid, deletionTimestamp: m['deletionTimestamp'] } : { uid };
}

/** Runs `f` on the values once all are there: synchronously when none is a promise. */
export function whenAll<T, R>(values: readonly MaybePromise<T>[], f: (resolved: T[]) => R): MaybePromise<R> {
  if (values.some((v) => v instanceof Promise)) return Promise.all(values).then(f);
  return f(values as T[]);
}
