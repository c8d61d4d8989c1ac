// The StatefulSet controller (Kubernetes' "statefulset-controller"): pods with stable names,
// hostnames and storage, created, updated and removed in ordinal order (see sync.ts). Pod
// names are deterministic, so a stale cache cannot double-create: the second create answers
// AlreadyExists and the key is retried against a fresher cache.
import type { ControllerRevision, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../api/errors.js';
import { labelSelectorFromObject } from '../../api/selectors/labels.js';
import type { ObjectLike } from '../../client/client.js';
import { objectKey } from '../../informer/cache.js';
import { OWNER_UID_INDEX } from '../../informer/indexers.js';
import { runWorkers } from '../../informer/workers.js';
import { WorkQueue } from '../../informer/workqueue.js';
import type { ControllerContext, ControllerFactory } from '../controller.js';
import type { RevisionWriter } from '../history/revisions.js';
import { syncStatefulSet, type StatefulSetDeps } from './sync.js';
import { controllerKeyOf } from '../shared/ownership.js';
import { requireResource } from '../shared/resources.js';
import { wallClock } from '../shared/wallclock.js';

export const STATEFULSETS = requireResource('apps', 'v1', 'statefulsets');
export const CONTROLLER_REVISIONS = requireResource('apps', 'v1', 'controllerrevisions');
export const PODS = requireResource('', 'v1', 'pods');
export const PVCS = requireResource('', 'v1', 'persistentvolumeclaims');

export const statefulSetController: ControllerFactory = (ctx) => ({ name: 'statefulset', run: (signal) => run(ctx, signal) });

const ownerKey = (obj: ObjectLike): string | undefined => controllerKeyOf(obj, { group: 'apps', kind: 'StatefulSet' });

const ignoreNotFound = (err: unknown): void => {
  if (!(err instanceof ApiError && err.code === 404)) throw err;
};

async function run(ctx: ControllerContext, signal: AbortSignal): Promise<void> {
  const log = ctx.log.child('statefulset');
  const sets = ctx.informers.informerFor<StatefulSet>(STATEFULSETS);
  const pods = ctx.informers.informerFor<Pod>(PODS);
  const revisions = ctx.informers.informerFor<ControllerRevision>(CONTROLLER_REVISIONS);
  const claims = ctx.informers.informerFor<PersistentVolumeClaim>(PVCS);
  const queue = new WorkQueue({ clock: ctx.clock });
  const enqueueSet = (s: StatefulSet): void => queue.add(objectKey(s));
  sets.addEventHandler({ onAdd: enqueueSet, onUpdate: (_o, s) => enqueueSet(s), onDelete: enqueueSet });
  const enqueueOwner = (o: ObjectLike): void => {
    const key = ownerKey(o);
    if (key) queue.add(key);
  };
  pods.addEventHandler({ onAdd: enqueueOwner, onUpdate: (_o, p) => enqueueOwner(p), onDelete: enqueueOwner });
  revisions.addEventHandler({ onAdd: enqueueOwner, onUpdate: (_o, r) => enqueueOwner(r), onDelete: enqueueOwner });

  const podClient = (ns: string | undefined) => ctx.client.resource<Pod>(PODS, ns);
  const deps: StatefulSetDeps = {
    now: wallClock(ctx.clock),
    recorder: ctx.recorder,
    revisions: (set): RevisionWriter => {
      const c = ctx.client.resource<ControllerRevision>(CONTROLLER_REVISIONS, set.metadata?.namespace);
      return {
        create: (r) => c.create(r),
        get: (name) => c.get(name),
        update: (r) => c.update(r),
        delete: async (name) => void (await c.delete(name)),
      };
    },
    claimExists: (ns, name) => claims.cache.get(`${ns}/${name}`) !== undefined,
    createClaim: async (claim) => {
      try {
        await ctx.client.resource<PersistentVolumeClaim>(PVCS, claim.metadata?.namespace).create(claim);
        return 'created';
      } catch (err) {
        if (err instanceof ApiError && err.reason === 'AlreadyExists') return 'exists';
        throw err;
      }
    },
    ownClaimByPod: async (ns, name, pod) => {
      const claim = claims.cache.get(`${ns}/${name}`);
      if (!claim || claim.metadata?.ownerReferences?.some((r) => r.uid === pod.metadata?.uid)) return;
      const owners = [...(claim.metadata?.ownerReferences ?? []), { apiVersion: 'v1', kind: 'Pod', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' }];
      await ctx.client
        .resource<PersistentVolumeClaim>(PVCS, ns)
        .patch(name, 'merge', { metadata: { ownerReferences: owners, resourceVersion: claim.metadata?.resourceVersion } })
        .catch(ignoreNotFound);
    },
    createPod: (pod) => podClient(pod.metadata?.namespace).create(pod),
    deletePod: async (pod) => {
      await podClient(pod.metadata?.namespace)
        .delete(pod.metadata?.name ?? '', { preconditions: { uid: pod.metadata?.uid } })
        .catch(ignoreNotFound);
    },
    updateStatus: (set) => ctx.client.resource<StatefulSet>(STATEFULSETS, set.metadata?.namespace).updateStatus(set),
  };

  const reconcile = async (key: string): Promise<void | { requeueAfterMs: number }> => {
    const set = sets.cache.get(key);
    if (!set) return;
    const uid = set.metadata?.uid ?? '';
    const selector = labelSelectorFromObject(set.spec?.selector);
    const owned = pods.cache.byIndex(OWNER_UID_INDEX, uid).filter((p) => selector.matches(p.metadata?.labels));
    return syncStatefulSet(set, owned, revisions.cache.byIndex(OWNER_UID_INDEX, uid), deps);
  };

  if (!(await ctx.informers.waitForSync(signal))) return;
  await runWorkers(queue, reconcile, { workers: ctx.options.workers, signal, log });
}
