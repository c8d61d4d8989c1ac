// The few per-kind lifecycle rules the generic registry needs beyond defaults and validation
// (which live in src/api/strategy.ts): what a create resets, which kinds track generation,
// how pods and namespaces delete gracefully, and which kinds a DELETE answers with the object.
import type { KubeObject } from '../../api/object.js';
import { isPlainObject } from '../../api/object.js';
import type { ResourceInfo } from '../../api/resources.js';
import { prepareForCreate as prepareKindForCreate } from '../../api/strategy.js';
import { defaultCustomResource } from '../../api/custom/custom-resource.js';
import { meta, objectField } from './meta.js';
import { prepareServiceUpdate } from './ipallocator/service-update.js';

export function isPod(r: ResourceInfo): boolean {
  return r.group === '' && r.plural === 'pods';
}

export function isNamespace(r: ResourceInfo): boolean {
  return r.group === '' && r.plural === 'namespaces';
}

export function hasStatusSubresource(r: ResourceInfo): boolean {
  return r.subresources.some((s) => s.name === 'status');
}

const NO_GENERATION = new Set(['Service', 'Namespace', 'Node', 'PersistentVolume', 'PersistentVolumeClaim', 'ServiceAccount']);

/**
 * Kinds whose metadata.generation counts spec changes (what `rollout status` relies on).
 * Custom resources always have one, as Kubernetes' custom resource strategy sets it.
 */
export function tracksGeneration(r: ResourceInfo, obj: KubeObject): boolean {
  if (r.custom) return true;
  return obj['spec'] !== undefined && !(r.group === '' && NO_GENERATION.has(r.kind));
}

const RETURNS_DELETED = new Set(['pods', 'services', 'serviceaccounts', 'namespaces', 'storageclasses', 'customresourcedefinitions']);

/** DELETE answers with the deleted object for these (ReturnDeletedObject), a Status otherwise. */
export function returnsDeletedObject(r: ResourceInfo): boolean {
  return RETURNS_DELETED.has(r.plural);
}

/** Status and other server-owned fields a create resets, as the Kubernetes strategies do. */
export function prepareForCreate(r: ResourceInfo, obj: KubeObject): void {
  // The kind's own create-time fields first (a Job's generated selector and labels, …).
  prepareKindForCreate(r, obj);
  if (isNamespace(r)) {
    const spec = objectField(obj, 'spec') ?? {};
    if (!Array.isArray(spec['finalizers'])) spec['finalizers'] = ['kubernetes'];
    obj['spec'] = spec;
    obj['status'] = { phase: 'Active' };
    return;
  }
  if (isPod(r)) {
    obj['status'] = { phase: 'Pending', qosClass: podQosClass(obj) };
    return;
  }
  // Nodes register with their status; everything else with a status subresource starts empty.
  if (hasStatusSubresource(r) && !(r.group === '' && r.plural === 'nodes')) delete obj['status'];
}

export function isService(r: ResourceInfo): boolean {
  return r.group === '' && r.plural === 'services';
}

export function isDeployment(r: ResourceInfo): boolean {
  return r.group === 'apps' && r.plural === 'deployments';
}

const DEPLOYMENT_STATUS_METADATA = ['annotations', 'finalizers', 'ownerReferences'] as const;
const POD_STATUS_METADATA = ['labels', 'annotations', 'finalizers'] as const;
const ALL_WRITABLE_METADATA = ['labels', 'annotations', 'finalizers', 'ownerReferences'] as const;
/** Kinds whose status strategy resets only the spec (the conformance tests patch annotations through their status). */
const SPEC_ONLY_STATUS_RESET = new Set([
  '/services',
  'networking.k8s.io/ingresses',
  'certificates.k8s.io/certificatesigningrequests',
  'batch/jobs',
  'batch/cronjobs',
]);

/**
 * The metadata a write through the status subresource takes from the client; the rest stays as
 * stored. Most kinds keep all of it (Kubernetes' ResetObjectMetaForStatus). A Deployment's status
 * strategy resets only its spec and labels: the deployment controller writes the revision
 * annotation together with the status, in one write. A Pod's resets its spec, deletion time and
 * owner references only (older kubelets garbled those). Jobs', CronJobs', Services', Ingresses'
 * and CertificateSigningRequests' reset only their spec (their conformance tests patch
 * annotations through the status).
 */
export function statusWritableMetadata(r: ResourceInfo): readonly string[] {
  if (SPEC_ONLY_STATUS_RESET.has(`${r.group}/${r.plural}`)) return ALL_WRITABLE_METADATA;
  return isDeployment(r) ? DEPLOYMENT_STATUS_METADATA : isPod(r) ? POD_STATUS_METADATA : [];
}

/**
 * Whether an update of the main resource counts as a new generation beyond a spec change: a
 * Deployment's annotations do (they are copied to its ReplicaSets), as in Kubernetes.
 */
export function annotationsCountInGeneration(r: ResourceInfo): boolean {
  return isDeployment(r);
}

/** Update-only rules of a kind, applied to the main resource before defaults and validation. */
export function prepareForUpdate(r: ResourceInfo, old: KubeObject, next: KubeObject): void {
  // Kubernetes prunes and defaults a custom resource as it decodes it: before the update
  // compares it with the stored one (a pruned or defaulted field is no change of generation).
  if (r.custom) defaultCustomResource(r, next);
  // Allocated values a client left out are kept; type-specific ones go with a type change.
  if (isService(r)) prepareServiceUpdate(old, next);
}

/**
 * The grace period a DELETE gets: pods bound to a node terminate gracefully (the kubelet
 * finishes the deletion), everything else goes at once.
 */
export function deletionGracePeriod(r: ResourceInfo, obj: KubeObject, requested: number | undefined): number {
  if (!isPod(r)) return 0;
  const spec = objectField(obj, 'spec') ?? {};
  const status = objectField(obj, 'status') ?? {};
  if (typeof spec['nodeName'] !== 'string' || spec['nodeName'] === '') return 0;
  if (status['phase'] === 'Succeeded' || status['phase'] === 'Failed') return 0;
  if (requested !== undefined) return Math.max(0, requested);
  const fromSpec = spec['terminationGracePeriodSeconds'];
  return typeof fromSpec === 'number' && fromSpec >= 0 ? fromSpec : 30;
}

function podQosClass(pod: KubeObject): string {
  const spec = objectField(pod, 'spec') ?? {};
  const containers = [...asArray(spec['containers']), ...asArray(spec['initContainers'])];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const res = isPlainObject(c) && isPlainObject(c['resources']) ? c['resources'] : {};
    const req = isPlainObject(res['requests']) ? res['requests'] : {};
    const lim = isPlainObject(res['limits']) ? res['limits'] : {};
    if (Object.keys(req).length > 0 || Object.keys(lim).length > 0) any = true;
    for (const name of ['cpu', 'memory']) {
      const l = lim[name];
      const q = req[name] ?? l;
      if (l === undefined || String(q) !== String(l)) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** True while the namespace is being deleted (new content is refused). */
export function namespaceTerminating(ns: KubeObject): boolean {
  const status = objectField(ns, 'status');
  return meta(ns).deletionTimestamp !== undefined || status?.['phase'] === 'Terminating';
}
