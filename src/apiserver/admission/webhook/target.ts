// Where a webhook's clientConfig points: its URL, or its Service resolved to one ready
// endpoint (Endpoints, else EndpointSlices), reached by IP with TLS verified against the
// caBundle for the name `<service>.<namespace>.svc`. Kubernetes resolves through the same
// endpoints when the API server routes to endpoints (`--enable-aggregator-routing`); by
// default it dials the Service's cluster IP, which needs a proxy on the API server's host.
import type { WebhookClientConfig } from 'kubernetes-types/admissionregistration/v1.js';
import type { EndpointPort, EndpointSubset, Endpoints, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { ApiError } from '../../../api/errors.js';
import type { KubeObject } from '../../../api/object.js';
import { findResource } from '../../../api/resources.js';
import type { Registries } from '../../registry/registries.js';
import type { PostTarget } from './post.js';

/** A target that could not be resolved: the reason is worded as the Go client's dial error. */
export class TargetError extends Error {}

async function read(registries: Registries, plural: string, group: string, version: string, ns: string, name: string): Promise<KubeObject | undefined> {
  const r = findResource(group, version, plural);
  if (!r) return undefined;
  try {
    return (await registries.for(r).get(ns, name)).obj;
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return undefined;
    throw err;
  }
}

function pick<T>(items: readonly T[]): T | undefined {
  return items[Math.floor(Math.random() * items.length)];
}

function fromSubsets(subsets: readonly EndpointSubset[], portName: string): { host: string; port: number } | undefined {
  const choices: { host: string; port: number }[] = [];
  for (const s of subsets) {
    const port = (s.ports ?? []).find((p: EndpointPort) => (p.name ?? '') === portName);
    if (!port) continue;
    for (const a of s.addresses ?? []) choices.push({ host: a.ip, port: port.port });
  }
  return pick(choices);
}

async function fromSlices(registries: Registries, ns: string, service: string, portName: string): Promise<{ host: string; port: number } | undefined> {
  const r = findResource('discovery.k8s.io', 'v1', 'endpointslices');
  if (!r) return undefined;
  const page = await registries.for(r).list(ns, { resourceVersion: '' });
  const choices: { host: string; port: number }[] = [];
  for (const item of page.items) {
    const slice = item.obj as unknown as EndpointSlice;
    if (slice.metadata?.labels?.['kubernetes.io/service-name'] !== service) continue;
    const port = (slice.ports ?? []).find((p) => (p.name ?? '') === portName);
    if (port?.port === undefined) continue;
    for (const e of slice.endpoints) {
      if (e.conditions?.ready === false) continue;
      for (const ip of e.addresses) choices.push({ host: ip, port: port.port });
    }
  }
  return pick(choices);
}

/** The POST target of a webhook call; `timeoutSeconds` goes into the URL as Kubernetes adds it. */
export async function resolveTarget(registries: Registries, config: WebhookClientConfig, timeoutSeconds: number): Promise<PostTarget> {
  const ca = config.caBundle ? Buffer.from(config.caBundle, 'base64').toString('utf8') : undefined;
  const timeout = `timeout=${timeoutSeconds}s`;
  if (config.url !== undefined) {
    const url = new URL(config.url);
    url.search = url.search ? `${url.search}&${timeout}` : `?${timeout}`;
    return { url, ...(ca ? { ca } : {}) };
  }
  const ref = config.service;
  if (!ref) throw new TargetError('neither service nor URL set');
  const port = ref.port ?? 443;
  const serverName = `${ref.name}.${ref.namespace}.svc`;
  const path = ref.path ?? '';
  const shown = `https://${serverName}:${port}${path.startsWith('/') || path === '' ? path : `/${path}`}?${timeout}`;
  const url = new URL(shown);
  const base: PostTarget = { url, shown, serverName, ...(ca ? { ca } : {}) };
  const svc = (await read(registries, 'services', '', 'v1', ref.namespace, ref.name)) as Service | undefined;
  if (!svc) throw new TargetError(`Post ${JSON.stringify(shown)}: service "${ref.name}" not found`);
  if (svc.spec?.type === 'ExternalName' && svc.spec.externalName) {
    return { ...base, connect: { host: svc.spec.externalName, port } };
  }
  const svcPort = (svc.spec?.ports ?? []).find((p) => p.port === port);
  if (!svcPort) throw new TargetError(`Post ${JSON.stringify(shown)}: no service port ${port} found for service "${ref.name}"`);
  const portName = svcPort.name ?? '';
  const endpoints = (await read(registries, 'endpoints', '', 'v1', ref.namespace, ref.name)) as Endpoints | undefined;
  const chosen = fromSubsets(endpoints?.subsets ?? [], portName) ?? (await fromSlices(registries, ref.namespace, ref.name, portName));
  if (!chosen) throw new TargetError(`Post ${JSON.stringify(shown)}: no endpoints available for service "${ref.name}"`);
  return { ...base, connect: chosen };
}
