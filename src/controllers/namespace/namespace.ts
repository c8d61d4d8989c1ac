// The namespace controller (`namespace`): a namespace being deleted (deletionTimestamp, phase
// Terminating) has its content deleted; its status conditions say what remains and why; once
// it is empty the `kubernetes` finalizer is removed through `PUT .../finalize`, after which the
// API server deletes the namespace itself.
// While pods are terminating, Kubernetes looks again only after their grace-period estimate;
// here a terminating namespace is also looked at as soon as its last pod is gone, so deleting a
// namespace does not wait out a grace period its pods did not use.
import type { Namespace, NamespaceCondition, Pod } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../api/errors.js';
import type { ApiClient } from '../../client/client.js';
import { apiErrorFromResponse } from '../../client/status.js';
import { NAMESPACE_INDEX } from '../../informer/indexers.js';
import { runWorkers, type ReconcileResult } from '../../informer/workers.js';
import { WorkQueue } from '../../informer/workqueue.js';
import type { ControllerFactory } from '../controller.js';
import { requireResource } from '../shared/resources.js';
import { deleteAllContent, type ContentReport } from './content.js';

const FINALIZER = 'kubernetes';
const NAMESPACES = requireResource('', 'v1', 'namespaces');
const PODS = requireResource('', 'v1', 'pods');
/**
 * While content without a known end remains (finalizers), look again after 5 ms doubling to
 * 60 s: the backoff of Kubernetes' namespace queue.
 */
const RECHECK_BASE_MS = 5;
const RECHECK_MAX_MS = 60_000;

export type SyncResult = { kind: 'done' } | { kind: 'content-remaining'; estimateSeconds: number };

export const namespaceController: ControllerFactory = (ctx) => ({
  name: 'namespace',
  async run(signal) {
    const informer = ctx.informers.informerFor<Namespace>(NAMESPACES);
    const pods = ctx.informers.informerFor<Pod>(PODS);
    const queue = new WorkQueue({ clock: ctx.clock });
    const enqueue = (ns: Namespace): void => {
      if (ns.metadata?.deletionTimestamp && ns.metadata.name) queue.add(ns.metadata.name);
    };
    informer.addEventHandler({ onAdd: enqueue, onUpdate: (_old, ns) => enqueue(ns) });
    pods.addEventHandler({
      onDelete: (pod) => {
        const ns = pod.metadata?.namespace ?? '';
        if (informer.cache.get(ns)?.metadata?.deletionTimestamp && pods.cache.byIndex(NAMESPACE_INDEX, ns).length === 0) queue.add(ns);
      },
    });
    if (!(await informer.waitForSync(signal)) || !(await pods.waitForSync(signal))) return;
    const rechecks = new Map<string, number>();
    const reconcile = async (name: string): Promise<ReconcileResult> => {
      if (!informer.cache.get(name)?.metadata?.deletionTimestamp) return;
      const result = await syncNamespace(ctx.client, name, () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'));
      if (result.kind === 'done') {
        rechecks.delete(name);
        return;
      }
      if (result.estimateSeconds > 0) return { requeueAfterMs: result.estimateSeconds * 1000 };
      const n = rechecks.get(name) ?? 0;
      rechecks.set(name, n + 1);
      return { requeueAfterMs: Math.min(RECHECK_MAX_MS, RECHECK_BASE_MS * 2 ** n) };
    };
    await runWorkers(queue, reconcile, { workers: ctx.options.workers, signal, log: ctx.log });
  },
});

/** One pass over a terminating namespace; throws when some content could not be deleted. */
export async function syncNamespace(client: ApiClient, name: string, now: () => string): Promise<SyncResult> {
  const namespaces = client.resource<Namespace>(NAMESPACES);
  let ns: Namespace;
  try {
    ns = await namespaces.get(name);
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return { kind: 'done' };
    throw err;
  }
  // Only a namespace being deleted, and only while our finalizer is there (others are not ours).
  if (!ns.metadata?.deletionTimestamp || !(ns.spec?.finalizers ?? []).includes(FINALIZER)) return { kind: 'done' };

  const report = await deleteAllContent(client, name);
  const conditions = conditionsFor(report, ns.status?.conditions ?? [], now());
  if (JSON.stringify(conditions) !== JSON.stringify(ns.status?.conditions ?? [])) {
    try {
      ns = await namespaces.patch(name, 'merge', { status: { conditions } }, { subresource: 'status' });
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return { kind: 'done' };
      throw err;
    }
  }
  if (report.errors.length > 0) throw new Error(`deleting content of namespace ${name}: ${report.errors.join('; ')}`);
  if (report.remaining.size > 0) return { kind: 'content-remaining', estimateSeconds: report.estimateSeconds };
  await finalize(client, ns);
  return { kind: 'done' };
}

/** `PUT /api/v1/namespaces/<name>/finalize` without the `kubernetes` finalizer. */
async function finalize(client: ApiClient, ns: Namespace): Promise<void> {
  const name = ns.metadata?.name ?? '';
  const body: Namespace = { ...ns, spec: { ...ns.spec, finalizers: (ns.spec?.finalizers ?? []).filter((f) => f !== FINALIZER) } };
  const res = await client.transport.request({
    method: 'PUT',
    path: `/api/v1/namespaces/${encodeURIComponent(name)}/finalize`,
    body: Buffer.from(JSON.stringify(body)),
    contentType: 'application/json',
  });
  if (res.status === 404) return;
  if (res.status < 200 || res.status > 299) throw apiErrorFromResponse(res.status, res.body);
}

/**
 * The five conditions Kubernetes reports on a terminating namespace, with its reasons and
 * messages; a condition keeps its lastTransitionTime while its status does not change.
 */
export function conditionsFor(report: ContentReport, previous: readonly NamespaceCondition[], now: string): NamespaceCondition[] {
  const make = (type: string, isTrue: boolean, reason: string, message: string): NamespaceCondition => {
    const status = isTrue ? 'True' : 'False';
    const before = previous.find((c) => c.type === type);
    const lastTransitionTime = before && before.status === status && before.lastTransitionTime ? before.lastTransitionTime : now;
    return { type, status, lastTransitionTime, reason, message };
  };
  const remaining = [...report.remaining].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([r, n]) => `${r} has ${n} resource instances`);
  const finalizers = [...report.finalizers].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([f, n]) => `${f} in ${n} resource instances`);
  return [
    make('NamespaceDeletionDiscoveryFailure', false, 'ResourcesDiscovered', 'All resources successfully discovered'),
    make('NamespaceDeletionGroupVersionParsingFailure', false, 'ParsedGroupVersions', 'All legacy kube types successfully parsed'),
    report.errors.length > 0
      ? make('NamespaceDeletionContentFailure', true, 'ContentDeletionFailed', `Failed to delete all resource types, ${report.errors.length} remaining: ${report.errors.join(', ')}`)
      : make('NamespaceDeletionContentFailure', false, 'ContentDeleted', 'All content successfully deleted, may be waiting on finalization'),
    remaining.length > 0
      ? make('NamespaceContentRemaining', true, 'SomeResourcesRemain', `Some resources are remaining: ${remaining.join(', ')}`)
      : make('NamespaceContentRemaining', false, 'ContentRemoved', 'All content successfully removed'),
    finalizers.length > 0
      ? make('NamespaceFinalizersRemaining', true, 'SomeFinalizersRemain', `Some content in the namespace has finalizers remaining: ${finalizers.join(', ')}`)
      : make('NamespaceFinalizersRemaining', false, 'ContentHasNoFinalizers', 'All content-preserving finalizers finished'),
  ];
}
