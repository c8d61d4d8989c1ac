// The metrics server against a real API server: summaries come through the node proxy from a
// kubelet double answering a canned summary, objects and their labels from the API, and the
// caller's access from a SubjectAccessReview.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestServer, ADMIN_TOKEN, type TestServer } from '../apiserver/testing.js';
import { createClient, type ApiClient } from '../client/client.js';
import { HttpTransport } from '../client/http.js';
import type { Summary } from '../kubelet/stats/summary-types.js';
import { subjectAccessReviewAuthorizer } from './authz.js';
import { ensureMetricsReaderRole } from './rbac.js';
import type { RunningMetricsServer } from './server.js';
import { apiObjectSource, apiSummarySource } from './sources.js';
import { get, makePki, startTestMetricsServer } from './testing.js';

const pki = makePki();
let s: TestServer;
let kubelet: Server;
let client: ApiClient;
let ms: RunningMetricsServer;
const asked: string[] = [];
let second = 0;

function cannedSummary(): Summary {
  const time = new Date(Date.parse('2026-01-01T00:00:00Z') + second * 1000).toISOString().replace('.000Z', 'Z');
  const cpu = { time, usageCoreNanoSeconds: second * 250_000_000 };
  const memory = { time, workingSetBytes: 3 * 1024 * 1024 };
  return {
    node: { nodeName: 'n1', startTime: '2025-12-31T00:00:00Z', cpu: { time, usageCoreNanoSeconds: second * 2e9 }, memory: { time, workingSetBytes: 1024 ** 3 } },
    pods: [{ podRef: { namespace: 'default', name: 'busy', uid: 'u' }, startTime: '2025-12-31T23:00:00Z', containers: [{ name: 'spin', startTime: '2025-12-31T23:00:00Z', cpu, memory }] }],
  };
}

before(async () => {
  kubelet = createServer((req, res) => {
    asked.push(req.url ?? '');
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(cannedSummary()));
  });
  await new Promise<void>((r) => kubelet.listen(0, '127.0.0.1', () => r()));
  s = await startTestServer({ kubelet: { scheme: 'http' } });
  const node = await s.req('POST', '/api/v1/nodes', {
    body: {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n1', labels: { role: 'worker' } },
      status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: (kubelet.address() as AddressInfo).port } } },
    },
  });
  assert.equal(node.status, 201, node.text);
  const pod = await s.req('POST', '/api/v1/namespaces/default/pods', {
    body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'busy', labels: { app: 'busy' } }, spec: { nodeName: 'n1', containers: [{ name: 'spin', image: 'busybox' }] } },
  });
  assert.equal(pod.status, 201, pod.text);
  client = createClient(new HttpTransport({ server: s.url, token: ADMIN_TOKEN }));
  ms = await startTestMetricsServer(pki, { summaries: apiSummarySource(client), objects: apiObjectSource(client), authorize: subjectAccessReviewAuthorizer(client) });
});

after(async () => {
  await ms.stop();
  client.close();
  await s.close();
  await new Promise<void>((r) => kubelet.close(() => r()));
});

test('summaries are scraped through the node proxy; usage is the rate between two scrapes', async () => {
  second = 0;
  await ms.scrapeNow();
  second = 20;
  await ms.scrapeNow();
  assert.deepEqual([...new Set(asked)], ['/stats/summary?only_cpu_and_memory=true']);
  const node = await get(ms.port, pki, '/apis/metrics.k8s.io/v1beta1/nodes/n1', { headers: { 'X-Remote-User': 'admin', 'X-Remote-Group': 'system:masters' } });
  assert.equal(node.status, 200, node.text);
  assert.deepEqual(node.body['usage'], { cpu: '2', memory: '1Gi' });
  assert.deepEqual((node.body['metadata'] as { labels?: unknown }).labels, { role: 'worker' });
  const pods = await get(ms.port, pki, '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dbusy', { headers: { 'X-Remote-User': 'admin', 'X-Remote-Group': 'system:masters' } });
  assert.equal(pods.status, 200, pods.text);
  assert.deepEqual(pods.body.items?.map((p) => [p['window'], p['containers']]), [['20s', [{ name: 'spin', usage: { cpu: '250m', memory: '3Mi' } }]]]);
  const bad = await get(ms.port, pki, '/apis/metrics.k8s.io/v1beta1/pods?labelSelector=a%20in', { headers: { 'X-Remote-User': 'admin', 'X-Remote-Group': 'system:masters' } });
  assert.equal(bad.status, 400, 'the API rejects a bad selector and the answer is passed on');
});

test('access is decided by the API server (SubjectAccessReview for the proxied user)', async () => {
  const r = await get(ms.port, pki, '/apis/metrics.k8s.io/v1beta1/nodes', { headers: { 'X-Remote-User': 'nobody', 'X-Remote-Group': 'system:authenticated' } });
  assert.equal(r.status, 403, r.text);
  assert.match(String(r.body['message']), /^nodes\.metrics\.k8s\.io is forbidden: User "nobody" cannot list resource "nodes" in API group "metrics\.k8s\.io" at the cluster scope/);
});

test('the metrics reader ClusterRole lets viewers read metrics', async () => {
  await ensureMetricsReaderRole(client);
  await ensureMetricsReaderRole(client);
  const binding = await s.req('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'carol-metrics' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:aggregated-metrics-reader' }, subjects: [{ kind: 'User', name: 'carol', apiGroup: 'rbac.authorization.k8s.io' }] },
  });
  assert.equal(binding.status, 201, binding.text);
  const r = await get(ms.port, pki, '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/busy', { headers: { 'X-Remote-User': 'carol', 'X-Remote-Group': 'system:authenticated' } });
  assert.equal(r.status, 200, r.text);
});
