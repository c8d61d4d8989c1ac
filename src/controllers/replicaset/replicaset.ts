// The ReplicaSet and ReplicationController controllers: keep spec.replicas active pods that
// match the selector, created from the template, and report how many are ready and available.
// One implementation, parameterised by kind (see replicated-kind.ts).
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../api/errors.js';
import { deepCopy } from '../../api/object.js';
import type { ResourceClient } from '../../client/resource-client.js';
import { objectKey, splitKey } from '../../informer/cache.js';
import { NAMESPACE_INDEX, OWNER_UID_INDEX } from '../../informer/indexers.js';
import type { Informer } from '../../informer/informer.js';
import { runWorkers, type ReconcileResult } from '../../informer/workers.js';
import { WorkQueue } from '../../informer/workqueue.js';
import type { Logger } from '../../log.js';
import type { Controller, ControllerContext, ControllerFactory } from '../controller.js';
import { PodExpectations } from '../shared/expectations.js';
import { requeueOnConflict } from '../shared/conflict.js';
import { controllerRefOf, newControllerRef, recheckOwner } from '../shared/ownership.js';
import { isPodActive, isPodReady } from '../shared/pod-state.js';
import { requireResource } from '../shared/resources.js';
import { SelectorCache } from '../shared/selectors.js';
import { claimPods } from './ownership.js';
import { podsToDelete } from './pod-ranking.js';
import { REPLICA_SET_KIND, REPLICATION_CONTROLLER_KIND, type ReplicatedKind, type ReplicatedObject, type ReplicatedStatus } from './replicated-kind.js';
import { slowStartBatch } from './slow-start.js';
import { calculateStatus, nextAvailableInMs, statusUnchanged, type ManageOutcome } from './status.js';

/** At most this many creations or deletions per sync (Kubernetes' BurstReplicas). */
const BURST_REPLICAS = 500;
/** Pods not owned by any controller, filed by namespace: the adoption candidates. */
const ORPHANS_BY_NAMESPACE = 'orphanNamespace';

const PODS = requireResource('', 'v1', 'pods');

export interface ReplicatedPodsOptions {
  /** Told after every reconcile (benchmarks count them). */
  onReconcile?: (key: string) => void;
}

export function replicatedPodsController(kind: ReplicatedKind, options: ReplicatedPodsOptions = {}): ControllerFactory {
  return (ctx) => new ReplicatedPodsController(kind, ctx, options);
}

export const replicaSetController: ControllerFactory = replicatedPodsController(REPLICA_SET_KIND);
export const replicationControllerController: ControllerFactory = replicatedPodsController(REPLICATION_CONTROLLER_KIND);

class ReplicatedPodsController implements Controller {
  readonly name: string;
  private readonly log: Logger;
  private readonly expectations: PodExpectations;
  private readonly queue: WorkQueue;
  private readonly selectors: SelectorCache<ReplicatedObject>;
  private owners!: Informer<ReplicatedObject>;
  private pods!: Informer<Pod>;

  constructor(
    private readonly kind: ReplicatedKind,
    private readonly ctx: ControllerContext,
    private readonly options: ReplicatedPodsOptions,
  ) {
    this.name = kind.controllerName;
    this.log = ctx.log.child(kind.controllerName);
    this.selectors = new SelectorCache((o) => kind.selector(o), this.log);
    this.expectations = new PodExpectations(ctx.clock);
    this.queue = new WorkQueue({ clock: ctx.clock });
  }

  async run(signal: AbortSignal): Promise<void> {
    this.owners = this.ctx.informers.informerFor<ReplicatedObject>(this.kind.resource);
    this.pods = this.ctx.informers.informerFor<Pod>(PODS, {
      indexers: { [ORPHANS_BY_NAMESPACE]: (p) => (controllerRefOf(p) ? [] : [p.metadata?.namespace ?? '']) },
    });
    const removeOwnerHandlers = this.owners.addEventHandler({
      onAdd: (o) => this.queue.add(objectKey(o)),
      onUpdate: (_old, cur) => this.queue.add(objectKey(cur)),
      onDelete: (o) => {
        this.expectations.forget(objectKey(o));
        this.queue.add(objectKey(o));
      },
    });
    const removePodHandlers = this.pods.addEventHandler({
      onAdd: (p) => this.podAdded(p),
      onUpdate: (old, cur) => this.podUpdated(old, cur),
      onDelete: (p) => this.podDeleted(p),
    });
    try {
      if (!(await this.ctx.informers.waitForSync(signal))) return;
      await runWorkers(this.queue, (key) => this.reconcile(key), { workers: this.ctx.options.workers, signal, log: this.log });
    } finally {
      removeOwnerHandlers();
      removePodHandlers();
    }
  }

  // ---- event handlers: only resolve owners, count expectations and queue keys ----

