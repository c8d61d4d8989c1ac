// Where an APIService's requests go: one ready endpoint of its Service, and how to talk TLS to
// it. As Kubernetes' ResolveEndpoint (the aggregator with --enable-aggregator-routing): the
// Service port numbered `spec.service.port`, then, in the Service's Endpoints, a random address
// of a subset that has an endpoint port of that port's name; with no Endpoints object, the ready
// endpoints of the Service's EndpointSlices (label kubernetes.io/service-name). An ExternalName
// Service goes to its external name. Deviation: Kubernetes by default dials the Service's cluster IP (kube-proxy
// balances); k8ts dials an endpoint, since the API server's host need not run a proxy.
import { isPlainObject, type KubeObject } from '../../api/object.js';
import { findResource, storageKey, type ResourceInfo } from '../../api/resources.js';
import type { ServiceReference } from '../../api/apiregistration.js';
import type { Registries } from '../registry/registries.js';

type Plain = Record<string, unknown>;

/** Why no endpoint could be chosen, with the Available condition's reason and message. */
export type Resolution =
  | { ok: true; host: string; port: number }
  | { ok: false; reason: 'ServiceNotFound' | 'ServicePortError' | 'EndpointsNotFound' | 'MissingEndpoints'; message: string };

export const SERVICES = mustFind('', 'services');
export const ENDPOINTS = mustFind('', 'endpoints');
export const ENDPOINT_SLICES = mustFind('discovery.k8s.io', 'endpointslices');

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

function mustFind(group: string, plural: string): ResourceInfo {
  const r = findResource(group, 'v1', plural);
  if (!r) throw new Error(`${plural} missing from the resource table`);
  return r;
}

function list(v: unknown): Plain[] {
  return Array.isArray(v) ? v.filter(isPlainObject) : [];
}

/** Reads Services and Endpoints from the watch caches (started by the aggregator). */
function current(registries: Registries, r: ResourceInfo, ns: string, name: string): KubeObject | undefined {
  return registries.cache(r).current(storageKey(r, ns, name))?.obj;
}

export function resolveBackend(registries: Registries, ref: ServiceReference): Resolution {
  const ns = ref.namespace ?? '';
  const name = ref.name ?? '';
  const port = ref.port ?? 443;
  const service = current(registries, SERVICES, ns, name);
  if (!service) return { ok: false, reason: 'ServiceNotFound', message: `service/${name} in "${ns}" is not present` };
  const spec = isPlainObject(service['spec']) ? service['spec'] : {};
  if (spec['type'] === 'ExternalName' && typeof spec['externalName'] === 'string') return { ok: true, host: spec['externalName'], port };
  const svcPort = list(spec['ports']).find((p) => p['port'] === port);
  if (!svcPort) return { ok: false, reason: 'ServicePortError', message: `service/${name} in "${ns}" is not listening on port ${port}` };
  const portName = typeof svcPort['name'] === 'string' ? svcPort['name'] : '';
  const endpoints = current(registries, ENDPOINTS, ns, name);
  const slices = endpoints ? [] : serviceSlices(registries, ns, name);
  if (!endpoints && slices.length === 0) return { ok: false, reason: 'EndpointsNotFound', message: `cannot find endpoints for service/${name} in "${ns}"` };
  const candidates = endpoints ? endpointsAddresses(endpoints, portName) : slicesAddresses(slices, portName);
  const chosen = candidates[Math.floor(Math.random() * candidates.length)];
  if (!chosen) {
    return { ok: false, reason: 'MissingEndpoints', message: `endpoints for service/${name} in "${ns}" have no addresses with port name "${portName}"` };
  }
  return { ok: true, ...chosen };
}

const portNamed = (ports: unknown, portName: string): number | undefined => {
  const p = list(ports).find((x) => (typeof x['name'] === 'string' ? x['name'] : '') === portName);
  return typeof p?.['port'] === 'number' ? p['port'] : undefined;
};

function endpointsAddresses(endpoints: KubeObject, portName: string): { host: string; port: number }[] {
  const out: { host: string; port: number }[] = [];
  for (const subset of list(endpoints['subsets'])) {
    const port = portNamed(subset['ports'], portName);
    if (port === undefined) continue;
    for (const a of list(subset['addresses'])) if (typeof a['ip'] === 'string') out.push({ host: a['ip'], port });
  }
  return out;
}

function serviceSlices(registries: Registries, ns: string, name: string): KubeObject[] {
  return registries
    .cache(ENDPOINT_SLICES)
    .snapshot()
    .filter((c) => c.namespace === ns && c.labels[SERVICE_NAME_LABEL] === name)
    .map((c) => c.obj);
}

/** Addresses of ready endpoints (a missing `ready` counts as ready, as EndpointSlice consumers read it). */
function slicesAddresses(slices: readonly KubeObject[], portName: string): { host: string; port: number }[] {
  const out: { host: string; port: number }[] = [];
  for (const slice of slices) {
    const port = portNamed(slice['ports'], portName);
    if (port === undefined) continue;
    for (const e of list(slice['endpoints'])) {
      const conditions = isPlainObject(e['conditions']) ? e['conditions'] : {};
      if (conditions['ready'] === false) continue;
      for (const address of Array.isArray(e['addresses']) ? e['addresses'] : []) if (typeof address === 'string') out.push({ host: address, port });
    }
  }
  return out;
}

/** The client certificate this API server presents to extension API servers (--proxy-client-cert-file). */
export interface ProxyClientCert {
  cert: string;
  key: string;
}

export interface BackendTls {
  /** undefined: the system's roots (no caBundle given). */
  ca: string | undefined;
  rejectUnauthorized: boolean;
  servername: string;
  cert: string | undefined;
  key: string | undefined;
}

/**
 * TLS to the backend as Kubernetes sets it up: the serving certificate is verified against
 * `caBundle` for the name `<service>.<namespace>.svc`, unless insecureSkipTLSVerify; the
 * front-proxy client certificate is presented.
 */
export function backendTls(spec: { service?: ServiceReference | null; caBundle?: string; insecureSkipTLSVerify?: boolean }, client: ProxyClientCert | undefined): BackendTls {
  const ref = spec.service ?? {};
  return {
    ca: spec.caBundle ? Buffer.from(spec.caBundle, 'base64').toString('utf8') : undefined,
    rejectUnauthorized: spec.insecureSkipTLSVerify !== true,
    servername: `${ref.name ?? ''}.${ref.namespace ?? ''}.svc`,
    cert: client?.cert,
    key: client?.key,
  };
}
