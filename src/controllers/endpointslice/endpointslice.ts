// The EndpointSlice controller: keeps the EndpointSlices of every selector Service (labelled
// kubernetes.io/service-name, managed-by endpointslice-controller.k8s.io, owned by the Service)
// in step with the pods it selects, as Kubernetes v1.33 does. Event driven: a pod change
// queues the services whose selector matches it before or after the change.
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { ApiError } from '../../api/errors.js';
import { deepCopy } from '../../api/object.js';
import { labelSelectorFromSet } from '../../api/selectors/labels.js';
import { objectKey, splitKey } from '../../informer/cache.js';
import type { Informer } from '../../informer/informer.js';
import { NAMESPACE_INDEX } from '../../informer/indexers.js';
import { runWorkers, type ReconcileResult } from '../../informer/workers.js';
import { WorkQueue } from '../../informer/workqueue.js';
import type { ControllerContext, ControllerFactory } from '../controller.js';
import { endpointPorts, podAddress, podBelongsInSlices, podEndpoint, type AddressType } from './pod-endpoint.js';
import { canonical, groupKey, planSlices, type EndpointGroup, type SlicePlan } from './plan.js';
import { SliceTracker } from './tracker.js';

const PODS = { group: '', version: 'v1', resource: 'pods' };
const SERVICES = { group: '', version: 'v1', resource: 'services' };
const SLICES = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' };

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'endpointslice-controller.k8s.io';
const HEADLESS_LABEL = 'service.kubernetes.io/headless';
export const MAX_ENDPOINTS_PER_SLICE = 100;
/** Slices of this controller, filed under `namespace/service`. */
const SERVICE_INDEX = 'endpointslice-controller/service';
const STALE_RETRY_MS = 1000;

export const endpointSliceController: ControllerFactory = (ctx) => ({ name: 'endpointslice', run: (signal) => run(ctx, signal) });

interface Caches {
  services: Informer<Service>;
  pods: Informer<Pod>;
  slices: Informer<EndpointSlice>;
}

function managedServiceKey(slice: EndpointSlice): string | undefined {
  const labels = slice.metadata?.labels;
  const svc = labels?.[SERVICE_NAME_LABEL];
  if (!svc || labels?.[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE) return undefined;
  return `${slice.metadata?.namespace ?? ''}/${svc}`;
}

async function run(ctx: ControllerContext, signal: AbortSignal): Promise<void> {
  const caches: Caches = {
    services: ctx.informers.informerFor<Service>(SERVICES),
    pods: ctx.informers.informerFor<Pod>(PODS),
    slices: ctx.informers.informerFor<EndpointSlice>(SLICES, {
      indexers: { [SERVICE_INDEX]: (s) => { const k = managedServiceKey(s); return k ? [k] : []; } },
    }),
  };
  const tracker = new SliceTracker();
  const queue = new WorkQueue({ clock: ctx.clock });
  const enqueue = (svc: Service): void => queue.add(objectKey(svc));
  const enqueueForPod = (pod: Pod): void => {
    const ns = pod.metadata?.namespace ?? '';
    for (const svc of caches.services.cache.byIndex(NAMESPACE_INDEX, ns)) {
      if (hasSelector(svc) && labelSelectorFromSet(svc.spec.selector).matches(pod.metadata?.labels)) enqueue(svc);
    }
  };
  const enqueueForSlice = (slice: EndpointSlice): void => {
    const key = managedServiceKey(slice);
    if (key) queue.add(key);
  };
  caches.services.addEventHandler({ onAdd: enqueue, onUpdate: (_, s) => enqueue(s), onDelete: enqueue });
  caches.pods.addEventHandler({
    onAdd: enqueueForPod,
    onUpdate: (oldPod, newPod) => {
      if (oldPod.metadata?.resourceVersion === newPod.metadata?.resourceVersion) return;
      enqueueForPod(newPod);
      if (canonical(oldPod.metadata?.labels ?? {}) !== canonical(newPod.metadata?.labels ?? {})) enqueueForPod(oldPod);
    },
    onDelete: enqueueForPod,
  });
  caches.slices.addEventHandler({ onAdd: enqueueForSlice, onUpdate: (_, s) => enqueueForSlice(s), onDelete: enqueueForSlice });
  const synced = await Promise.all([caches.services.waitForSync(signal), caches.pods.waitForSync(signal), caches.slices.waitForSync(signal)]);
  if (!synced.every(Boolean)) return;
  await runWorkers(queue, (key) => reconcile(ctx, caches, tracker, key), { workers: ctx.options.workers, signal, log: ctx.log });
}

function hasSelector(svc: Service): svc is Service & { spec: { selector: Record<string, string> } } {
  return Object.keys(svc.spec?.selector ?? {}).length > 0;
}

function addressTypes(svc: Service): AddressType[] {
  const families = (svc.spec?.ipFamilies ?? []).filter((f): f is AddressType => f === 'IPv4' || f === 'IPv6');
  return families.length > 0 ? families : ['IPv4'];
}

function desiredGroups(service: Service, pods: readonly Pod[]): EndpointGroup[] {
  const groups = new Map<string, EndpointGroup>();
  for (const type of addressTypes(service)) {
    for (const pod of pods) {
      if (!podBelongsInSlices(pod)) continue;
      const address = podAddress(pod, type);
      if (!address) continue;
      const ports = endpointPorts(pod, service);
      const key = groupKey(type, ports);
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { addressType: type, ports, endpoints: [] }));
      group.endpoints.push(podEndpoint(pod, service, address));
    }
  }
  return [...groups.values()];
}

