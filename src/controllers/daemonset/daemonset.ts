// The DaemonSet controller (Kubernetes' "daemonset-controller"): one pod per eligible node. A
// daemon pod is pinned to its node with required node affinity (`metadata.name In [node]`)
// and bound by the scheduler, as in Kubernetes. Expectations keep a stale cache from
// creating a second pod for a node.
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../api/errors.js';
import { labelSelectorFromObject } from '../../api/selectors/labels.js';
import type { ObjectLike } from '../../client/client.js';
import { objectKey } from '../../informer/cache.js';
import { OWNER_UID_INDEX } from '../../informer/indexers.js';
import { runWorkers } from '../../informer/workers.js';
import { WorkQueue } from '../../informer/workqueue.js';
import type { ControllerContext, ControllerFactory } from '../controller.js';
import type { RevisionWriter } from '../history/revisions.js';
import { PodExpectations } from '../shared/expectations.js';
import { controllerKeyOf } from '../shared/ownership.js';
import { requireResource } from '../shared/resources.js';
import { syncDaemonSet, type DaemonSetDeps } from './sync.js';
import { wallClock } from '../shared/wallclock.js';

export const DAEMONSETS = requireResource('apps', 'v1', 'daemonsets');
export const CONTROLLER_REVISIONS = requireResource('apps', 'v1', 'controllerrevisions');
export const PODS = requireResource('', 'v1', 'pods');
export const NODES = requireResource('', 'v1', 'nodes');

export const daemonSetController: ControllerFactory = (ctx) => ({ name: 'daemonset', run: (signal) => run(ctx, signal) });

const ownerKey = (obj: ObjectLike): string | undefined => controllerKeyOf(obj, { group: 'apps', kind: 'DaemonSet' });

async function run(ctx: ControllerContext, signal: AbortSignal): Promise<void> {
  const log = ctx.log.child('daemonset');
  const now = wallClock(ctx.clock);
  const sets = ctx.informers.informerFor<DaemonSet>(DAEMONSETS);
  const pods = ctx.informers.informerFor<Pod>(PODS);
  const nodes = ctx.informers.informerFor<Node>(NODES);
  const revisions = ctx.informers.informerFor<ControllerRevision>(CONTROLLER_REVISIONS);
  const queue = new WorkQueue({ clock: ctx.clock });
  const expectations = new PodExpectations(ctx.clock);
  const enqueueSet = (s: DaemonSet): void => queue.add(objectKey(s));
  const enqueueAll = (): void => {
    for (const s of sets.cache.list()) enqueueSet(s);
  };
  sets.addEventHandler({ onAdd: enqueueSet, onUpdate: (_o, s) => enqueueSet(s), onDelete: enqueueSet });
  nodes.addEventHandler({ onAdd: enqueueAll, onUpdate: (o, n) => o !== n && enqueueAll(), onDelete: enqueueAll });
  const onPod = (pod: Pod, what: 'add' | 'update' | 'delete'): void => {
    const key = ownerKey(pod);
    if (!key) return;
    if (what === 'add') expectations.creationObserved(key);
    if (what === 'delete' || pod.metadata?.deletionTimestamp) expectations.deletionObserved(key, objectKey(pod));
    queue.add(key);
  };
  pods.addEventHandler({ onAdd: (p) => onPod(p, 'add'), onUpdate: (_o, p) => onPod(p, 'update'), onDelete: (p) => onPod(p, 'delete') });
  const enqueueOwner = (r: ControllerRevision): void => {
    const key = ownerKey(r);
    if (key) queue.add(key);
  };
  revisions.addEventHandler({ onAdd: enqueueOwner, onDelete: enqueueOwner });

  const podClient = (ns: string | undefined) => ctx.client.resource<Pod>(PODS, ns);
  const deps: DaemonSetDeps = {
    now,
    recorder: ctx.recorder,
    expectations,
    revisions: (ds): RevisionWriter => {
      const c = ctx.client.resource<ControllerRevision>(CONTROLLER_REVISIONS, ds.metadata?.namespace);
      return { create: (r) => c.create(r), get: (n) => c.get(n), update: (r) => c.update(r), delete: async (n) => void (await c.delete(n)) };
    },
    createPod: (pod) => podClient(pod.metadata?.namespace).create(pod),
    deletePod: async (pod) => {
      try {
        await podClient(pod.metadata?.namespace).delete(pod.metadata?.name ?? '', { preconditions: { uid: pod.metadata?.uid } });
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
      }
    },
    updateStatus: (ds) => ctx.client.resource<DaemonSet>(DAEMONSETS, ds.metadata?.namespace).updateStatus(ds),
  };

  const reconcile = async (key: string): Promise<void | { requeueAfterMs: number }> => {
    const ds = sets.cache.get(key);
    if (!ds) {
      expectations.forget(key);
      return;
    }
    const uid = ds.metadata?.uid ?? '';
    const selector = labelSelectorFromObject(ds.spec?.selector);
    const owned = pods.cache.byIndex(OWNER_UID_INDEX, uid).filter((p) => selector.matches(p.metadata?.labels));
    return syncDaemonSet(ds, owned, nodes.cache.list(), revisions.cache.byIndex(OWNER_UID_INDEX, uid), key, deps);
  };

  if (!(await ctx.informers.waitForSync(signal))) return;
  await runWorkers(queue, reconcile, { workers: ctx.options.workers, signal, log });
}
