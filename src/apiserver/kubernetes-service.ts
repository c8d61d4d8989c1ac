// The `kubernetes` Service in `default` and its Endpoints and EndpointSlice, as kube-apiserver's
// master endpoint reconciler keeps them: ClusterIP = the first address of the service range,
// port 443 ("https") → this server's port at its advertised address.
//
// Several API servers sharing a store each add themselves (a union, without leases): a server
// removes its own address when it closes, but one that dies without closing stays listed until
// an operator deletes the Endpoints object (it is then rebuilt from the live servers).
import { networkInterfaces } from 'node:os';
import type { EndpointAddress, EndpointPort, Endpoints, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import { findResource, type ResourceInfo } from '../api/resources.js';
import type { Registries } from './registry/registries.js';
import { systemWriteContext } from './registry/system-writes.js';

export const KUBERNETES_SERVICE = { namespace: 'default', name: 'kubernetes' } as const;

export interface KubernetesServiceOptions {
  registries: Registries;
  /** The Service's ClusterIP (first address of the service range). */
  clusterIp: string;
  /** Where this API server is reached. */
  address: string;
  port: number;
}

const ctx = () => systemWriteContext('kube-apiserver');

function resource(group: string, version: string, plural: string): ResourceInfo {
  const r = findResource(group, version, plural);
  if (!r) throw new Error(`resource ${plural}.${group || 'core'} is not served`);
  return r;
}

/** The first non-internal IPv4 address of this host, else `fallback`. */
export function defaultAdvertiseAddress(fallback: string): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return fallback;
}

const PORT_NAME = 'https';

/** Creates or corrects the Service, and adds this server to the Endpoints and EndpointSlice. */
export async function reconcileKubernetesService(o: KubernetesServiceOptions): Promise<void> {
  await reconcileService(o);
  await updateEndpoints(o, (addresses) => union(addresses, o.address));
}

/** Takes this server out of the Endpoints and EndpointSlice (on shutdown). */
export async function removeFromKubernetesEndpoints(o: KubernetesServiceOptions): Promise<void> {
  await updateEndpoints(o, (addresses) => addresses.filter((a) => a !== o.address));
}

async function reconcileService(o: KubernetesServiceOptions): Promise<void> {
  const reg = o.registries.for(resource('', 'v1', 'services'));
  const wantedPorts = [{ name: PORT_NAME, port: 443, protocol: 'TCP', targetPort: o.port }];
  const current = await getOrUndefined(() => reg.get(KUBERNETES_SERVICE.namespace, KUBERNETES_SERVICE.name));
  if (!current) {
    const svc: Service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: KUBERNETES_SERVICE.name, namespace: KUBERNETES_SERVICE.namespace, labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { type: 'ClusterIP', clusterIP: o.clusterIp, clusterIPs: [o.clusterIp], ports: wantedPorts, sessionAffinity: 'None' },
    };
    try {
      await reg.create(KUBERNETES_SERVICE.namespace, svc as KubeObject, ctx());
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
    }
    return;
  }
  const svc = current as Service;
  const ports = svc.spec?.ports ?? [];
  const same = ports.length === 1 && ports[0]?.name === PORT_NAME && ports[0].port === 443 && ports[0].targetPort === o.port && ports[0].protocol === 'TCP';
  if (same) return;
  await reg.mutate(KUBERNETES_SERVICE.namespace, KUBERNETES_SERVICE.name, ctx(), (obj) => {
    const s = obj as Service;
    s.spec = { ...s.spec, ports: wantedPorts };
    return obj;
  });
}

/** Rewrites both objects with `change(addresses)` when the result differs from what is stored. */
async function updateEndpoints(o: KubernetesServiceOptions, change: (addresses: string[]) => string[]): Promise<void> {
  const endpoints = o.registries.for(resource('', 'v1', 'endpoints'));
  const current = (await getOrUndefined(() => endpoints.get(KUBERNETES_SERVICE.namespace, KUBERNETES_SERVICE.name))) as Endpoints | undefined;
  const subset = current?.subsets?.[0];
  const portMatches = subset?.ports?.length === 1 && subset.ports[0]?.port === o.port && subset.ports[0].name === PORT_NAME;
  // Servers listen on one port; a different one means the set is stale, so it starts anew.
  const before = portMatches ? (subset?.addresses ?? []).map((a) => a.ip) : [];
  const addresses = change(before);
  const ports: EndpointPort[] = [{ name: PORT_NAME, port: o.port, protocol: 'TCP' }];
  const subsets = addresses.length > 0 ? [{ addresses: addresses.map((ip): EndpointAddress => ({ ip })), ports }] : [];
  const changed = !current || !portMatches || before.join(',') !== addresses.join(',') || (current.subsets?.length ?? 0) > 1;
  if (changed) {
    const body: Endpoints = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: KUBERNETES_SERVICE.name, namespace: KUBERNETES_SERVICE.namespace, labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
      subsets,
    };
    await upsert(endpoints, body as KubeObject, current ? current.metadata?.resourceVersion : undefined);
  }
  const slices = o.registries.for(resource('discovery.k8s.io', 'v1', 'endpointslices'));
  const slice = (await getOrUndefined(() => slices.get(KUBERNETES_SERVICE.namespace, KUBERNETES_SERVICE.name))) as EndpointSlice | undefined;
  const sliceAddresses = (slice?.endpoints ?? []).flatMap((e) => e.addresses);
  const slicePortOk = slice?.ports?.length === 1 && slice.ports[0]?.port === o.port;
  if (slice && slicePortOk && sliceAddresses.join(',') === addresses.join(',')) return;
  const body: EndpointSlice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: KUBERNETES_SERVICE.name, namespace: KUBERNETES_SERVICE.namespace, labels: { 'kubernetes.io/service-name': KUBERNETES_SERVICE.name } },
    addressType: 'IPv4',
    endpoints: addresses.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    ports: [{ name: PORT_NAME, port: o.port, protocol: 'TCP' }],
  };
  await upsert(slices, body as unknown as KubeObject, slice?.metadata?.resourceVersion);
}

type Reg = ReturnType<Registries['for']>;

/** Creates, or replaces at `resourceVersion` (a conflict surfaces to the caller, who retries later). */
async function upsert(reg: Reg, body: KubeObject, resourceVersion: string | undefined): Promise<void> {
  const name = KUBERNETES_SERVICE.name;
  if (resourceVersion === undefined) {
    await reg.create(KUBERNETES_SERVICE.namespace, body, ctx());
    return;
  }
  body.metadata = { ...body.metadata, resourceVersion };
  await reg.update(KUBERNETES_SERVICE.namespace, name, body, ctx());
}

async function getOrUndefined(get: () => Promise<{ obj: KubeObject }>): Promise<KubeObject | undefined> {
  try {
    return (await get()).obj;
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return undefined;
    throw err;
  }
}

function union(addresses: string[], address: string): string[] {
  return addresses.includes(address) ? addresses : [...addresses, address].sort();
}