/** The service's labels (minus the ones this controller owns) plus its own. */
function sliceLabels(service: Service): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(service.metadata?.labels ?? {})) {
    if (k !== SERVICE_NAME_LABEL && k !== MANAGED_BY_LABEL && k !== HEADLESS_LABEL) labels[k] = v;
  }
  if (service.spec?.clusterIP === 'None') labels[HEADLESS_LABEL] = '';
  labels[SERVICE_NAME_LABEL] = service.metadata?.name ?? '';
  labels[MANAGED_BY_LABEL] = MANAGED_BY_VALUE;
  return labels;
}

async function reconcile(ctx: ControllerContext, caches: Caches, tracker: SliceTracker, key: string): Promise<ReconcileResult> {
  const { namespace = '' } = splitKey(key);
  const service = caches.services.cache.get(key);
  // Slices of a deleted service go with it through their owner reference (garbage collector).
  if (!service) {
    tracker.forget(key);
    return;
  }
  if (!hasSelector(service) || service.spec.type === 'ExternalName') return;
  const existing = caches.slices.cache.byIndex(SERVICE_INDEX, key);
  if (!tracker.caughtUp(key, existing)) return { requeueAfterMs: STALE_RETRY_MS };

  const selector = labelSelectorFromSet(service.spec.selector);
  const pods = caches.pods.cache.byIndex(NAMESPACE_INDEX, namespace).filter((p) => selector.matches(p.metadata?.labels));
  const groups = desiredGroups(service, pods);
  const plan = planSlices(groups, existing, { maxEndpointsPerSlice: MAX_ENDPOINTS_PER_SLICE, placeholderType: addressTypes(service)[0] ?? 'IPv4' });
  const labels = sliceLabels(service);
  const ownerReferences = [{ apiVersion: 'v1', kind: 'Service', name: service.metadata?.name ?? '', uid: service.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true }];
  const client = ctx.client.resource<EndpointSlice>(SLICES, namespace);

  try {
    for (const c of plan.create) {
      const created = await client.create({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { generateName: `${service.metadata?.name ?? ''}-`, namespace, labels, ownerReferences },
        addressType: c.addressType,
        endpoints: c.endpoints,
        ports: c.ports,
      });
      tracker.wrote(key, created);
    }
    const updates: SlicePlan['update'] = [
      ...plan.update,
      ...plan.keep.filter((s) => canonical(s.metadata?.labels ?? {}) !== canonical(labels)).map((slice) => ({ slice, endpoints: slice.endpoints ?? [] })),
    ];
    for (const u of updates) {
      const next = deepCopy(u.slice);
      next.metadata = { ...next.metadata, labels, ownerReferences: next.metadata?.ownerReferences?.length ? next.metadata.ownerReferences : ownerReferences };
      next.endpoints = u.endpoints;
      if (u.ports) next.ports = u.ports;
      tracker.wrote(key, await client.update(next));
    }
    for (const slice of plan.delete) {
      const name = slice.metadata?.name ?? '';
      try {
        await client.delete(name, { preconditions: { uid: slice.metadata?.uid } });
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
      }
      tracker.deleted(key, name);
    }
  } catch (err) {
    if (err instanceof ApiError && err.code === 409) return { requeueAfterMs: STALE_RETRY_MS };
    ctx.recorder.event(service, 'Warning', 'FailedToUpdateEndpointSlices', `Error updating Endpoint Slices for Service ${key}: ${err instanceof Error ? err.message : String(err)}`);
    throw err;
  }
  return undefined;
}
