import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../api/errors.js';
import type { Summary } from '../kubelet/stats/summary-types.js';
import type { MetricsAuthorizer } from './authz.js';
import type { RunningMetricsServer } from './server.js';
import type { ObjectRef, ObjectSource, Selectors, SummarySource } from './sources.js';
import { clientCert, get, makeCa, makePki, startTestMetricsServer, type Pki } from './testing.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (s: number): string => new Date(T0 + s * 1000).toISOString().replace('.000Z', 'Z');

/** Node n1 runs pods default/web (containers app, sidecar) and kube-system/dns; n2 runs nothing. */
function summary(node: string, s: number, cpu: number): Summary {
  const c = (name: string, share: number) => ({
    name,
    startTime: iso(-3600),
    cpu: { time: iso(s), usageCoreNanoSeconds: cpu * share },
    memory: { time: iso(s), workingSetBytes: 1024 * 1024 * share },
  });
  return {
    node: { nodeName: node, startTime: iso(-86400), cpu: { time: iso(s), usageCoreNanoSeconds: cpu * 10 }, memory: { time: iso(s), workingSetBytes: 512 * 1024 * 1024 } },
    pods:
      node === 'n1'
        ? [
            { podRef: { namespace: 'default', name: 'web', uid: 'u1' }, startTime: iso(-3600), containers: [c('app', 2), c('sidecar', 1)] },
            { podRef: { namespace: 'kube-system', name: 'dns', uid: 'u2' }, startTime: iso(-3600), containers: [c('coredns', 1)] },
            // No working set: left out, as metrics-server leaves out what it cannot decode.
            { podRef: { namespace: 'default', name: 'broken', uid: 'u3' }, startTime: iso(-3600), containers: [{ name: 'x', startTime: iso(-3600), cpu: { time: iso(s), usageCoreNanoSeconds: 1 } }] },
          ]
        : [],
  };
}

let tick = 0;
const summaries: SummarySource = {
  nodeNames: () => Promise.resolve(['n1', 'n2']),
  // Each tick is 15 s later; CPU grows by 1.5 core-seconds per share per tick (0.1 core per share).
  summary: (node) => Promise.resolve(summary(node, 15 * tick, 1.5e9 * tick)),
};

const NODES: ObjectRef[] = [
  { name: 'n1', labels: { zone: 'a' } },
  { name: 'n2', labels: { zone: 'b' } },
];
const PODS: ObjectRef[] = [
  { namespace: 'default', name: 'broken' },
  { namespace: 'default', name: 'web', labels: { app: 'web' } },
  { namespace: 'kube-system', name: 'dns', labels: { app: 'dns' } },
];
const seenSelectors: Selectors[] = [];
/** Understands `k=v` label selectors only; anything else is a BadRequest, as the API would answer. */
function select(refs: ObjectRef[], s: Selectors): ObjectRef[] {
  seenSelectors.push(s);
  if (!s.labelSelector) return refs;
  const m = /^([a-z]+)=([a-z0-9]+)$/.exec(s.labelSelector);
  if (!m) throw ApiError.badRequest(`unable to parse requirement: ${s.labelSelector}`);
  return refs.filter((r) => r.labels?.[m[1] ?? ''] === m[2]);
}
const objects: ObjectSource = {
  nodes: (s) => Promise.resolve(select(NODES, s)),
  node: (name) => Promise.resolve(NODES.find((n) => n.name === name)),
  pods: (ns, s) => Promise.resolve(select(PODS.filter((p) => ns === undefined || p.namespace === ns), s)),
  pod: (ns, name) => Promise.resolve(PODS.find((p) => p.namespace === ns && p.name === name)),
};

const pki: Pki = makePki();
let ms: RunningMetricsServer;
const decisions: { user: string; groups: string[]; verb: string; resource: string; namespace?: string }[] = [];
const authorize: MetricsAuthorizer = (user, r) => {
  decisions.push({ user: user.username, groups: user.groups, verb: r.verb, resource: r.resource, ...(r.namespace !== undefined ? { namespace: r.namespace } : {}) });
  return Promise.resolve(user.username === 'mallory' ? { allowed: false, reason: 'no RBAC policy matched' } : { allowed: true });
};

before(async () => {
  ms = await startTestMetricsServer(pki, { summaries, objects, authorize, now: () => T0 + 100_000 });
});
after(() => ms.stop());

test('before two scrapes nothing has metrics, and readyz waits for the first', async () => {
  assert.equal((await get(ms.port, pki, '/readyz', { client: null })).status, 500);
  await ms.scrapeNow();
  assert.equal((await get(ms.port, pki, '/readyz', { client: null })).status, 200);
  const nodes = await get(ms.port, pki, '/apis/metrics.k8s.io/v1beta1/nodes');
  assert.equal(nodes.status, 200, nodes.text);
  assert.deepEqual(nodes.body.items, []);
  const one = await get(ms.port, pki, '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/web');
  assert.equal(one.status, 404);
  assert.equal(one.body['message'], 'podmetrics.metrics.k8s.io "default/web" not found');
  tick = 1;
  await ms.scrapeNow();
});

test('discovery lists nodes and pods with get and list', async () => {
  const r = await get(ms.port, pki, '/apis/metrics.k8s.io/v1beta1');
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: 'metrics.k8s.io/v1beta1',
    resources: [
      { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
      { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
    ],
  });
});