  private podAdded(pod: Pod): void {
    if (pod.metadata?.deletionTimestamp) {
      // Restarted with a pod already being deleted: it must not count as a creation.
      this.podDeleted(pod);
      return;
    }
    const ref = controllerRefOf(pod);
    if (ref) {
      const owner = this.resolveOwner(pod.metadata?.namespace, ref);
      if (!owner) return;
      const key = objectKey(owner);
      this.expectations.creationObserved(key);
      this.queue.add(key);
      return;
    }
    for (const owner of this.ownersSelecting(pod)) this.queue.add(objectKey(owner));
  }

  private podUpdated(old: Pod, cur: Pod): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    const labelsChanged = !sameLabels(old.metadata?.labels, cur.metadata?.labels);
    if (cur.metadata?.deletionTimestamp) {
      // Graceful deletion shows as an update first: count it now, the owner replaces it sooner.
      this.podDeleted(cur);
      if (labelsChanged) this.podDeleted(old);
      return;
    }
    const curRef = controllerRefOf(cur);
    const oldRef = controllerRefOf(old);
    const refChanged = curRef?.uid !== oldRef?.uid;
    if (refChanged && oldRef) {
      const oldOwner = this.resolveOwner(old.metadata?.namespace, oldRef);
      if (oldOwner) this.queue.add(objectKey(oldOwner));
    }
    if (curRef) {
      const owner = this.resolveOwner(cur.metadata?.namespace, curRef);
      if (!owner) return;
      const key = objectKey(owner);
      this.queue.add(key);
      const minReady = owner.spec?.minReadySeconds ?? 0;
      if (minReady > 0 && !isPodReady(old) && isPodReady(cur)) this.queue.addAfter(key, minReady * 1000 + 1);
      return;
    }
    if (labelsChanged || refChanged) for (const owner of this.ownersSelecting(cur)) this.queue.add(objectKey(owner));
  }

  private podDeleted(pod: Pod): void {
    const ref = controllerRefOf(pod);
    if (!ref) return;
    const owner = this.resolveOwner(pod.metadata?.namespace, ref);
    if (!owner) return;
    const key = objectKey(owner);
    this.expectations.deletionObserved(key, objectKey(pod));
    this.queue.add(key);
  }

  /** The cached owner a controller reference names, if it is of our kind and the same object. */
  private resolveOwner(namespace: string | undefined, ref: { kind: string; name: string; uid: string }): ReplicatedObject | undefined {
    if (ref.kind !== this.kind.kind || !namespace) return undefined;
    const owner = this.owners.cache.get(`${namespace}/${ref.name}`);
    return owner?.metadata?.uid === ref.uid ? owner : undefined;
  }

  /** Owners in the pod's namespace whose (non-empty) selector matches it: adoption candidates. */
  private ownersSelecting(pod: Pod): ReplicatedObject[] {
    const ns = pod.metadata?.namespace;
    if (!ns) return [];
    return this.selectors.selecting(this.owners.cache.byIndex(NAMESPACE_INDEX, ns), pod.metadata?.labels);
  }

  // ---- reconcile ----

  /** A 409 is retried shortly (the status write is already retried once against a fresh read). */
  private async reconcile(key: string): Promise<ReconcileResult> {
    try {
      return await requeueOnConflict(() => this.sync(key), { key, log: this.log });
    } finally {
      this.options.onReconcile?.(key);
    }
  }

  private async sync(key: string): Promise<ReconcileResult> {
    const owner = this.owners.cache.get(key);
    if (!owner) {
      this.expectations.forget(key);
      return;
    }
    const needsSync = this.expectations.satisfied(key);
    const selector = this.selectors.of(owner);
    if (!selector) return; // not retried: only a spec change (a new event) can fix it
    const { namespace } = splitKey(key);
    const podClient = this.ctx.client.resource<Pod>(PODS, namespace);
    const uid = owner.metadata?.uid ?? '';
    const candidates = [
      ...this.pods.cache.byIndex(OWNER_UID_INDEX, uid),
      ...this.pods.cache.byIndex(ORPHANS_BY_NAMESPACE, namespace ?? ''),
    ].filter(isPodActive);
    const pods = await claimPods(candidates, {
      kind: this.kind,
      owner,
      selector,
      pods: podClient,
      canAdopt: () => recheckOwner(this.ctx.client.resource<ReplicatedObject>(this.kind.resource, namespace), owner),
    });
    let outcome: ManageOutcome = { ok: true };
    if (needsSync && !owner.metadata?.deletionTimestamp) outcome = await this.manageReplicas(key, owner, pods, podClient);
    const nowMs = Date.now();
    const updated = await this.writeStatus(owner, calculateStatus(owner, pods, outcome, nowMs));
    if (!outcome.ok) throw outcome.error;
    const wait = nextAvailableInMs(updated, pods, nowMs);
    return wait === undefined ? undefined : { requeueAfterMs: wait };
  }

  /** Creates or deletes pods towards spec.replicas, at most BURST_REPLICAS per sync. */
  private async manageReplicas(key: string, owner: ReplicatedObject, pods: Pod[], podClient: ResourceClient<Pod>): Promise<ManageOutcome> {
    const diff = pods.length - (owner.spec?.replicas ?? 1);
    if (diff < 0) {
      const count = Math.min(-diff, BURST_REPLICAS);
      this.expectations.expectCreations(key, count);
      const result = await slowStartBatch(count, 1, () => this.createPod(owner, podClient));
      // Creations never attempted (or failed) will never be observed.
      for (let i = result.successes; i < count; i++) this.expectations.creationObserved(key);
      return result.failure ? { ok: false, error: asError(result.failure.error) } : { ok: true };
    }
    if (diff > 0) {
      const count = Math.min(diff, BURST_REPLICAS);
      const victims = podsToDelete(pods, this.relatedPods(owner), count, Date.now());
      this.expectations.expectDeletions(key, victims.map(objectKey));
      const results = await Promise.allSettled(victims.map((p) => this.deletePod(owner, p, podClient)));
      let firstError: Error | undefined;
      results.forEach((r, i) => {
        const victim = victims[i];
        if (r.status === 'fulfilled' || !victim) return;
        this.expectations.deletionObserved(key, objectKey(victim));
        if (!(r.reason instanceof ApiError && r.reason.code === 404)) firstError ??= asError(r.reason);
      });
      return firstError ? { ok: false, error: firstError } : { ok: true };
    }
    return { ok: true };
  }

  private async createPod(owner: ReplicatedObject, podClient: ResourceClient<Pod>): Promise<void> {
    const template = owner.spec?.template;
    const m = template?.metadata;
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${owner.metadata?.name ?? ''}-`,
        namespace: owner.metadata?.namespace,
        labels: { ...m?.labels },
        ...(m?.annotations ? { annotations: { ...m.annotations } } : {}),
        ...(m?.finalizers ? { finalizers: [...m.finalizers] } : {}),
        ownerReferences: [newControllerRef(this.kind, owner)],
      },
      spec: deepCopy(template?.spec ?? { containers: [] }),
    };
    try {
      const created = await podClient.create(pod);
      this.ctx.recorder.event(owner, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name ?? ''}`);
    } catch (err) {
      // A terminating namespace: nothing to do, and nothing worth an event.
      if (err instanceof ApiError && err.details?.causes?.some((c) => c.reason === 'NamespaceTerminating')) return;
      this.ctx.recorder.event(owner, 'Warning', 'FailedCreate', `Error creating: ${asError(err).message}`);
      throw err;
    }
  }

  private async deletePod(owner: ReplicatedObject, pod: Pod, podClient: ResourceClient<Pod>): Promise<void> {
    const name = pod.metadata?.name ?? '';
    try {
      await podClient.delete(name);
      this.ctx.recorder.event(owner, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) {
        this.ctx.recorder.event(owner, 'Warning', 'FailedDelete', `Error deleting: ${asError(err).message}`);
      }
      throw err;
    }
  }

  /** Pods of this owner and of its siblings (same controller, e.g. one Deployment's ReplicaSets). */
  private relatedPods(owner: ReplicatedObject): Pod[] {
    const parent = controllerRefOf(owner);
    const family = parent ? this.owners.cache.byIndex(OWNER_UID_INDEX, parent.uid) : [owner];
    return family.flatMap((o) => this.pods.cache.byIndex(OWNER_UID_INDEX, o.metadata?.uid ?? ''));
  }

  /** PUT status unless nothing changed; on failure once more against a fresh copy (as Kubernetes). */
  private async writeStatus(owner: ReplicatedObject, status: ReplicatedStatus): Promise<ReplicatedObject> {
    if (statusUnchanged(owner, status)) return owner;
    const generation = owner.metadata?.generation;
    const next: ReplicatedStatus = { ...status };
    if (generation) next.observedGeneration = generation;
    else delete next.observedGeneration;
    const client = this.ctx.client.resource<ReplicatedObject>(this.kind.resource, owner.metadata?.namespace);
    try {
      return await client.updateStatus({ ...owner, status: next });
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return owner;
      const fresh = await client.get(owner.metadata?.name ?? '');
      if (fresh.metadata?.uid !== owner.metadata?.uid) return owner;
      return await client.updateStatus({ ...fresh, status: next });
    }
  }
}

function sameLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ea = Object.entries(a ?? {});
  if (ea.length !== Object.keys(b ?? {}).length) return false;
  return ea.every(([k, v]) => b?.[k] === v);
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
