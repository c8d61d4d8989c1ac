// The garbage collector (`garbage-collector`): deletes objects whose owners are gone, and
// carries out the Foreground and Orphan propagation policies the API server leaves to it as
// finalizers. Keys are uids; a uid is reconciled in one of two roles:
// - as an owner being deleted: `orphan` finalizer → strip the reference to it from every
//   dependent, then drop the finalizer; `foregroundDeletion` → have every dependent deleted,
//   and drop the finalizer once no dependent with blockOwnerDeletion is left;
// - as a dependent: each owner is present (in the graph, or confirmed by a GET — a cache miss
//   is never taken as absence), absent (404, or another uid under that name), or waiting for
//   its own dependents (foreground). With no present owner left the dependent is deleted
//   (Foreground when an owner waits and it has dependents itself); with some present owners,
//   references to absent owners are removed and those to waiting owners stop blocking.
import { setMaxListeners } from 'node:events';
import type { CustomResourceDefinition } from 'kubernetes-types/apiextensions/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { customResourceInfo, isEstablished } from '../../api/custom/custom-resource.js';
import { ApiError } from '../../api/errors.js';
import { parseApiVersion } from '../../api/object.js';
import { findResourceByKind, RESOURCES, type ResourceInfo } from '../../api/resources.js';
import type { ObjectLike } from '../../client/client.js';
import type { DeleteOptions } from '../../client/resource-client.js';
import { runWorkers } from '../../informer/workers.js';
import { WorkQueue } from '../../informer/workqueue.js';
import type { ControllerContext, ControllerFactory } from '../controller.js';
import { DependencyGraph, deletingDependents, FOREGROUND_FINALIZER, nodeOf, ORPHAN_FINALIZER, type GraphNode } from './graph.js';

/** Everything stored that can be listed, watched and deleted, except Events (as Kubernetes ignores them). */
export function collectableResources(): ResourceInfo[] {
  return RESOURCES.filter((r) => !r.virtual && r.plural !== 'events' && COLLECTOR_VERBS.every((v) => r.verbs.includes(v)));
}