test('node metrics: list (with labelSelector) and get, CPU as a rate, memory as the working set', async () => {
  const list = await get(ms.port, pki, '/apis/metrics.k8s.io/v1beta1/nodes');
  assert.equal(list.body['kind'], 'NodeMetricsList');
  assert.deepEqual(list.body.items?.map((i) => i['metadata']), [
    { name: 'n1', creationTimestamp: iso(100), labels: { zone: 'a' } },
    { name: 'n2', creationTimestamp: iso(100), labels: { zone: 'b' } },
  ]);
  const n1 = await get(ms.port, pki, '/apis/metrics.k8s.io/v1beta1/nodes/n1');
  assert.equal(n1.status, 200, n1.text);
  assert.deepEqual(
    { kind: n1.body['kind'], apiVersion: n1.body['apiVersion'], timestamp: n1.body['timestamp'], window: n1.body['window'], usage: n1.body['usage'] },
    { kind: 'NodeMetrics', apiVersion: 'metrics.k8s.io/v1beta1', timestamp: iso(15), window: '15s', usage: { cpu: '1', memory: '512Mi' } },
  );
  const selected = await get(ms.port, pki, '/apis/metrics.k8s.io/v1beta1/nodes?labelSelector=zone%3Db');
  assert.deepEqual(selected.body.items?.map((i) => (i['metadata'] as { name: string }).name), ['n2']);
  const missing = await get(ms.port, pki, '/apis/metrics.k8s.io/v1beta1/nodes/n9');
  assert.equal(missing.status, 404);
  assert.equal(missing.body['message'], 'nodemetrics.metrics.k8s.io "n9" not found');
});

test('pod metrics: per namespace, across namespaces, one by name; pods without metrics left out', async () => {
  const web = await get(ms.port, pki, '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/web');
  assert.equal(web.status, 200, web.text);
  assert.equal(web.body['kind'], 'PodMetrics');
  assert.deepEqual(web.body['metadata'], { name: 'web', namespace: 'default', creationTimestamp: iso(100), labels: { app: 'web' } });
  assert.equal(web.body['window'], '15s');
  assert.deepEqual(web.body['containers'], [
    { name: 'app', usage: { cpu: '200m', memory: '2Mi' } },
    { name: 'sidecar', usage: { cpu: '100m', memory: '1Mi' } },
  ]);
  const inDefault = await get(ms.port, pki, '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods');
  assert.equal(inDefault.body['kind'], 'PodMetricsList');
  assert.deepEqual(inDefault.body.items?.map((i) => (i['metadata'] as { name: string }).name), ['web']);
  const all = await get(ms.port, pki, '/apis/metrics.k8s.io/v1beta1/pods?labelSelector=app%3Ddns&fieldSelector=metadata.name%3Ddns');
  assert.deepEqual(all.body.items?.map((i) => i['metadata'] as { namespace: string; name: string }).map((m) => `${m.namespace}/${m.name}`), ['kube-system/dns']);
  assert.deepEqual(seenSelectors.at(-1), { labelSelector: 'app=dns', fieldSelector: 'metadata.name=dns' }, 'selectors go to the API as given');
  const bad = await get(ms.port, pki, '/apis/metrics.k8s.io/v1beta1/pods?labelSelector=a%20in');
  assert.equal(bad.status, 400);
  assert.equal(bad.body['reason'], 'BadRequest');
});

test('requests are trusted only from a request-header-CA client certificate that names a user', async () => {
  const path = '/apis/metrics.k8s.io/v1beta1/nodes';
  assert.equal((await get(ms.port, pki, path, { client: null })).status, 401, 'no client certificate');
  assert.equal((await get(ms.port, pki, path, { client: clientCert(pki.clusterCa, 'front-proxy-client') })).status, 401, 'signed by another CA');
  assert.equal((await get(ms.port, pki, path, { client: clientCert(pki.requestHeaderCa, 'someone-else') })).status, 401, 'a name not allowed');
  assert.equal((await get(ms.port, pki, path, { client: clientCert(makeCa('x'), 'front-proxy-client') })).status, 401);
  const noUser = await get(ms.port, pki, path, { headers: { 'X-Remote-User': '' } });
  assert.equal(noUser.status, 401);
  assert.equal(noUser.body['reason'], 'Unauthorized');
  const ok = await get(ms.port, pki, path);
  assert.equal(ok.status, 200);
  assert.deepEqual(decisions.at(-1), { user: 'alice', groups: ['devs', 'system:authenticated'], verb: 'list', resource: 'nodes' });
});

test('the authorizer decides; a denial is Forbidden as Kubernetes words it', async () => {
  const r = await get(ms.port, pki, '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods', { headers: { 'X-Remote-User': 'mallory' } });
  assert.equal(r.status, 403);
  assert.equal(r.body['message'], 'pods.metrics.k8s.io is forbidden: User "mallory" cannot list resource "pods" in API group "metrics.k8s.io" in the namespace "default": no RBAC policy matched');
});

test('unknown paths are NotFound; writes and watches are not allowed', async () => {
  assert.equal((await get(ms.port, pki, '/apis/metrics.k8s.io/v1beta1/services')).status, 404);
  assert.equal((await get(ms.port, pki, '/apis/metrics.k8s.io/v1beta1/nodes?watch=true')).status, 405);
});
