// The generic registry of one resource: every verb's path from a decoded request to storage
// (admission → defaults → validation → managedFields → storage) without HTTP, so the HTTP
// handlers and an in-process client share one behaviour.
import { converterFor } from '../../api/conversion/conversion.js';
import { ApiError, type FieldError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { deepCopy } from '../../api/object.js';
import { trackUpdate } from '../../api/patch/patch.js';
import { storageKey, storagePrefix, type ResourceInfo } from '../../api/resources.js';
import { selectableFields } from '../../api/selectors/fields.js';
import { applyDefaults, applyStatusDefaults, validate } from '../../api/strategy.js';
import { CompactedError, type KeyValue, type Storage, type WriteResult } from '../../storage/storage.js';
import type { WatchCache } from '../watch/cache.js';
import { continueExpired, decodeContinue, encodeContinue } from './continue-token.js';
import { decodeStored, encodeForStorage, withResourceVersion } from './encoding.js';
import { isNamespace, namespaceTerminating } from './kinds.js';
import { checkIdentity, checkTypeMeta, prepareCreate, prepareUpdate, qualifiedResource } from './lifecycle.js';
import { changedBeyondMeta, meta, rfc3339 } from './meta.js';
import { gvkOf, patchObject } from './patching.js';
import { planDeletion } from './deletion.js';
import { fromObject, fromStorage } from './stored.js';
import { NO_TRANSACTION, type HookContext, type HookTransaction, type WriteHooks } from './hooks.js';
import type {
  DeleteOptions,
  DeleteResult,
  ListPage,
  ListQuery,
  PatchRequest,
  StoredObject,
  WritableSubresource,
  WriteContext,
} from './types.js';

export interface RegistryDeps {
  storage: Storage;
  /** Milliseconds since the epoch (injected so tests control time). */
  now: () => number;
  /** The namespace object (read-only: it may be shared), or undefined when it does not exist. */
  getNamespace: (name: string) => Promise<KubeObject | undefined>;
  watchCache: (r: ResourceInfo) => WatchCache;
  /** Kind-specific steps around storage writes (Service IP and node port allocation). */
  hooks?: WriteHooks;
}

/** What one attempt of an optimistic-concurrency write decided. */
type Outcome =
  | { kind: 'noop' }
  | { kind: 'write'; obj: KubeObject }
  | { kind: 'create'; obj: KubeObject }
  | { kind: 'delete' };

/** The state a read-modify-write starts from. */
interface Current {
  /** Stored bytes (no resourceVersion). */
  raw: Uint8Array;
  rv: number;
  /** Shared with the watch cache when `fromCache`: read-only. */
  obj: KubeObject;
  /** Read from the watch cache, which may lag storage: only a successful write confirms it. */
  fromCache: boolean;
}

const MAX_ATTEMPTS = 16;

export const STALE_OBJECT = 'the object has been modified; please apply your changes to the latest version and try again';

export class Registry {
  readonly qualified: string;

  constructor(
    readonly resource: ResourceInfo,
    private readonly deps: RegistryDeps,
  ) {
    this.qualified = qualifiedResource(resource);
  }

  private key(ns: string | undefined, name: string): string {
    return storageKey(this.resource, ns ?? '', name);
  }

  private nowString(): string {
    return rfc3339(this.deps.now());
  }

  async get(ns: string | undefined, name: string): Promise<StoredObject> {
    const { kv } = await this.deps.storage.get(this.key(ns, name));
    if (!kv) throw ApiError.notFound(this.qualified, name);
    return fromStorage(kv.value, kv.modRevision);
  }

  // ---- list ----------------------------------------------------------------------------

  async list(ns: string | undefined, q: ListQuery): Promise<ListPage> {
    if (q.resourceVersion === '0' && !q.continueToken) return this.listFromCache(ns, q);
    return this.listFromStorage(ns, q);
  }

  private async listFromCache(ns: string | undefined, q: ListQuery): Promise<ListPage> {
    const cache = this.deps.watchCache(this.resource);
    await cache.ready();
    const items: StoredObject[] = [];
    for (const c of cache.snapshot()) {
      if (ns && c.namespace !== ns) continue;
      if (q.labels && !q.labels.matches(c.labels)) continue;
      if (q.fields && !q.fields.matches(c.fields)) continue;
      items.push({ obj: c.obj, json: c.json, rv: c.rv });
    }
    return { items, resourceVersion: cache.revision };
  }

  private async listFromStorage(ns: string | undefined, q: ListQuery): Promise<ListPage> {
    const storage = this.deps.storage;
    const prefix = storagePrefix(this.resource, ns);
    let revision: number | undefined;
    let after: string | undefined;
    let returnedBefore = 0;
    if (q.continueToken) {
      const state = decodeContinue(q.continueToken);
      revision = state.rv;
      after = prefix + state.start;
      returnedBefore = state.returned ?? 0;
    } else if (q.resourceVersion && q.resourceVersion !== '0') {
      const wanted = parseRevision(q.resourceVersion);
      if (q.resourceVersionMatch === 'Exact') revision = wanted;
      else {
        const current = await storage.currentRevision();
        if (wanted > current) {
          throw new ApiError('Timeout', `Too large resource version: ${wanted}, current: ${current}`, {
            causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
            retryAfterSeconds: 1,
          });
        }
      }
    }
    const filtering = q.labels !== undefined || q.fields !== undefined;
    const limit = q.limit && q.limit > 0 ? q.limit : undefined;
    const items: StoredObject[] = [];
    let lastKey: string | undefined;
    let more = false;
    try {
      for (;;) {
        const want = limit === undefined ? undefined : filtering ? Math.max(limit - items.length, 500) : limit - items.length;
        const page = await storage.list(prefix, { limit: want, after, revision });
        revision ??= page.revision;
        let stoppedEarly = false;
        for (let i = 0; i < page.kvs.length; i++) {
          const kv = page.kvs[i] as KeyValue;
          const item = fromStorage(kv.value, kv.modRevision);
          if (!filtering || this.matches(item.obj, q)) items.push(item);
          lastKey = kv.key;
          if (limit !== undefined && items.length >= limit) {
            stoppedEarly = i < page.kvs.length - 1 || page.more;
            break;
          }
        }
        const last = page.kvs[page.kvs.length - 1];
        if (stoppedEarly) {
          more = true;
          break;
        }
        if (!page.more || !last) break;
        after = last.key;
      }
    } catch (err) {
      if (err instanceof CompactedError) {
        if (q.continueToken) throw continueExpired();
        throw tooOld(revision ?? 0);
      }
      throw err;
    }
    const result: ListPage = { items, resourceVersion: revision ?? 0 };
    if (more && lastKey !== undefined) {
      const returned = returnedBefore + items.length;
      result.continueToken = encodeContinue({ rv: revision ?? 0, start: lastKey.slice(prefix.length), returned });
      // Kubernetes counts the keys after this page at the list's revision, and leaves the count
      // out when selectors filter. Here the count is of the keys there now, less those returned:
      // exact unless the collection changed since the first page (then at least 1).
      if (!filtering) result.remainingItemCount = Math.max(1, (await storage.count(prefix)) - returned);
    }
    return result;
  }

  private matches(obj: KubeObject, q: ListQuery): boolean {
    if (q.labels && !q.labels.matches(meta(obj).labels)) return false;
    if (q.fields && !q.fields.matches(selectableFields(this.resource, obj))) return false;
    return true;
  }

  // ---- create --------------------------------------------------------------------------

  /**
   * A written object, checked against the URL's version (`servedVersion`, default the stored
   * one), in the stored version: converted when the URL names another.
   */
  private toStored(obj: KubeObject, servedVersion: string | undefined): KubeObject {
    const version = servedVersion ?? this.resource.version;
    checkTypeMeta(this.resource, obj, version);
    return converterFor(this.resource, version)?.toStorage(obj) ?? obj;
  }

  async create(
    ns: string | undefined,
    body: KubeObject,
    ctx: WriteContext,
    options: {
      servedVersion?: string;
      /** The caller hands `body` over (freshly decoded, not used again): it is modified in place rather than copied. */
      bodyOwned?: boolean;
    } = {},
  ): Promise<StoredObject> {
    const obj = this.toStored(options.bodyOwned === true ? body : deepCopy(body), options.servedVersion);
    checkIdentity(this.resource, obj, ns, undefined);
    const hctx = this.hookContext(ctx, '', options.servedVersion);
    await this.admitCreate(obj);
    await this.prepareNew(obj, hctx, ctx);
    const name = meta(obj).name ?? '';
    const tx = await this.beforeCreate(obj, hctx);
    const bytes = encodeForStorage(obj);
    if (ctx.dryRun) return fromObject(obj, 0);
    const key = this.key(ns, name);
    const written = await this.store(tx, key, bytes, obj);
    if (!written) throw ApiError.alreadyExists(this.qualified, name);
    return written;
  }

  /**
   * Writes `obj` (encoded as `bytes`) to storage within the hooks' transaction `tx`: a create,
   * or an update of revision `expectedRev`. `obj` goes to the watch cache, which then keeps it
   * instead of parsing the bytes again; it must not change after this call (fromStorage only
   * replaces its top-level metadata, which the cache copies anyway). Resolves with the stored
   * object, or undefined when the write was refused (exists, conflict).
   */
  private store(tx: HookTransaction, key: string, bytes: Uint8Array, obj: KubeObject, expectedRev?: number): Promise<StoredObject | undefined> {
    const write = async (): Promise<StoredObject | undefined> => {
      const handoff = this.deps.watchCache(this.resource).expectWrite(key, bytes, obj);
      let res: WriteResult | undefined;
      try {
        res = await (expectedRev === undefined ? this.deps.storage.create(key, bytes) : this.deps.storage.update(key, bytes, expectedRev));
        return res.ok ? fromStorage(bytes, res.kv.modRevision, obj, handoff.json(res.kv.modRevision)) : undefined;
      } finally {
        if (!res?.ok) handoff.withdraw();
      }
    };
    return settle(tx, write, (r) => r !== undefined);
  }

  /** What the write hooks learn of a request: the URL's subresource and version, the user. */
  private hookContext(ctx: WriteContext, subresource: string, servedVersion: string | undefined): HookContext {
    return {
      dryRun: ctx.dryRun,
      request: { user: ctx.user, subresource, version: servedVersion ?? this.resource.version, fieldManager: ctx.fieldManager, warnings: ctx.warnings },
    };
  }

  private async beforeCreate(obj: KubeObject, hctx: HookContext): Promise<HookTransaction> {
    return (await this.deps.hooks?.beforeCreate?.(obj, hctx)) ?? NO_TRANSACTION;
  }

  private async beforeUpdate(old: KubeObject, next: KubeObject, hctx: HookContext): Promise<HookTransaction> {
    return (await this.deps.hooks?.beforeUpdate?.(old, next, hctx)) ?? NO_TRANSACTION;
  }

  private async afterDelete(obj: KubeObject): Promise<void> {
    await this.deps.hooks?.afterDelete?.(obj);
  }

  /** Namespace lifecycle admission: the namespace must exist and not be terminating. */
  private async admitCreate(obj: KubeObject): Promise<void> {
    if (!this.resource.namespaced) return;
    const m = meta(obj);
    const ns = m.namespace;
    if (!ns) throw ApiError.badRequest('the namespace of the object is required');
    const nsObj = await this.deps.getNamespace(ns);
    if (!nsObj) throw ApiError.notFound('namespaces', ns);
    if (namespaceTerminating(nsObj)) {
      const message = `unable to create new content in namespace ${ns} because it is being terminated`;
      throw new ApiError('Forbidden', `${this.qualified} "${m.name ?? m.generateName ?? ''}" is forbidden: ${message}`, {
        name: m.name ?? '',
        kind: this.resource.plural,
        ...(this.resource.group ? { group: this.resource.group } : {}),
        causes: [{ reason: 'NamespaceTerminating', message, field: 'metadata.namespace' }],
      });
    }
  }

  /** System fields, defaults, admission, validation and managedFields of an object about to be created. */
  private async prepareNew(obj: KubeObject, hctx: HookContext, ctx: WriteContext, options: { track: boolean } = { track: true }): Promise<void> {
    prepareCreate(this.resource, obj, this.deps.now());
    applyDefaults(this.resource, obj);
    await this.deps.hooks?.admitCreate?.(obj, hctx);
    this.throwIfInvalid(obj, validate(this.resource, obj));
    if (options.track && ctx.fieldManager) {
      trackUpdate({ gvk: gvkOf(this.resource), old: undefined, updated: obj, manager: ctx.fieldManager, subresource: '', now: this.nowString() });
    }
  }

  private throwIfInvalid(obj: KubeObject, errors: readonly FieldError[]): void {
    if (errors.length > 0) throw ApiError.invalid(this.resource.kind, meta(obj).name ?? '', errors, this.resource.group);
  }

  // ---- update and patch ----------------------------------------------------------------

  async update(
    ns: string | undefined,
    name: string,
    body: KubeObject,
    ctx: WriteContext,
    options: { subresource?: WritableSubresource; servedVersion?: string; bodyOwned?: boolean } = {},
  ): Promise<StoredObject> {
    const sub = options.subresource ?? '';
    // Each attempt changes its own copy; the body itself only when the caller hands it over.
    const incomingBase = this.toStored(options.bodyOwned === true ? body : deepCopy(body), options.servedVersion);
    checkIdentity(this.resource, incomingBase, ns, name);
    const hctx = this.hookContext(ctx, sub, options.servedVersion);
    const { stored } = await this.guaranteedUpdate(ns, name, ctx, hctx, async (cur) => {
      if (!cur) throw ApiError.notFound(this.qualified, name);
      // The update path builds on its input, so each attempt gets its own copy; a status write
      // only reads it and takes its status (whose defaulting gives the same result again).
      const incoming = sub === 'status' ? incomingBase : deepCopy(incomingBase);
      const rv = meta(incoming).resourceVersion;
      if (rv && rv !== String(cur.rv)) throw ApiError.conflict(this.qualified, name, STALE_OBJECT);
      return this.finishUpdate(cur, incoming, ctx, sub, hctx);
    });
    return stored;
  }

  /** Returns `created` when server-side apply created the object (HTTP 201). */
  async patch(
    ns: string | undefined,
    name: string,
    request: PatchRequest,
    ctx: WriteContext,
    options: { subresource?: WritableSubresource; servedVersion?: string } = {},
  ): Promise<{ stored: StoredObject; created: boolean }> {
    const sub = options.subresource ?? '';
    const version = options.servedVersion ?? this.resource.version;
    const converter = converterFor(this.resource, version);
    const hctx = this.hookContext(ctx, sub, options.servedVersion);
    return this.guaranteedUpdate(ns, name, ctx, hctx, async (cur) => {
      if (!cur && request.type !== 'apply') throw ApiError.notFound(this.qualified, name);
      if (!cur && sub !== '') throw ApiError.notFound(this.qualified, name);
      // A patch applies to the object as the URL's version shows it (converted objects are new).
      const current = cur && converter ? converter.fromStorage(cur.obj) : cur?.obj;
      const patched = this.toStored(
        patchObject({
          resource: this.resource,
          version,
          // JSON, merge and strategic patches build a new object; server-side apply works on a copy.
          current: current && request.type === 'apply' ? deepCopy(current) : current,
          request,
          manager: ctx.fieldManager,
          subresource: sub,
          now: this.nowString(),
        }),
        version,
      );
      checkIdentity(this.resource, patched, ns, name);
      if (!cur) {
        await this.admitCreate(patched);
        await this.prepareNew(patched, hctx, ctx, { track: false });
        return { kind: 'create', obj: patched };
      }
      const rv = meta(patched).resourceVersion;
      if (rv && rv !== String(cur.rv)) throw ApiError.conflict(this.qualified, name, STALE_OBJECT);
      return this.finishUpdate(cur, patched, { ...ctx, fieldManager: request.type === 'apply' ? undefined : ctx.fieldManager }, sub, hctx);
    });
  }

  /**
   * Applies `mutate` to the stored object (read-modify-write with retries on storage conflicts)
   * for callers outside the generic verbs: subresources such as scale and binding.
   */
  async mutate(
    ns: string | undefined,
    name: string,
    ctx: WriteContext,
    mutate: (current: KubeObject, rv: number) => KubeObject,
    options: { subresource?: WritableSubresource } = {},
  ): Promise<StoredObject> {
    const sub = options.subresource ?? '';
    const hctx = this.hookContext(ctx, sub, undefined);
    const { stored } = await this.guaranteedUpdate(ns, name, ctx, hctx, async (cur) => {
      if (!cur) throw ApiError.notFound(this.qualified, name);
      const next = mutate(deepCopy(cur.obj), cur.rv);
      return this.finishUpdate(cur, next, ctx, sub, hctx);
    });
    return stored;
  }

  private async finishUpdate(cur: Current, incoming: KubeObject, ctx: WriteContext, sub: WritableSubresource, hctx: HookContext): Promise<Outcome> {
    const { obj: next, errors } = prepareUpdate(this.resource, cur.obj, incoming, sub);
    if (sub === 'status') applyStatusDefaults(this.resource, next);
    else applyDefaults(this.resource, next);
    await this.deps.hooks?.admitUpdate?.(cur.obj, next, hctx);
    errors.push(...(sub === 'internal' ? validate(this.resource, next) : validate(this.resource, next, cur.obj, { subresource: sub })));
    this.throwIfInvalid(next, errors);
    const m = meta(next);
    delete m.resourceVersion;
    // Unchanged apart from managedFields timestamps: nothing to write (as Kubernetes skips
    // no-op updates). Bytes are compared only when no field differs.
    if (!changedBeyondMeta(next, cur.obj)) {
      const withOldManaged = { ...next, metadata: { ...m, managedFields: meta(cur.obj).managedFields } };
      if (meta(cur.obj).managedFields === undefined) delete withOldManaged.metadata.managedFields;
      const raw = cur.raw;
      if (encodeForStorage(withOldManaged).equals(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength))) return { kind: 'noop' };
    }
    // Internal writes (pods/binding) keep managedFields as they were: Kubernetes assigns a pod to
    // its node straight in storage, past the field manager.
    if (ctx.fieldManager && sub !== 'internal') {
      trackUpdate({ gvk: gvkOf(this.resource), old: cur.obj, updated: next, manager: ctx.fieldManager, subresource: sub, now: this.nowString() });
    }
    if (m.deletionTimestamp && (m.finalizers?.length ?? 0) === 0 && !((m.deletionGracePeriodSeconds ?? 0) > 0) && !this.namespaceHoldsFinalizers(next)) {
      return { kind: 'delete' };
    }
    return { kind: 'write', obj: next };
  }

  private namespaceHoldsFinalizers(obj: KubeObject): boolean {
    if (!isNamespace(this.resource)) return false;
    const spec = obj['spec'];
    return typeof spec === 'object' && spec !== null && Array.isArray((spec as Record<string, unknown>)['finalizers']) &&
      ((spec as Record<string, unknown[]>)['finalizers']?.length ?? 0) > 0;
  }

  /**
   * Read-modify-write with compare-and-swap; `compute` runs again after a storage conflict.
   * The first attempt starts from the watch cache's copy when it has the key (no storage read,
   * no parse), as Kubernetes' GuaranteedUpdate does with its cached state: the compare-and-swap
   * still checks the revision, and whatever a cached start cannot settle for sure (an error, a
   * no-op, a dry run, a conflict) is decided again from storage.
   */
  private async guaranteedUpdate(
    ns: string | undefined,
    name: string,
    ctx: WriteContext,
    hctx: HookContext,
    compute: (cur: Current | undefined) => Promise<Outcome>,
  ): Promise<{ stored: StoredObject; created: boolean }> {
    const storage = this.deps.storage;
    const key = this.key(ns, name);
    let tryCache = !ctx.dryRun;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const cached = tryCache ? this.deps.watchCache(this.resource).current(key) : undefined;
      tryCache = false;
      let cur: Current | undefined;
      if (cached) cur = { raw: cached.raw, rv: cached.rv, obj: cached.obj, fromCache: true };
      else {
        const { kv } = await storage.get(key);
        cur = kv ? { raw: kv.value, rv: kv.modRevision, obj: decodeStored(withResourceVersion(kv.value, kv.modRevision)), fromCache: false } : undefined;
      }
      let outcome: Outcome;
      try {
        outcome = await compute(cur);
      } catch (err) {
        if (cur?.fromCache && !(await this.stillCurrent(key, cur))) continue;
        throw err;
      }
      switch (outcome.kind) {
        case 'noop':
          if (!cur) throw new Error('noop without a current object');
          if (cur.fromCache && !(await this.stillCurrent(key, cur))) continue;
          return { stored: fromStorage(cur.raw, cur.rv), created: false };
        case 'create': {
          const tx = await this.beforeCreate(outcome.obj, hctx);
          const bytes = encodeForStorage(outcome.obj);
          if (ctx.dryRun) return { stored: fromObject(outcome.obj, 0), created: true };
          const written = await this.store(tx, key, bytes, outcome.obj);
          if (!written) continue;
          return { stored: written, created: true };
        }
        case 'write': {
          if (!cur) throw new Error('write without a current object');
          const tx = await this.beforeUpdate(cur.obj, outcome.obj, hctx);
          const bytes = encodeForStorage(outcome.obj);
          if (ctx.dryRun) return { stored: fromStorage(bytes, cur.rv, outcome.obj), created: false };
          const written = await this.store(tx, key, bytes, outcome.obj, cur.rv);
          if (!written) continue;
          return { stored: written, created: false };
        }
        case 'delete': {
          if (!cur) throw new Error('delete without a current object');
          if (ctx.dryRun) return { stored: fromStorage(cur.raw, cur.rv), created: false };
          const res = await storage.delete(key, cur.rv);
          if (!res.ok) continue;
          const json = withResourceVersion(res.kv.value, res.kv.modRevision);
          await this.afterDelete(decodeStored(json));
          return { stored: fromStorage(res.kv.value, res.kv.modRevision, undefined, json), created: false };
        }
      }
    }
    throw ApiError.conflict(this.qualified, name, STALE_OBJECT);
  }

  /** Whether storage still holds the revision a cached start saw (then its verdict stands). */
  private async stillCurrent(key: string, cur: Current): Promise<boolean> {
    const { kv } = await this.deps.storage.get(key);
    return kv?.modRevision === cur.rv;
  }

  // ---- delete --------------------------------------------------------------------------

  async delete(ns: string | undefined, name: string, options: DeleteOptions, ctx: WriteContext): Promise<DeleteResult> {
    const storage = this.deps.storage;
    const key = this.key(ns, name);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const { kv } = await storage.get(key);
      if (!kv) throw ApiError.notFound(this.qualified, name);
      const cur = decodeStored(withResourceVersion(kv.value, kv.modRevision));
      await this.deps.hooks?.admitDelete?.(cur, options, this.hookContext(ctx, '', undefined));
      const plan = planDeletion({ resource: this.resource, qualified: this.qualified, current: cur, options, nowMs: this.deps.now() });
      if (plan.kind === 'unchanged') return { kind: 'pending', stored: fromStorage(kv.value, kv.modRevision) };
      if (plan.kind === 'pending') {
        delete meta(plan.obj).resourceVersion;
        const bytes = encodeForStorage(plan.obj);
        if (ctx.dryRun) return { kind: 'pending', stored: fromStorage(bytes, kv.modRevision, plan.obj) };
        const res = await storage.update(key, bytes, kv.modRevision);
        if (!res.ok) continue;
        return { kind: 'pending', stored: fromStorage(bytes, res.kv.modRevision, plan.obj) };
      }
      if (ctx.dryRun) return { kind: 'deleted', stored: fromStorage(kv.value, kv.modRevision) };
      const res = await storage.delete(key, kv.modRevision);
      if (!res.ok) continue;
      await this.afterDelete(cur);
      return { kind: 'deleted', stored: fromStorage(kv.value, kv.modRevision) };
    }
    throw ApiError.conflict(this.qualified, name, STALE_OBJECT);
  }

  /** Deletes every object the query selects; returns each one's result (NotFound races skipped). */
  async deleteCollection(ns: string | undefined, q: ListQuery, options: DeleteOptions, ctx: WriteContext): Promise<DeleteResult[]> {
    const page = await this.list(ns, { ...q, limit: undefined, continueToken: undefined, resourceVersion: '' });
    const results: DeleteResult[] = [];
    for (const item of page.items) {
      const m = meta(item.obj);
      try {
        results.push(await this.delete(m.namespace, m.name ?? '', options, ctx));
      } catch (err) {
        if (err instanceof ApiError && err.code === 404) continue;
        throw err;
      }
    }
    return results;
  }
}

/**
 * Runs a storage write between a hook's reservation and its settlement: committed when
 * `succeeded` says so, reverted when the write was refused or threw.
 */
async function settle<T>(tx: HookTransaction, write: () => Promise<T>, succeeded: (r: T) => boolean): Promise<T> {
  let res: T;
  try {
    res = await write();
  } catch (err) {
    await tx.revert();
    throw err;
  }
  if (succeeded(res)) await tx.commit();
  else await tx.revert();
  return res;
}

function parseRevision(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) {
    throw ApiError.badRequest(`invalid resource version: ${JSON.stringify(text)}`);
  }
  return n;
}

export function tooOld(revision: number): ApiError {
  return new ApiError('Expired', `too old resource version: ${revision}`);
}
