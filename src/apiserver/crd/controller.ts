// Serves CustomResourceDefinitions: for each one it settles the status (names, conditions,
// stored versions), puts its custom resource into the catalog once established (before it says
// so, so a client that waited for Established finds its paths), and on deletion removes every
// custom resource before letting the CRD go (the customresourcecleanup finalizer). Kubernetes
// spreads this over the naming, establishing and finalizer controllers; here one reconcile per
// CRD name, driven by a storage watch of the CRDs, does it in that order.
import type { CustomResourceDefinition } from 'kubernetes-types/apiextensions/v1.js';
import { ApiError } from '../../api/errors.js';
import { customResourceInfo } from '../../api/custom/custom-resource.js';
import type { KubeObject } from '../../api/object.js';
import { findResource, RESOURCES, storagePrefix, type ResourceInfo } from '../../api/resources.js';
import { CompactedError } from '../../storage/storage.js';
import { decodeStored, withResourceVersion } from '../registry/encoding.js';
import { jsonEqual, rfc3339 } from '../registry/meta.js';
import type { Registries } from '../registry/registries.js';
import type { ResourceCatalog } from './catalog.js';
import { CLEANUP_FINALIZER, desiredStatus, isConditionTrue, setCondition } from './status.js';
import { systemWriteContext } from '../registry/system-writes.js';
import type { WriteContext } from '../registry/types.js';

const CRDS = findResource('apiextensions.k8s.io', 'v1', 'customresourcedefinitions') as ResourceInfo;

/** What a custom resource keeps serving while its CRD terminates: reads and deletes. */
const TERMINATING_VERBS = ['delete', 'deletecollection', 'get', 'list', 'watch'] as const;

export interface CrdControllerOptions {
  registries: Registries;
  catalog: ResourceCatalog;
  log: (line: string) => void;
  /** Retry delay after a failed reconcile or while instances are still being deleted. */
  retryMs?: number;
}

