// Deleting everything in a namespace, resource by resource, as Kubernetes' namespaced
// resources deleter does: a deletecollection per resource (list and delete where that verb is
// missing), then a list to see what remains and which finalizers hold it. Pods go first, and
// nothing else is deleted while pods remain (Kubernetes 1.33's ordered namespace deletion), so
// workloads' volumes, secrets and service accounts outlive their pods. Custom resources of
// established CRDs are deleted with the built-in ones.
import type { CustomResourceDefinition } from 'kubernetes-types/apiextensions/v1.js';
import { customResourceInfo, isEstablished } from '../../api/custom/custom-resource.js';
import { ApiError } from '../../api/errors.js';
import { RESOURCES, type ResourceInfo } from '../../api/resources.js';
import type { ApiClient, ObjectLike } from '../../client/client.js';
import { apiErrorFromResponse } from '../../client/status.js';

export interface ContentReport {
  /** Remaining objects per resource, as "<plural>.<group>" (core: "pods."). */
  remaining: Map<string, number>;
  /** Remaining objects per finalizer they carry. */
  finalizers: Map<string, number>;
  /** Failures, one line per resource. */
  errors: string[];
  /** Seconds until pods still terminating should be gone (their grace periods); 0 if none. */
  estimateSeconds: number;
}

/** Every stored namespaced resource that can be listed and deleted; pods first. */
export function namespacedResources(): ResourceInfo[] {
  const all = RESOURCES.filter((r) => r.namespaced && !r.virtual && r.verbs.includes('list') && (r.verbs.includes('deletecollection') || r.verbs.includes('delete')));
  return [...all.filter(isPods), ...all.filter((r) => !isPods(r))];
}

const CRDS = { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions' };

/** The namespaced custom resources of established CRDs (asked of the API at each deletion). */
async function customResources(client: ApiClient): Promise<ResourceInfo[]> {
  const crds = (await client.resource<CustomResourceDefinition>(CRDS).list()).items;
  return crds.filter(isEstablished).map(customResourceInfo).filter((r): r is ResourceInfo => r !== undefined && r.namespaced);
}

function isPods(r: ResourceInfo): boolean {
  return r.group === '' && r.plural === 'pods';
}

export async function deleteAllContent(client: ApiClient, namespace: string): Promise<ContentReport> {
  const report: ContentReport = { remaining: new Map(), finalizers: new Map(), errors: [], estimateSeconds: 0 };
  for (const resource of [...namespacedResources(), ...(await customResources(client))]) {
    const label = `${resource.plural}.${resource.group}`;
    try {
      await deleteCollection(client, resource, namespace);
      const left = (await client.resource(resource, namespace).list()).items;
      if (left.length > 0) {
        report.remaining.set(label, left.length);
        for (const obj of left) countFinalizers(obj, report.finalizers);
        if (isPods(resource)) report.estimateSeconds = Math.max(report.estimateSeconds, ...left.map(graceLeft));
      }
    } catch (err) {
      // A custom resource whose definition went away meanwhile has nothing left to delete.
      if (resource.custom && err instanceof ApiError && err.code === 404) continue;
      report.errors.push(`${label}: ${err instanceof Error ? err.message : String(err)}`);
    }
    // Pods first: the rest waits until they are gone.
    if (isPods(resource) && (report.remaining.size > 0 || report.errors.length > 0)) break;
  }
  return report;
}

async function deleteCollection(client: ApiClient, resource: ResourceInfo, namespace: string): Promise<void> {
  const objects = client.resource(resource, namespace);
  if (!resource.verbs.includes('deletecollection')) {
    for (const obj of (await objects.list()).items) {
      try {
        await objects.delete(obj.metadata?.name ?? '', { propagationPolicy: 'Background' });
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
      }
    }
    return;
  }
  const body = Buffer.from(JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' }));
  const res = await client.transport.request({ method: 'DELETE', path: objects.collectionPath(), body, contentType: 'application/json' });
  if (res.status < 200 || res.status > 299) throw apiErrorFromResponse(res.status, res.body);
}

function countFinalizers(obj: ObjectLike, into: Map<string, number>): void {
  for (const f of obj.metadata?.finalizers ?? []) into.set(f, (into.get(f) ?? 0) + 1);
}

function graceLeft(pod: ObjectLike): number {
  return pod.metadata?.deletionGracePeriodSeconds ?? 0;
}
