// The HPA's target through its scale subresource (autoscaling/v1 Scale), for any kind that has
// one: built-in workloads from the resource table, anything else (custom resources, aggregated
// APIs) from discovery of its group/version — as Kubernetes' RESTMapper and scale client do.
import type { HorizontalPodAutoscaler } from 'kubernetes-types/autoscaling/v2.js';
import type { ApiClient, ResourceRef } from '../../client/client.js';
import { parseApiVersion } from '../../api/object.js';
import { findResourceByKind } from '../../api/resources.js';
import { apiErrorFromResponse } from '../../client/status.js';

/** autoscaling/v1 Scale, as on the wire. */
export interface Scale {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; uid?: string };
  spec?: { replicas?: number };
  status?: { replicas?: number; selector?: string };
}

export interface ScaleTarget {
  ref: ResourceRef;
  scale: Scale;
}

interface DiscoveryList {
  resources?: { name: string; kind: string; namespaced?: boolean }[];
}

async function resolve(client: ApiClient, apiVersion: string, kind: string, signal?: AbortSignal): Promise<ResourceRef> {
  const { group, version } = parseApiVersion(apiVersion);
  const builtin = findResourceByKind({ group, version, kind });
  if (builtin) return builtin;
  const path = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  const res = await client.transport.request({ method: 'GET', path, accept: 'application/json', signal });
  if (res.status >= 200 && res.status <= 299) {
    const list = JSON.parse(Buffer.from(res.body).toString('utf8')) as DiscoveryList;
    const found = list.resources?.find((r) => r.kind === kind && !r.name.includes('/'));
    if (found) return { group, version, plural: found.name, namespaced: found.namespaced ?? true };
  }
  throw new Error(`no matches for kind "${kind}" in group "${group}"`);
}

function scalePath(ref: ResourceRef, namespace: string, name: string): string {
  const base = ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`;
  return `${base}/namespaces/${encodeURIComponent(namespace)}/${ref.plural}/${encodeURIComponent(name)}/scale`;
}

/** Reads the target's Scale; rejects with Kubernetes' wording when the kind or object is unknown. */
export async function getScale(client: ApiClient, hpa: HorizontalPodAutoscaler, signal?: AbortSignal): Promise<ScaleTarget> {
  const target = hpa.spec?.scaleTargetRef;
  const namespace = hpa.metadata?.namespace ?? '';
  const ref = await resolve(client, target?.apiVersion ?? '', target?.kind ?? '', signal);
  const res = await client.transport.request({ method: 'GET', path: scalePath(ref, namespace, target?.name ?? ''), accept: 'application/json', signal });
  if (res.status < 200 || res.status > 299) throw apiErrorFromResponse(res.status, res.body);
  return { ref, scale: JSON.parse(Buffer.from(res.body).toString('utf8')) as Scale };
}

/** Writes spec.replicas through the scale subresource (a stale resourceVersion answers 409). */
export async function updateScale(client: ApiClient, target: ScaleTarget, namespace: string, replicas: number, signal?: AbortSignal): Promise<void> {
  const scale: Scale = { ...target.scale, spec: { ...target.scale.spec, replicas } };
  const path = scalePath(target.ref, namespace, target.scale.metadata?.name ?? '');
  const res = await client.transport.request({ method: 'PUT', path, body: Buffer.from(JSON.stringify(scale)), contentType: 'application/json', accept: 'application/json', signal });
  if (res.status < 200 || res.status > 299) throw apiErrorFromResponse(res.status, res.body);
}