export class CrdController {
  private readonly abort = new AbortController();
  private readonly queue = new Set<string>();
  private running: Promise<void> | undefined;
  /** The spec and accepted names each served resource was built from, by CRD name. */
  private readonly builtFrom = new Map<string, string>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: CrdControllerOptions) {}

  private get registries(): Registries {
    return this.options.registries;
  }

  private ctx(): WriteContext {
    return systemWriteContext('kube-apiserver');
  }

  /** Reconciles every stored CRD once, then follows changes until `stop`. */
  async start(): Promise<void> {
    const revision = await this.resync();
    // The queue's one drain loop, started by resync's first enqueue.
    await this.running;
    void this.follow(revision);
  }

  stop(): void {
    this.abort.abort();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** Queues every stored CRD (and every served one, in case it is gone); returns the revision listed at. */
  private async resync(): Promise<number> {
    const { kvs, revision } = await this.registries.storage.list(storagePrefix(CRDS));
    for (const kv of kvs) this.enqueue(kv.key.slice(storagePrefix(CRDS).length));
    for (const name of this.builtFrom.keys()) this.enqueue(name);
    return revision;
  }

  private async follow(fromRevision: number): Promise<void> {
    let after = fromRevision;
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        for await (const ev of this.registries.storage.watch(storagePrefix(CRDS), { afterRevision: after, signal })) {
          after = ev.kv.modRevision;
          this.enqueue(ev.kv.key.slice(storagePrefix(CRDS).length));
        }
      } catch (err) {
        if (signal.aborted) return;
        if (!(err instanceof CompactedError)) this.options.log(`crd controller: watch failed: ${String(err)}`);
        after = await this.resync().catch(() => after);
      }
    }
  }

  private enqueue(name: string): void {
    if (this.abort.signal.aborted) return;
    this.queue.add(name);
    this.running ??= this.drain().finally(() => (this.running = undefined));
  }

  private later(name: string): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.enqueue(name);
    }, this.options.retryMs ?? 1000);
    t.unref();
    this.timers.add(t);
  }

  private async drain(): Promise<void> {
    while (this.queue.size > 0 && !this.abort.signal.aborted) {
      const name = this.queue.values().next().value as string;
      this.queue.delete(name);
      try {
        const again = await this.reconcile(name);
        if (again) this.later(name);
      } catch (err) {
        this.options.log(`crd controller: ${name}: ${err instanceof Error ? err.message : String(err)}`);
        this.later(name);
      }
    }
  }

  private async read(name: string): Promise<CustomResourceDefinition | undefined> {
    const { kv } = await this.registries.storage.get(`${storagePrefix(CRDS)}${name}`);
    return kv ? asCrd(decodeStored(withResourceVersion(kv.value, kv.modRevision))) : undefined;
  }

  private async others(): Promise<CustomResourceDefinition[]> {
    const { kvs } = await this.registries.storage.list(storagePrefix(CRDS));
    return kvs.map((kv) => asCrd(decodeStored(withResourceVersion(kv.value, kv.modRevision))));
  }

  /** One CRD brought to its desired state; true asks for another pass later. */
  private async reconcile(name: string): Promise<boolean> {
    const crd = await this.read(name);
    if (!crd) {
      this.serve(name, undefined);
      // Another CRD may have waited for the names this one held.
      for (const o of await this.others()) if (!isConditionTrue(o, 'NamesAccepted')) this.enqueue(o.metadata?.name ?? '');
      return false;
    }
    if (crd.metadata?.deletionTimestamp) return this.finalize(name, crd);
    const now = rfc3339(this.registries.now());
    const status = desiredStatus(crd, await this.others(), RESOURCES, now);
    const next: CustomResourceDefinition = { ...crd, status };
    if (isConditionTrue(next, 'Established')) this.serve(name, next);
    if (!jsonEqual(stripTimes(status), stripTimes(crd.status ?? {}))) {
      await this.writeStatus(name, status);
    }
    return false;
  }

  /** Puts the CRD's resource into the catalog (or takes it out), rebuilding it only when its definition changed. */
  private serve(name: string, crd: CustomResourceDefinition | undefined, terminating = false): void {
    const catalog = this.options.catalog;
    const info = crd ? customResourceInfo(crd) : undefined;
    const from = info ? JSON.stringify([crd?.spec, crd?.status?.acceptedNames, terminating]) : undefined;
    if (from !== undefined && this.builtFrom.get(name) === from) return;
    const old = catalog.forCrd(name);
    if (old) this.registries.forget(old);
    if (info && terminating) info.verbs = TERMINATING_VERBS.slice();
    catalog.set(name, info);
    if (from === undefined) this.builtFrom.delete(name);
    else this.builtFrom.set(name, from);
  }

  /**
   * Writes the status through the status subresource; when the CRD changed meanwhile, the
   * reconcile that change triggers settles it again.
   */
  private async writeStatus(name: string, status: CustomResourceDefinition['status']): Promise<void> {
    try {
      await this.registries.for(CRDS).mutate(undefined, name, this.ctx(), (cur) => ({ ...cur, status }), { subresource: 'status' });
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return;
      throw err;
    }
  }

  /** Deletes every custom resource of a CRD being deleted, then drops the cleanup finalizer. */
  private async finalize(name: string, crd: CustomResourceDefinition): Promise<boolean> {
    if (!crd.metadata?.finalizers?.includes(CLEANUP_FINALIZER)) {
      this.serve(name, undefined);
      return false;
    }
    const now = rfc3339(this.registries.now());
    const conditions = crd.status?.conditions ?? [];
    const resource = customResourceInfo(crd);
    if (resource) {
      this.serve(name, crd, true);
      const served = this.options.catalog.forCrd(name) ?? resource;
      if (!isConditionTrue(crd, 'Terminating') || crd.status?.conditions?.find((c) => c.type === 'Terminating')?.reason !== 'InstanceDeletionInProgress') {
        const status = { ...crd.status, conditions: setCondition(conditions, { type: 'Terminating', status: 'True', reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' }, now) };
        await this.writeStatus(name, status);
      }
      const registry = this.registries.for(served);
      await registry.deleteCollection(undefined, {}, {}, this.ctx());
      const left = await registry.list(undefined, { resourceVersion: '' });
      if (left.items.length > 0) return true;
    }
    await this.registries.for(CRDS).mutate(undefined, name, this.ctx(), (cur) => {
      const m = cur.metadata ?? {};
      m.finalizers = (m.finalizers ?? []).filter((f) => f !== CLEANUP_FINALIZER);
      if (m.finalizers.length === 0) delete m.finalizers;
      const st = asCrd(cur).status ?? {};
      asCrd(cur).status = {
        ...st,
        conditions: setCondition(st.conditions ?? [], { type: 'Terminating', status: 'False', reason: 'InstanceDeletionCompleted', message: 'removed all instances' }, now),
      };
      return { ...cur, metadata: m };
    }, { subresource: 'internal' });
    this.serve(name, undefined);
    return false;
  }
}

/**
 * Marks a CRD for deletion the way Kubernetes' CRD storage does on the first DELETE: the
 * cleanup finalizer and a Terminating condition, so the controller removes its custom resources
 * before the CRD goes. The caller then deletes it as usual (it stays until the finalizer goes).
 */
export async function prepareCrdDeletion(registries: Registries, name: string, ctx: WriteContext): Promise<void> {
  if (ctx.dryRun) return;
  const now = rfc3339(registries.now());
  await registries.for(CRDS).mutate(undefined, name, { ...ctx, fieldManager: undefined }, (cur) => {
    const m = cur.metadata ?? {};
    if (m.deletionTimestamp) return cur;
    if (!(m.finalizers ?? []).includes(CLEANUP_FINALIZER)) m.finalizers = [...(m.finalizers ?? []), CLEANUP_FINALIZER];
    const crd = asCrd(cur);
    const st = crd.status ?? {};
    crd.status = {
      ...st,
      conditions: setCondition(st.conditions ?? [], { type: 'Terminating', status: 'True', reason: 'InstanceDeletionPending', message: 'CustomResourceDefinition marked for deletion; instance deletion pending' }, now),
    };
    return { ...cur, metadata: m };
  }, { subresource: 'internal' });
}

export function isCrdResource(r: ResourceInfo): boolean {
  return r === CRDS;
}

/** Stored CRDs were validated as such when written. */
function asCrd(obj: KubeObject): CustomResourceDefinition {
  return obj as unknown as CustomResourceDefinition;
}

function stripTimes(status: NonNullable<CustomResourceDefinition['status']>): unknown {
  return { ...status, conditions: (status.conditions ?? []).map(({ lastTransitionTime: _t, ...c }) => c) };
}
