// The resource quota controller: keeps each ResourceQuota's status.hard equal to spec.hard and
// status.used equal to what its namespace uses of each limit (Kubernetes v1.33). Every object
// change in a namespace queues that namespace's quotas ("replenishment"); quotas are also all
// recomputed every five minutes. Enforcing quotas on create is the API server's job, not this.
import type { PersistentVolumeClaim, Pod, ResourceQuota, Service } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../api/errors.js';
import { deepCopy, type KubeObject } from '../../api/object.js';
import { RESOURCES, type ResourceInfo } from '../../api/resources.js';
import { objectKey } from '../../informer/cache.js';
import type { Informer } from '../../informer/informer.js';
import { NAMESPACE_INDEX } from '../../informer/indexers.js';
import { runWorkers, type ReconcileResult } from '../../informer/workers.js';
import { WorkQueue } from '../../informer/workqueue.js';
import type { ControllerContext, ControllerFactory } from '../controller.js';
import { addClaimUsage, addPodUsage, addServiceUsage, podCounts, podMatchesScopes, Usage } from './usage.js';

const QUOTAS = { group: '', version: 'v1', resource: 'resourcequotas' };
const FULL_RESYNC_MS = 5 * 60_000;
/** Object counts that have a bare name besides count/<resource>. */
const CLASSIC_COUNTS = new Set(['pods', 'services', 'configmaps', 'secrets', 'persistentvolumeclaims', 'replicationcontrollers', 'resourcequotas']);

export const resourceQuotaController: ControllerFactory = (ctx) => ({ name: 'resourcequota', run: (signal) => run(ctx, signal) });

function core(plural: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.group === '' && r.plural === plural);
}

/** The resource whose objects a hard limit counts, or undefined for names this controller does not know. */
export function resourceFor(name: string): ResourceInfo | undefined {
  if (name.startsWith('count/')) {
    const rest = name.slice('count/'.length);
    const dot = rest.indexOf('.');
    const plural = dot < 0 ? rest : rest.slice(0, dot);
    const group = dot < 0 ? '' : rest.slice(dot + 1);
    return RESOURCES.find((r) => r.group === group && r.plural === plural && !r.virtual);
  }
  if (CLASSIC_COUNTS.has(name)) return core(name);
  if (name.startsWith('services.')) return core('services');
  if (name === 'requests.storage') return core('persistentvolumeclaims');
  if (name.startsWith('requests.') || name.startsWith('limits.') || name === 'cpu' || name === 'memory' || name === 'ephemeral-storage' || name.startsWith('hugepages-')) {
    return core('pods');
  }
  return undefined;
}

/** Scoped quotas only track what pods use. */
const POD_ONLY = (r: ResourceInfo): boolean => r.group === '' && r.plural === 'pods';

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
    { onAdd: (q) => queue.add(objectKey(q)), onUpdate: (_, q) => queue.add(objectKey(q)) },
    { resyncPeriodMs: FULL_RESYNC_MS },
  );
  if (!(await quotas.waitForSync(signal))) return;

  const reconcile = async (key: string, sig: AbortSignal): Promise<ReconcileResult> => {
    const quota = quotas.cache.get(key);
    if (!quota) return;
    const namespace = quota.metadata?.namespace ?? '';
    const hard = quota.spec?.hard ?? {};
    const scoped = (quota.spec?.scopes?.length ?? 0) > 0 || (quota.spec?.scopeSelector?.matchExpressions?.length ?? 0) > 0;
    const resources = new Map<string, ResourceInfo>();
    for (const name of Object.keys(hard)) {
      const r = resourceFor(name);
      if (r && (!scoped || POD_ONLY(r))) resources.set(`${r.group}/${r.plural}`, r);
    }
    const usage = new Usage();
    const nowMs = Date.now();
    for (const r of resources.values()) {
      const informer = informerFor(r);
      if (!(await informer.waitForSync(sig))) return;
      for (const obj of informer.cache.byIndex(NAMESPACE_INDEX, namespace)) {
        if (r.group === '' && r.plural === 'pods') {
          const pod = obj as Pod;
          if (podCounts(pod, nowMs) && podMatchesScopes(pod, quota)) addPodUsage(usage, pod);
        } else if (r.group === '' && r.plural === 'services') {
          addServiceUsage(usage, obj as Service);
        } else if (r.group === '' && r.plural === 'persistentvolumeclaims') {
          addClaimUsage(usage, obj as PersistentVolumeClaim);
        } else {
          if (r.group === '') usage.count(r.plural);
          usage.count(`count/${r.plural}${r.group ? `.${r.group}` : ''}`);
        }
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
