// The `kube-dns` Service in kube-system, as clusters expose their DNS: a fixed ClusterIP (the
// tenth address of the service range, as k3s uses 10.43.0.10) that pods' resolv.conf names,
// with Endpoints and an EndpointSlice pointing at the DNS server k8ts runs on the node (it is
// not a pod, so the Service has no selector and the endpoints are kept here).
import type { Endpoints, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { ApiError } from '../api/errors.js';
import { findResource, type ResourceInfo } from '../api/resources.js';
import type { ApiClient } from '../client/client.js';

const NAMESPACE = 'kube-system';
const NAME = 'kube-dns';
const LABELS = { 'k8s-app': 'kube-dns', 'kubernetes.io/name': 'CoreDNS', 'kubernetes.io/cluster-service': 'true' };

function resource(group: string, version: string, plural: string): ResourceInfo {
  const r = findResource(group, version, plural);
  if (!r) throw new Error(`${plural} are not served`);
  return r;
}

/** The tenth address of the service CIDR, e.g. 10.43.0.10 for 10.43.0.0/16. */
export function kubeDnsClusterIp(serviceCidr: string): string {
  const [base = '', bits = '32'] = serviceCidr.split('/');
  const parts = base.split('.').map(Number);
  const n = (((parts[0] ?? 0) << 24) | ((parts[1] ?? 0) << 16) | ((parts[2] ?? 0) << 8) | (parts[3] ?? 0)) >>> 0;
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  const ip = ((n & mask) + 10) >>> 0;
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.');
}

async function upsert<T extends { metadata?: { name?: string; resourceVersion?: string } }>(
  client: ApiClient,
  r: ResourceInfo,
  desired: T,
  sameAs: (current: T) => boolean,
): Promise<void> {
  const rc = client.resource<T & { [k: string]: unknown }>(r, NAMESPACE);
  try {
    const current = await rc.get(NAME);
    if (sameAs(current)) return;
    await rc.update({ ...desired, metadata: { ...desired.metadata, resourceVersion: current.metadata?.resourceVersion } });
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) {
      await rc.create(desired);
      return;
    }
    throw err;
  }
}

/** Creates or corrects the kube-dns Service and its endpoints (`address:port`, UDP and TCP). */
export async function ensureKubeDnsService(client: ApiClient, o: { clusterIp: string; address: string; port: number }): Promise<void> {
  const service: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: NAME, namespace: NAMESPACE, labels: LABELS },
    spec: {
      clusterIP: o.clusterIp,
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: o.port },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: o.port },
      ],
    },
  };
  await upsert(client, resource('', 'v1', 'services'), service, (cur) => cur.spec?.clusterIP === o.clusterIp && JSON.stringify(cur.spec?.ports?.map((p) => p.targetPort)) === JSON.stringify([o.port, o.port]));

  const ports = [
    { name: 'dns', port: o.port, protocol: 'UDP' },
    { name: 'dns-tcp', port: o.port, protocol: 'TCP' },
  ];
  const endpoints: Endpoints = {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: NAME, namespace: NAMESPACE, labels: LABELS },
    subsets: [{ addresses: [{ ip: o.address }], ports }],
  };
  const sameEndpoints = (cur: Endpoints): boolean => JSON.stringify(cur.subsets) === JSON.stringify(endpoints.subsets);
  await upsert(client, resource('', 'v1', 'endpoints'), endpoints, sameEndpoints);

  const slice: EndpointSlice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: NAME, namespace: NAMESPACE, labels: { ...LABELS, 'kubernetes.io/service-name': NAME, 'endpointslice.kubernetes.io/managed-by': 'k8ts' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [o.address], conditions: { ready: true, serving: true, terminating: false } }],
    ports,
  };
  await upsert(client, resource('discovery.k8s.io', 'v1', 'endpointslices'), slice, (cur) => JSON.stringify([cur.endpoints, cur.ports]) === JSON.stringify([slice.endpoints, slice.ports]));
}