const CRDS = { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions' };
const COLLECTOR_VERBS = ['list', 'watch', 'delete'] as const;

type OwnerState = 'present' | 'absent' | 'waiting';

/** Remembered absent owner uids (a uid never comes back); cleared when it grows past this. */
const ABSENT_CACHE_LIMIT = 10_000;

export const garbageCollectorController: ControllerFactory = (ctx) => ({
  name: 'garbage-collector',
  run: (signal) => new GarbageCollector(ctx).run(signal),
});

type JsonPatchOp = { op: 'test' | 'replace'; path: string; value: unknown } | { op: 'remove'; path: string };

class GarbageCollector {
  private readonly graph = new DependencyGraph();
  private readonly queue: WorkQueue;
  private readonly absent = new Set<string>();
  /** Custom resources by `group/Kind`, for owner references to them. */
  private readonly customKinds = new Map<string, ResourceInfo>();
  private readonly followed = new Set<string>();

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue({ clock: ctx.clock });
  }

  async run(signal: AbortSignal): Promise<void> {
    // One informer per resource listens on this signal: dozens of listeners are expected here.
    setMaxListeners(0, signal);
    const informers = collectableResources().map((resource) => this.follow(resource));
    // Custom resources join the graph as their CRDs become established (Kubernetes' collector
    // follows discovery the same way); their informers start when they are found.
    const crds = this.ctx.informers.informerFor<CustomResourceDefinition>(CRDS);
    crds.addEventHandler({ onAdd: (crd) => this.followCustom(crd), onUpdate: (_old, crd) => this.followCustom(crd) });
    const synced = await Promise.all([...informers, crds].map((i) => i.waitForSync(signal)));
    if (!synced.every(Boolean)) return;
    this.ctx.log.debug(`graph synced with ${this.graph.size} objects`);
    await runWorkers(this.queue, (uid) => this.reconcile(uid), { workers: this.ctx.options.workers, signal, log: this.ctx.log });
  }

  private follow(resource: ResourceInfo): { waitForSync(signal: AbortSignal): Promise<boolean> } {
    const informer = this.ctx.informers.informerFor(resource);
    informer.addEventHandler({
      onAdd: (obj) => this.observe(resource, obj),
      onUpdate: (_old, obj) => this.observe(resource, obj),
      onDelete: (obj) => this.forget(obj),
    });
    return informer;
  }

  /**
   * Starts following an established CRD's resource (once per resource and version). An informer
   * of a CRD deleted later keeps retrying its list with backoff, and serves again if the CRD
   * comes back.
   */
  private followCustom(crd: CustomResourceDefinition): void {
    if (!isEstablished(crd)) return;
    const resource = customResourceInfo(crd);
    if (!resource || !COLLECTOR_VERBS.every((v) => resource.verbs.includes(v))) return;
    this.customKinds.set(`${resource.group}/${resource.kind}`, resource);
    const id = `${resource.group}/${resource.plural}/${resource.version}`;
    if (this.followed.has(id)) return;
    this.followed.add(id);
    this.follow(resource);
  }

  private observe(resource: ResourceInfo, obj: ObjectLike): void {
    const node = nodeOf(resource, obj);
    if (!node) return;
    const prev = this.graph.upsert(node);
    if (node.owners.length > 0 || (node.deleting && (node.finalizers.includes(ORPHAN_FINALIZER) || node.finalizers.includes(FOREGROUND_FINALIZER)))) {
      this.queue.add(node.uid);
    }
    // A dependent that dropped a reference may have been what held an owner's foreground deletion.
    for (const ref of prev?.owners ?? []) {
      if (!node.owners.some((r) => r.uid === ref.uid)) this.queue.add(ref.uid);
    }
  }

  private forget(obj: ObjectLike): void {
    const uid = obj.metadata?.uid;
    if (!uid) return;
    const gone = this.graph.remove(uid);
    for (const d of this.graph.dependentsOf(uid)) this.queue.add(d.uid);
    for (const ref of gone?.owners ?? []) this.queue.add(ref.uid);
  }

  private async reconcile(uid: string): Promise<void> {
    const node = this.graph.get(uid);
    if (!node) return;
    if (node.deleting) {
      if (node.finalizers.includes(ORPHAN_FINALIZER)) return this.orphanDependents(node);
      if (node.finalizers.includes(FOREGROUND_FINALIZER)) return this.deleteDependents(node);
      // Being deleted in the background or gracefully: nothing for the collector to do.
      return;
    }
    if (node.owners.length > 0) await this.collectIfOwnerless(node);
  }

  private async orphanDependents(owner: GraphNode): Promise<void> {
    for (const d of this.graph.dependentsOf(owner.uid)) {
      const i = d.owners.findIndex((r) => r.uid === owner.uid);
      if (i < 0) continue;
      await this.jsonPatch(d, [
        { op: 'test', path: '/metadata/uid', value: d.uid },
        { op: 'test', path: `/metadata/ownerReferences/${i}/uid`, value: owner.uid },
        // The last one goes with its list, as an empty list is never written.
        { op: 'remove', path: d.owners.length === 1 ? '/metadata/ownerReferences' : `/metadata/ownerReferences/${i}` },
      ]);
    }
    await this.removeFinalizer(owner, ORPHAN_FINALIZER);
  }

  private async deleteDependents(owner: GraphNode): Promise<void> {
    if (this.graph.blockingDependentsOf(owner.uid).length === 0) {
      await this.removeFinalizer(owner, FOREGROUND_FINALIZER);
      return;
    }
    // Each dependent decides for itself (it may have other owners); their deletions requeue this owner.
    for (const d of this.graph.dependentsOf(owner.uid)) if (!d.deleting || deletingDependents(d)) this.queue.add(d.uid);
  }

  private async collectIfOwnerless(node: GraphNode): Promise<void> {
    const states = new Map<string, OwnerState>();
    for (const ref of node.owners) states.set(ref.uid, await this.ownerState(node, ref));
    const present = node.owners.filter((r) => states.get(r.uid) === 'present');
    const absent = node.owners.filter((r) => states.get(r.uid) === 'absent');
    const waiting = node.owners.filter((r) => states.get(r.uid) === 'waiting');
    if (present.length === 0) {
      const policy: DeleteOptions['propagationPolicy'] =
        waiting.length > 0 && this.graph.dependentsOf(node.uid).length > 0
          ? 'Foreground'
          : node.finalizers.includes(ORPHAN_FINALIZER)
            ? 'Orphan'
            : node.finalizers.includes(FOREGROUND_FINALIZER)
              ? 'Foreground'
              : 'Background';
      this.ctx.log.debug(`deleting ${describe(node)} (${policy}): no owner left of ${node.owners.map((r) => `${r.kind}/${r.name}`).join(', ')}`);
      await this.delete(node, policy);
      return;
    }
    const unblock = waiting.filter((r) => r.blockOwnerDeletion === true);
    if (absent.length === 0 && unblock.length === 0) return;
    const ops: JsonPatchOp[] = [{ op: 'test', path: '/metadata/uid', value: node.uid }];
    node.owners.forEach((r, i) => {
      if (unblock.includes(r)) {
        ops.push({ op: 'test', path: `/metadata/ownerReferences/${i}/uid`, value: r.uid });
        ops.push({ op: 'replace', path: `/metadata/ownerReferences/${i}/blockOwnerDeletion`, value: false });
      }
    });
    // Removals last and from the end, so earlier indexes stay valid (present owners remain, so the list is never emptied).
    for (let i = node.owners.length - 1; i >= 0; i--) {
      const r = node.owners[i];
      if (!r || !absent.includes(r)) continue;
      ops.push({ op: 'test', path: `/metadata/ownerReferences/${i}/uid`, value: r.uid });
      ops.push({ op: 'remove', path: `/metadata/ownerReferences/${i}` });
    }
    await this.jsonPatch(node, ops);
  }

  private async ownerState(dependent: GraphNode, ref: OwnerReference): Promise<OwnerState> {
    const known = this.graph.get(ref.uid);
    if (known) return deletingDependents(known) ? 'waiting' : 'present';
    if (this.absent.has(ref.uid)) return 'absent';
    const { group, version } = parseApiVersion(ref.apiVersion);
    const resource = findResourceByKind({ group, version, kind: ref.kind }) ?? this.customKinds.get(`${group}/${ref.kind}`);
    if (!resource) {
      // A kind this server does not serve cannot be checked; keep the dependent.
      this.ctx.log.debug(`${describe(dependent)}: owner kind ${ref.apiVersion}/${ref.kind} is not served`);
      return 'present';
    }
    // A cluster-scoped object cannot be owned by a namespaced one: such a reference never resolves.
    if (resource.namespaced && dependent.namespace === undefined) return this.markAbsent(ref.uid);
    try {
      const owner = await this.ctx.client.resource(resource, resource.namespaced ? dependent.namespace : undefined).get(ref.name);
      if (owner.metadata?.uid !== ref.uid) return this.markAbsent(ref.uid);
      const node = nodeOf(resource, owner);
      return node && deletingDependents(node) ? 'waiting' : 'present';
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return this.markAbsent(ref.uid);
      throw err;
    }
  }

  private markAbsent(uid: string): 'absent' {
    if (this.absent.size >= ABSENT_CACHE_LIMIT) this.absent.clear();
    this.absent.add(uid);
    return 'absent';
  }

  private async delete(node: GraphNode, propagationPolicy: DeleteOptions['propagationPolicy']): Promise<void> {
    try {
      await this.ctx.client.resource(node.resource, node.namespace).delete(node.name, { propagationPolicy, preconditions: { uid: node.uid } });
    } catch (err) {
      // Already gone, or a different object under the name now.
      if (err instanceof ApiError && (err.code === 404 || err.code === 409)) return;
      throw err;
    }
  }

  private async removeFinalizer(node: GraphNode, finalizer: string): Promise<void> {
    const i = node.finalizers.indexOf(finalizer);
    if (i < 0) return;
    await this.jsonPatch(node, [
      { op: 'test', path: '/metadata/uid', value: node.uid },
      { op: 'test', path: `/metadata/finalizers/${i}`, value: finalizer },
      { op: 'remove', path: node.finalizers.length === 1 ? '/metadata/finalizers' : `/metadata/finalizers/${i}` },
    ]);
  }

  /**
   * A JSON patch guarded by `test` operations on what the cache showed: when the cache was
   * stale the patch fails (422), and the retry sees the newer object.
   */
  private async jsonPatch(node: GraphNode, ops: JsonPatchOp[]): Promise<void> {
    try {
      await this.ctx.client.resource(node.resource, node.namespace).patch(node.name, 'json', ops);
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return;
      throw err;
    }
  }
}

function describe(n: GraphNode): string {
  return `${n.resource.kind} ${n.namespace ? `${n.namespace}/` : ''}${n.name}`;
}
