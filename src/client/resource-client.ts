// Typed verbs for one resource over any Transport: URL paths, query parameters, content types,
// and non-2xx answers turned into ApiError.
import type { Status } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import { findResource } from '../api/resources.js';
import type { GroupVersionResourceRef, ObjectLike, Query, ResourceRef, ResourceTarget, Transport, TransportRequest, WatchEvent } from './client.js';
import { apiErrorFromResponse, isStatus } from './status.js';

/**
 * A ResourceInfo is used as is; a group/version/resource is looked up in the resource table,
 * and when it is not there (a custom resource) it is taken as namespaced.
 */
export function resolveTarget(target: ResourceTarget): ResourceRef {
  if ('plural' in target) return target;
  const gvr: GroupVersionResourceRef = target;
  const known = findResource(gvr.group, gvr.version, gvr.resource);
  // A resource also served at other versions (HPAs at autoscaling/v1) is asked for at the one named.
  if (known) return { group: known.group, version: gvr.version, plural: known.plural, namespaced: known.namespaced };
  return { group: gvr.group, version: gvr.version, plural: gvr.resource, namespaced: true };
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  /** "" (or absent): most recent, from storage; "0": any, from the cache; else not older than. */
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
}

export interface WatchOptions {
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
  sendInitialEvents?: boolean;
}

export interface ObjectList<T> {
  apiVersion?: string;
  kind?: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: T[];
}

export interface WriteOptions {
  fieldManager?: string;
  dryRun?: boolean;
  /** "Strict" makes unknown or duplicate fields a 400 instead of a warning. */
  fieldValidation?: 'Ignore' | 'Warn' | 'Strict';
}

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

export interface PatchOptions extends WriteOptions {
  /** Server-side apply only: take ownership of conflicting fields. */
  force?: boolean;
  /** e.g. "status" or "scale". */
  subresource?: string;
}

export interface DeleteOptions {
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

/**
 * What a DELETE answered: the object (still present with a deletionTimestamp while
 * finalizers or a grace period run, or its last state) or a Success Status.
 */
export type DeleteResult<T> = { kind: 'object'; object: T } | { kind: 'status'; status: Status };

const PATCH_CONTENT_TYPES: Readonly<Record<PatchType, string>> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

const JSON_TYPE = 'application/json';

export class ResourceClient<T extends ObjectLike = KubeObject> {
  constructor(
    private readonly transport: Transport,
    readonly resource: ResourceRef,
    readonly namespace?: string,
  ) {}

  /** Collection path; `namespace` undefined on a namespaced resource means all namespaces. */
  collectionPath(namespace: string | undefined = this.namespace): string {
    const r = this.resource;
    const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
    const ns = r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
    return `${base}${ns}/${r.plural}`;
  }

  objectPath(name: string, namespace: string | undefined, subresource?: string): string {
    if (!name) throw new Error(`${this.resource.plural}: a name is required`);
    if (this.resource.namespaced && !namespace) throw new Error(`${this.resource.plural} "${name}": a namespace is required`);
    const sub = subresource ? `/${subresource}` : '';
    return `${this.collectionPath(namespace)}/${encodeURIComponent(name)}${sub}`;
  }

  async get(name: string, signal?: AbortSignal): Promise<T> {
    return this.send<T>({ method: 'GET', path: this.objectPath(name, this.namespace), signal });
  }

  async list(options: ListOptions = {}, signal?: AbortSignal): Promise<ObjectList<T>> {
    const query: Query = {
      labelSelector: options.labelSelector || undefined,
      fieldSelector: options.fieldSelector || undefined,
      limit: options.limit !== undefined ? String(options.limit) : undefined,
      continue: options.continue || undefined,
      resourceVersion: options.resourceVersion || undefined,
      resourceVersionMatch: options.resourceVersionMatch,
    };
    const list = await this.send<ObjectList<T>>({ method: 'GET', path: this.collectionPath(), query, signal });
    list.items ??= [];
    list.metadata ??= {};
    return list;
  }

  async create(obj: T, options: WriteOptions = {}): Promise<T> {
    const path = this.collectionPath(this.namespaceOf(obj));
    return this.send<T>({ method: 'POST', path, query: writeQuery(options), ...jsonBody(obj) });
  }

  /** PUT; a stale metadata.resourceVersion answers 409 Conflict. */
  async update(obj: T, options: WriteOptions = {}): Promise<T> {
    return this.put(obj, undefined, options);
  }

