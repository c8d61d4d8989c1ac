// The resource quota controller: keeps each ResourceQuota's status.hard equal to spec.hard and
// status.used equal to what its namespace uses of each limit (Kubernetes v1.33). Every object
// change in a namespace queues that namespace's quotas ("replenishment"); quotas are also all
// recomputed every five minutes. Enforcing quotas on create is the API server's job, not this.
import type { Pod, ResourceQuota } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../api/errors.js';
import { deepCopy, type KubeObject } from '../../api/object.js';
import { countedResource, isCore } from '../../api/quota/names.js';
import { hasScopes, podMatchesScopes } from '../../api/quota/scopes.js';
import { addObjectUsage, podCounts, Usage } from '../../api/quota/usage.js';
import { jsonEqual } from '../../api/validation/equal.js';
import { RESOURCES, type ResourceInfo } from '../../api/resources.js';
import { objectKey } from '../../informer/cache.js';
import type { Informer } from '../../informer/informer.js';
import { NAMESPACE_INDEX } from '../../informer/indexers.js';
import { runWorkers, type ReconcileResult } from '../../informer/workers.js';
import { WorkQueue } from '../../informer/workqueue.js';
import type { ControllerContext, ControllerFactory } from '../controller.js';

const QUOTAS = { group: '', version: 'v1', resource: 'resourcequotas' };
const FULL_RESYNC_MS = 5 * 60_000;

export const resourceQuotaController: ControllerFactory = (ctx) => ({ name: 'resourcequota', run: (signal) => run(ctx, signal) });

/** The served resource whose objects a hard limit counts, or undefined for names this controller does not know. */
export function resourceFor(name: string): ResourceInfo | undefined {
  const counted = countedResource(name);
  return counted && RESOURCES.find((r) => r.group === counted.group && r.plural === counted.plural && !r.virtual);
}

/**
 * Whether a quota update needs a recompute now, as Kubernetes' controller decides: a resync
 * (old === cur), a changed spec, or a status.hard unlike spec.hard (not yet computed).
 * Other status writes (the API server charging a create at admission, this controller's own)
 * wait for the objects' events or the resync: recomputing from caches that have not yet seen a
 * charged object would take its charge back and let a concurrent create slip under the limit.
 */
function needsRecompute(old: ResourceQuota, cur: ResourceQuota): boolean {
  return old === cur || !jsonEqual(old.spec, cur.spec) || !sameMap(cur.status?.hard, cur.spec?.hard ?? {});
}

async function run(ctx: ControllerContext, signal: AbortSignal): Promise<void> {
  const quotas = ctx.informers.informerFor<ResourceQuota>(QUOTAS);
  const queue = new WorkQueue({ clock: ctx.clock });
  const enqueueNamespace = (obj: KubeObject): void => {
    const ns = obj.metadata?.namespace;
    if (ns) for (const q of quotas.cache.byIndex(NAMESPACE_INDEX, ns)) queue.add(objectKey(q));
  };
  /** Informers of the counted resources, made when a quota first needs one. */
  const tracked = new Map<string, Informer<KubeObject>>();
  const informerFor = (r: ResourceInfo): Informer<KubeObject> => {
    const id = `${r.group}/${r.plural}`;
    let informer = tracked.get(id);
    if (!informer) {
      informer = ctx.informers.informerFor<KubeObject>(r);
      informer.addEventHandler({ onAdd: enqueueNamespace, onUpdate: (_, o) => enqueueNamespace(o), onDelete: enqueueNamespace });
      tracked.set(id, informer);
    }
    return informer;
  };
  quotas.addEventHandler(
    {
      onAdd: (q) => queue.add(objectKey(q)),
      onUpdate: (old, q) => {
        if (needsRecompute(old, q)) queue.add(objectKey(q));
      },
    },
    { resyncPeriodMs: FULL_RESYNC_MS },
  );
  if (!(await quotas.waitForSync(signal))) return;

  const reconcile = async (key: string, sig: AbortSignal): Promise<ReconcileResult> => {
    const quota = quotas.cache.get(key);
    if (!quota) return;
    const namespace = quota.metadata?.namespace ?? '';
    const hard = quota.spec?.hard ?? {};
    // Scoped quotas only track what pods use.
    const scoped = hasScopes(quota);
    const resources = new Map<string, ResourceInfo>();
    for (const name of Object.keys(hard)) {
      const r = resourceFor(name);
      if (r && (!scoped || isCore(r, 'pods'))) resources.set(`${r.group}/${r.plural}`, r);
    }
    const usage = new Usage();
    const nowMs = Date.now();
    for (const r of resources.values()) {
      const informer = informerFor(r);
      if (!(await informer.waitForSync(sig))) return;
      for (const obj of informer.cache.byIndex(NAMESPACE_INDEX, namespace)) {
        if (isCore(r, 'pods') && !(podCounts(obj as Pod, nowMs) && podMatchesScopes(obj as Pod, quota))) continue;
        addObjectUsage(usage, r, obj);
      }
    }
    const used: Record<string, string> = {};
    for (const name of Object.keys(hard)) {
      const r = resourceFor(name);
      if (r && resources.has(`${r.group}/${r.plural}`)) used[name] = usage.text(name);
    }
    if (sameMap(quota.status?.hard, hard) && sameMap(quota.status?.used, used)) return;
    const copy = deepCopy(quota);
    try {
      await ctx.client.resource<ResourceQuota>(QUOTAS, namespace).updateStatus({ ...copy, status: { hard: { ...hard }, used } });
    } catch (err) {
      // The quota changed since the cache saw it; its informer event queues it again.
      if (err instanceof ApiError && (err.code === 409 || err.code === 404)) return { requeueAfterMs: 100 };
      throw err;
    }
    return;
  };
  await runWorkers(queue, reconcile, { workers: ctx.options.workers, signal, log: ctx.log });
}

function sameMap(a: Readonly<Record<string, unknown>> | undefined, b: Readonly<Record<string, unknown>>): boolean {
  const ka = Object.keys(a ?? {});
  return ka.length === Object.keys(b).length && ka.every((k) => String(a?.[k]) === String(b[k]));
}
