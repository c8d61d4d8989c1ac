// The endpoints controller: keeps one Endpoints object per selector Service (same name) listing
// the IPs of the pods it selects, as Kubernetes v1.33's endpoint-controller does. Event driven:
// a pod change queues the services whose selector matches it (before and after the change).
import type { Endpoints, EndpointSubset, Pod, Service } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../api/errors.js';
import { deepCopy } from '../../api/object.js';
import { labelSelectorFromSet } from '../../api/selectors/labels.js';
import type { Informer } from '../../informer/informer.js';
import { objectKey, splitKey } from '../../informer/cache.js';
import { NAMESPACE_INDEX } from '../../informer/indexers.js';
import { runWorkers, type ReconcileResult } from '../../informer/workers.js';
import { WorkQueue } from '../../informer/workqueue.js';
import type { ControllerContext, ControllerFactory } from '../controller.js';
import { desiredSubsets } from './subsets.js';

const PODS = { group: '', version: 'v1', resource: 'pods' };
const SERVICES = { group: '', version: 'v1', resource: 'services' };
const ENDPOINTS = { group: '', version: 'v1', resource: 'endpoints' };

export const MANAGED_BY_LABEL = 'endpoints.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'endpoint-controller';
const HEADLESS_LABEL = 'service.kubernetes.io/headless';
/** The API server keeps this one itself. */
const MASTER_SERVICE_KEY = 'default/kubernetes';
const CONFLICT_RETRY_MS = 200;

export const endpointsController: ControllerFactory = (ctx) => ({ name: 'endpoints', run: (signal) => run(ctx, signal) });

interface Caches {
  services: Informer<Service>;
  pods: Informer<Pod>;
  endpoints: Informer<Endpoints>;
}

async function run(ctx: ControllerContext, signal: AbortSignal): Promise<void> {
  const caches: Caches = {
    services: ctx.informers.informerFor<Service>(SERVICES),
    pods: ctx.informers.informerFor<Pod>(PODS),
    endpoints: ctx.informers.informerFor<Endpoints>(ENDPOINTS),
  };
  const queue = new WorkQueue({ clock: ctx.clock });
  const enqueue = (obj: Service | Endpoints): void => {
    const key = objectKey(obj);
    if (key !== MASTER_SERVICE_KEY) queue.add(key);
  };
  const enqueueForPod = (pod: Pod): void => {
    for (const svc of servicesSelecting(caches.services, pod)) enqueue(svc);
  };
  caches.services.addEventHandler({ onAdd: enqueue, onUpdate: (_, s) => enqueue(s), onDelete: enqueue });
  caches.pods.addEventHandler({
    onAdd: enqueueForPod,
    onUpdate: (oldPod, newPod) => {
      if (oldPod === newPod || oldPod.metadata?.resourceVersion === newPod.metadata?.resourceVersion) return;
      enqueueForPod(newPod);
      if (JSON.stringify(oldPod.metadata?.labels ?? {}) !== JSON.stringify(newPod.metadata?.labels ?? {})) enqueueForPod(oldPod);
    },
    onDelete: enqueueForPod,
  });
  // Someone else changing or deleting an Endpoints of a selector Service gets it put back. An
  // Endpoints object with no such Service is someone else's (Kubernetes watches only deletions).
  const enqueueIfOwned = (ep: Endpoints): void => {
    const svc = caches.services.cache.get(objectKey(ep));
    if (svc && hasSelector(svc)) enqueue(ep);
  };
  caches.endpoints.addEventHandler({ onUpdate: (_, e) => enqueueIfOwned(e), onDelete: enqueueIfOwned });
  const synced = await Promise.all([caches.services.waitForSync(signal), caches.pods.waitForSync(signal), caches.endpoints.waitForSync(signal)]);
  if (!synced.every(Boolean)) return;
  await runWorkers(queue, (key) => reconcile(ctx, caches, key), { workers: ctx.options.workers, signal, log: ctx.log });
}

function hasSelector(svc: Service): svc is Service & { spec: { selector: Record<string, string> } } {
  return Object.keys(svc.spec?.selector ?? {}).length > 0;
}

function servicesSelecting(services: Informer<Service>, pod: Pod): Service[] {
  const ns = pod.metadata?.namespace ?? '';
  return services.cache.byIndex(NAMESPACE_INDEX, ns).filter((s) => hasSelector(s) && labelSelectorFromSet(s.spec.selector).matches(pod.metadata?.labels));
}

async function reconcile(ctx: ControllerContext, caches: Caches, key: string): Promise<ReconcileResult> {
  if (key === MASTER_SERVICE_KEY) return;
  const { namespace = '', name } = splitKey(key);
  const client = ctx.client.resource<Endpoints>(ENDPOINTS, namespace);
  const service = caches.services.cache.get(key);
  if (!service) {
    // The service is gone: so is its Endpoints object (Kubernetes deletes it by name).
    if (!caches.endpoints.cache.get(key)) return;
    try {
      await client.delete(name);
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
    }
    return;
  }
  // Services without a selector have Endpoints written by someone else.
  if (!hasSelector(service)) return;
  const selector = labelSelectorFromSet(service.spec.selector);
  const pods = caches.pods.cache.byIndex(NAMESPACE_INDEX, namespace).filter((p) => selector.matches(p.metadata?.labels));
  const subsets = desiredSubsets(service, pods);
  const labels = desiredLabels(service);
  const current = caches.endpoints.cache.get(key);
  if (current && canonical(current.subsets ?? []) === canonical(subsets) && canonical(current.metadata?.labels ?? {}) === canonical(labels)) return;
  try {
    if (!current) {
      await client.create({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace, labels }, subsets });
    } else {
      const next = deepCopy(current);
      next.metadata = { ...next.metadata, labels };
      setSubsets(next, subsets);
      await client.update(next);
    }
  } catch (err) {
    // A conflict means the cache was behind; the informer event for the newer object queues
    // the key again, and the short requeue covers an event that raced this reconcile.
    if (err instanceof ApiError && err.code === 409) return { requeueAfterMs: CONFLICT_RETRY_MS };
    const reason = current ? 'FailedToUpdateEndpoint' : 'FailedToCreateEndpoint';
    ctx.recorder.event(service, 'Warning', reason, `Failed to ${current ? 'update' : 'create'} endpoint ${key}: ${err instanceof Error ? err.message : String(err)}`);
    throw err;
  }
  return undefined;
}

function setSubsets(ep: Endpoints, subsets: EndpointSubset[]): void {
  if (subsets.length) ep.subsets = subsets;
  else delete ep.subsets;
}

/** The service's labels, plus the headless marker and who manages the object. */
function desiredLabels(service: Service): Record<string, string> {
  const labels: Record<string, string> = { ...(service.metadata?.labels ?? {}) };
  if (service.spec?.clusterIP === 'None') labels[HEADLESS_LABEL] = '';
  else delete labels[HEADLESS_LABEL];
  labels[MANAGED_BY_LABEL] = MANAGED_BY_VALUE;
  return labels;
}

/** JSON with sorted keys and without empty arrays, so stored and computed objects compare by content. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) {
        const x = (v as Record<string, unknown>)[k];
        if (x === undefined || (Array.isArray(x) && x.length === 0)) continue;
        out[k] = x;
      }
      return out;
    }
    return v;
  });
}