  async updateStatus(obj: T, options: WriteOptions = {}): Promise<T> {
    return this.put(obj, 'status', options);
  }

  async patch(name: string, type: PatchType, body: unknown, options: PatchOptions = {}): Promise<T> {
    return this.send<T>(this.patchRequest(name, type, body, options));
  }

  /** `patch` for a writer that does not read the patched object: the answer is checked, not decoded. */
  async patchOnly(name: string, type: PatchType, body: unknown, options: PatchOptions = {}): Promise<void> {
    await this.exchange(this.patchRequest(name, type, body, options));
  }

  private patchRequest(name: string, type: PatchType, body: unknown, options: PatchOptions): TransportRequest {
    if (type === 'apply' && !options.fieldManager) throw new Error('server-side apply needs a fieldManager');
    const query: Query = { ...writeQuery(options), force: options.force === undefined ? undefined : String(options.force) };
    const encoded = typeof body === 'string' || body instanceof Uint8Array ? Buffer.from(body) : Buffer.from(JSON.stringify(body));
    return {
      method: 'PATCH',
      path: this.objectPath(name, this.namespace, options.subresource),
      query,
      body: encoded,
      contentType: PATCH_CONTENT_TYPES[type],
    };
  }

  async delete(name: string, options: DeleteOptions = {}): Promise<DeleteResult<T>> {
    const deleteOptions: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
    if (options.propagationPolicy) deleteOptions['propagationPolicy'] = options.propagationPolicy;
    if (options.gracePeriodSeconds !== undefined) deleteOptions['gracePeriodSeconds'] = options.gracePeriodSeconds;
    if (options.preconditions) deleteOptions['preconditions'] = options.preconditions;
    if (options.dryRun) deleteOptions['dryRun'] = ['All'];
    const answer = await this.send<unknown>({ method: 'DELETE', path: this.objectPath(name, this.namespace), ...jsonBody(deleteOptions) });
    return isStatus(answer) ? { kind: 'status', status: answer } : { kind: 'object', object: answer as T };
  }

  /** Ends when the server ends the stream or `signal` aborts; a non-2xx answer throws ApiError. */
  async *watch(options: WatchOptions, signal: AbortSignal): AsyncIterable<WatchEvent<T>> {
    const query: Query = {
      resourceVersion: options.resourceVersion || undefined,
      labelSelector: options.labelSelector || undefined,
      fieldSelector: options.fieldSelector || undefined,
      allowWatchBookmarks: options.allowWatchBookmarks ? 'true' : undefined,
      timeoutSeconds: options.timeoutSeconds !== undefined ? String(options.timeoutSeconds) : undefined,
      sendInitialEvents: options.sendInitialEvents === undefined ? undefined : String(options.sendInitialEvents),
    };
    // The transport cannot know kinds: this is the one place a watched object becomes a T.
    yield* this.transport.watch(this.collectionPath(), query, signal) as AsyncIterable<WatchEvent<T>>;
  }

  private async put(obj: T, subresource: string | undefined, options: WriteOptions): Promise<T> {
    const name = obj.metadata?.name ?? '';
    const path = this.objectPath(name, this.namespaceOf(obj), subresource);
    return this.send<T>({ method: 'PUT', path, query: writeQuery(options), ...jsonBody(obj) });
  }

  /** The client's namespace wins; else the object's own. */
  private namespaceOf(obj: ObjectLike): string | undefined {
    if (!this.resource.namespaced) return undefined;
    const ns = this.namespace ?? obj.metadata?.namespace;
    if (!ns) throw new Error(`${this.resource.plural} "${obj.metadata?.name ?? ''}": a namespace is required`);
    return ns;
  }

  private async send<R>(req: TransportRequest): Promise<R> {
    const body = await this.exchange(req);
    return JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')) as R;
  }

  /** The answer's body; an error status is thrown as an ApiError. */
  private async exchange(req: TransportRequest): Promise<Uint8Array> {
    const res = await this.transport.request({ accept: JSON_TYPE, ...req });
    if (res.status < 200 || res.status > 299) throw apiErrorFromResponse(res.status, res.body);
    return res.body;
  }
}

function writeQuery(options: WriteOptions): Query {
  return {
    fieldManager: options.fieldManager,
    dryRun: options.dryRun ? 'All' : undefined,
    fieldValidation: options.fieldValidation,
  };
}

function jsonBody(value: unknown): Pick<TransportRequest, 'body' | 'contentType'> {
  return { body: Buffer.from(JSON.stringify(value)), contentType: JSON_TYPE };
}
