// Registering the bundled metrics-server with the API server's aggregator, as its install
// manifest does: Service kube-system/metrics-server (port 443, named https) with Endpoints at
// the address and port it listens on (no pod backs it: it runs in the k8ts process), and the
// APIService v1beta1.metrics.k8s.io naming that Service, its serving CA as caBundle. Existing
// objects are brought to this state (a restart may listen on another port).
import { ApiError } from '../api/errors.js';
import type { ApiClient, ObjectLike, ResourceTarget } from '../client/client.js';

export const METRICS_NAMESPACE = 'kube-system';
export const METRICS_SERVICE = 'metrics-server';
export const METRICS_APISERVICE = 'v1beta1.metrics.k8s.io';

export interface MetricsServerEndpoint {
  address: string;
  port: number;
  /** PEM of the CA that signed the serving certificate. */
  caBundle: string;
}

const SERVICES: ResourceTarget = { group: '', version: 'v1', resource: 'services' };
const ENDPOINTS: ResourceTarget = { group: '', version: 'v1', resource: 'endpoints' };
const APISERVICES: ResourceTarget = { group: 'apiregistration.k8s.io', version: 'v1', resource: 'apiservices' };
const LABELS = { 'k8s-app': 'metrics-server' };

/** Creates `desired`, or replaces the spec-like fields of the existing object with its. */
async function apply(client: ApiClient, target: ResourceTarget, namespace: string | undefined, desired: ObjectLike, fields: readonly string[]): Promise<void> {
  const objects = client.resource<ObjectLike>(target, namespace);
  const name = desired.metadata?.name ?? '';
  try {
    await objects.create(desired);
    return;
  } catch (err) {
    if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
  }
  const current = (await objects.get(name)) as ObjectLike & Record<string, unknown>;
  const next: Record<string, unknown> = { ...current, metadata: { ...current.metadata, labels: { ...current.metadata?.labels, ...desired.metadata?.labels } } };
  for (const f of fields) next[f] = (desired as Record<string, unknown>)[f];
  await objects.update(next as ObjectLike);
}

export async function registerMetricsApi(client: ApiClient, endpoint: MetricsServerEndpoint): Promise<void> {
  const metadata = { name: METRICS_SERVICE, namespace: METRICS_NAMESPACE, labels: LABELS };
  const service = { apiVersion: 'v1', kind: 'Service', metadata, spec: { ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: endpoint.port }] } };
  try {
    await client.resource<ObjectLike>(SERVICES, METRICS_NAMESPACE).create(service);
  } catch (err) {
    // An existing Service keeps its cluster IP; only its target port follows the listener.
    if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
    await client.resource<ObjectLike>(SERVICES, METRICS_NAMESPACE).patch(METRICS_SERVICE, 'merge', { spec: { ports: service.spec.ports } });
  }
  const endpoints = {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata,
    subsets: [{ addresses: [{ ip: endpoint.address }], ports: [{ name: 'https', port: endpoint.port, protocol: 'TCP' }] }],
  };
  await apply(client, ENDPOINTS, METRICS_NAMESPACE, endpoints, ['subsets']);
  const apiService = {
    apiVersion: 'apiregistration.k8s.io/v1',
    kind: 'APIService',
    metadata: { name: METRICS_APISERVICE, labels: LABELS },
    spec: {
      group: 'metrics.k8s.io',
      version: 'v1beta1',
      service: { namespace: METRICS_NAMESPACE, name: METRICS_SERVICE, port: 443 },
      caBundle: Buffer.from(endpoint.caBundle).toString('base64'),
      groupPriorityMinimum: 100,
      versionPriority: 100,
    },
  };
  await apply(client, APISERVICES, undefined, apiService, ['spec']);
}
