// The client contract: a small Transport that moves requests and watch streams (over HTTP(S)
// today; in-process against the registries later), and the ApiClient that builds typed
// resource clients on top of any transport.
import type { Status } from '../api/errors.js';
import type { KubeObject, ObjectMeta } from '../api/object.js';
import type { ResourceInfo } from '../api/resources.js';
import { resolveTarget, ResourceClient } from './resource-client.js';

/** The least every Kubernetes object has; concrete kinds from kubernetes-types satisfy it. */
export interface ObjectLike {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Query parameters; undefined values are left out. */
export type Query = Readonly<Record<string, string | undefined>>;

export interface TransportRequest {
  method: HttpMethod;
  /** Absolute API path without query, e.g. `/api/v1/namespaces/default/pods`. */
  path: string;
  query?: Query;
  body?: Uint8Array;
  contentType?: string;
  /** Default `application/json`. */
  accept?: string;
  signal?: AbortSignal;
}

export interface TransportResponse {
  status: number;
  /** Lower-case header names. */
  headers: Readonly<Record<string, string>>;
  body: Uint8Array;
}

/** A watch event as Kubernetes streams it. BOOKMARK objects carry only metadata.resourceVersion (and annotations). */
export type WatchEvent<T extends ObjectLike = KubeObject> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK'; object: T }
  | { type: 'ERROR'; object: Status };

/**
 * Moves bytes; knows nothing of kinds. Contract for every implementation:
 * - `request` resolves with any HTTP status (non-2xx included); it rejects only when no answer
 *   came (connection refused, aborted).
 * - `watch` opens a watch on a collection path with list-style query parameters (the
 *   transport adds `watch=true` itself). A non-2xx answer rejects from the first iteration
 *   with the ApiError rebuilt from the Status body. Events are yielded in order; the iteration
 *   ends normally when the server ends the stream or `signal` aborts.
 */
export interface Transport {
  request(req: TransportRequest): Promise<TransportResponse>;
  watch(path: string, query: Query, signal: AbortSignal): AsyncIterable<WatchEvent>;
  /** Releases pooled connections. */
  close(): void;
}

export interface GroupVersionResourceRef {
  group: string;
  version: string;
  resource: string;
}

/** Picks resource clients; every call goes through `transport`. */
export interface ApiClient {
  readonly transport: Transport;
  /**
   * A typed client for one resource. With `namespace`, single-object calls and lists are
   * scoped to it; without, lists and watches span all namespaces and single-object calls on a
   * namespaced resource take the namespace from the object (create/update) or fail.
   */
  resource<T extends ObjectLike = KubeObject>(target: ResourceTarget, namespace?: string): ResourceClient<T>;
  close(): void;
}

/** Where a resource lives and whether it is namespaced; every ResourceInfo is one. */
export type ResourceRef = Pick<ResourceInfo, 'group' | 'version' | 'plural' | 'namespaced'>;

/** A resource table entry (or any ResourceRef), or a group/version/resource to look up there. */
export type ResourceTarget = ResourceRef | GroupVersionResourceRef;

export function createClient(transport: Transport): ApiClient {
  return {
    transport,
    resource: <T extends ObjectLike>(target: ResourceTarget, namespace?: string) =>
      new ResourceClient<T>(transport, resolveTarget(target), namespace),
    close: () => transport.close(),
  };
}
