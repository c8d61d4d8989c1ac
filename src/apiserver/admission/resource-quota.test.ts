import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceQuota } from 'kubernetes-types/core/v1.js';
import { withTestServer, type TestResponse, type TestServer } from '../testing.js';

// Against a real API server; no quota controller runs, so each quota's status is set by hand
// and every change to status.used below is the admission's own charge.

const NS = '/api/v1/namespaces/default';

const withServer = withTestServer;

/** Creates quota `name` and sets its status: hard = spec.hard, used = `used` (zero for the rest). */
async function createQuota(
  s: TestServer,
  hard: Record<string, string>,
  options: { name?: string; used?: Record<string, string>; scopes?: string[] } = {},
): Promise<void> {
  const name = options.name ?? 'quota';
  const spec = { hard, ...(options.scopes ? { scopes: options.scopes } : {}) };
  const created = await s.req('POST', `${NS}/resourcequotas`, { body: { metadata: { name }, spec } });
  assert.equal(created.status, 201, created.text);
  const used = Object.fromEntries(Object.keys(hard).map((k) => [k, options.used?.[k] ?? '0']));
  const status = await s.req('PUT', `${NS}/resourcequotas/${name}/status`, { body: { ...created.json(), status: { hard, used } } });
  assert.equal(status.status, 200, status.text);
}

async function used(s: TestServer, name = 'quota'): Promise<Record<string, string> | undefined> {
  const r = await s.req('GET', `${NS}/resourcequotas/${name}`);
  return (r.json() as ResourceQuota).status?.used as Record<string, string> | undefined;
}

function configMap(s: TestServer, name: string, query = ''): Promise<TestResponse> {
  return s.req('POST', `${NS}/configmaps${query}`, { body: { metadata: { name }, data: { a: 'b' } } });
}

function pod(s: TestServer, name: string, resources: Record<string, Record<string, string>> = {}): Promise<TestResponse> {
  return s.req('POST', `${NS}/pods`, { body: { metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox', resources }] } } });
}

function service(s: TestServer, name: string, type: string, ports: number[]): Promise<TestResponse> {
  return s.req('POST', `${NS}/services`, { body: { metadata: { name }, spec: { type, selector: { app: name }, ports: ports.map((port) => ({ name: `p${port}`, port })) } } });
}

function assertForbidden(r: TestResponse, message: string): void {
  assert.equal(r.status, 403, r.text);
  const body = r.json();
  assert.equal(body['reason'], 'Forbidden');
  assert.equal(body['message'], message);
}

test('an object count quota refuses the object over it with 403, and charges status.used at once', async () => {
  await withServer(async (s) => {
    await createQuota(s, { configmaps: '1' });
    assert.equal((await configMap(s, 'cm1')).status, 201);
    assert.deepEqual(await used(s), { configmaps: '1' });
    assertForbidden(await configMap(s, 'cm2'), 'configmaps "cm2" is forbidden: exceeded quota: quota, requested: configmaps=1, used: configmaps=1, limited: configmaps=1');
    assert.deepEqual(await used(s), { configmaps: '1' });
  });
});

test('a cpu quota refuses a pod that would exceed it and admits one that fits', async () => {
  await withServer(async (s) => {
    await createQuota(s, { cpu: '1', pods: '5' }, { used: { cpu: '500m', pods: '1' } });
    assertForbidden(await pod(s, 'p2', { requests: { cpu: '600m' } }), 'pods "p2" is forbidden: exceeded quota: quota, requested: cpu=600m, used: cpu=500m, limited: cpu=1');
    assert.equal((await pod(s, 'p3', { requests: { cpu: '400m' } })).status, 201);
    assert.deepEqual(await used(s), { cpu: '900m', pods: '2' });
  });
});

test('a quota limiting cpu refuses a pod whose containers do not request cpu', async () => {
  await withServer(async (s) => {
    await createQuota(s, { 'requests.cpu': '2' });
    assertForbidden(await pod(s, 'p'), 'pods "p" is forbidden: failed quota: quota: must specify requests.cpu for: c');
    assertForbidden(await pod(s, 'q', { requests: { memory: '1Gi' } }), 'pods "q" is forbidden: failed quota: quota: must specify requests.cpu for: c');
    // Defaulting takes a container's requests from its limits.
    assert.equal((await pod(s, 'limited', { limits: { cpu: '1' } })).status, 201);
    assert.equal((await pod(s, 'r', { requests: { cpu: '1' } })).status, 201);
  });
});

test('a quota limits nothing before its status.hard is set, and refuses what it limits until its usage is', async () => {
  await withServer(async (s) => {
    const created = await s.req('POST', `${NS}/resourcequotas`, { body: { metadata: { name: 'fresh' }, spec: { hard: { configmaps: '0' } } } });
    assert.equal(created.status, 201);
    // Kubernetes judges by status.hard, which the quota controller has not set yet.
    assert.equal((await configMap(s, 'early')).status, 201);
    const status = { hard: { configmaps: '0', secrets: '1' }, used: { secrets: '0' } };
    assert.equal((await s.req('PUT', `${NS}/resourcequotas/fresh/status`, { body: { ...created.json(), status } })).status, 200);
    assertForbidden(await configMap(s, 'cm'), 'configmaps "cm" is forbidden: status unknown for quota: fresh, resources: configmaps');
  });
});

test('services.nodeports counts the ports of NodePort and LoadBalancer services, also on a type change', async () => {
  await withServer(async (s) => {
    await createQuota(s, { 'services.nodeports': '2', 'services.loadbalancers': '1', services: '10' });
    assert.equal((await service(s, 'np', 'NodePort', [80, 443])).status, 201);
    assert.deepEqual(await used(s), { 'services.nodeports': '2', 'services.loadbalancers': '0', services: '1' });
    assertForbidden(
      await service(s, 'lb', 'LoadBalancer', [80]),
      'services "lb" is forbidden: exceeded quota: quota, requested: services.nodeports=1, used: services.nodeports=2, limited: services.nodeports=2',
    );
    assert.equal((await service(s, 'plain', 'ClusterIP', [80])).status, 201);
    const patched = await s.req('PATCH', `${NS}/services/plain`, { body: { spec: { type: 'NodePort' } }, contentType: 'application/merge-patch+json' });
    assertForbidden(patched, 'services "plain" is forbidden: exceeded quota: quota, requested: services.nodeports=1, used: services.nodeports=2, limited: services.nodeports=2');
    assert.equal((await s.req('DELETE', `${NS}/services/np`)).status, 200);
    // No controller runs to give the deleted service's ports back: raise the limit instead.
    const q = (await s.req('GET', `${NS}/resourcequotas/quota`)).json() as ResourceQuota;
    const hard = { 'services.nodeports': '3', 'services.loadbalancers': '1', services: '10' };
    assert.equal((await s.req('PUT', `${NS}/resourcequotas/quota/status`, { body: { ...q, status: { ...q.status, hard } } })).status, 200);
    const retried = await s.req('PATCH', `${NS}/services/plain`, { body: { spec: { type: 'NodePort' } }, contentType: 'application/merge-patch+json' });
    assert.equal(retried.status, 200, retried.text);
    assert.deepEqual(await used(s), { 'services.nodeports': '3', 'services.loadbalancers': '0', services: '2' });
  });
});

test('a dry-run create is checked but not charged', async () => {
  await withServer(async (s) => {
    await createQuota(s, { configmaps: '1' });
    assert.equal((await configMap(s, 'dry', '?dryRun=All')).status, 201);
    assert.deepEqual(await used(s), { configmaps: '0' });
    assert.equal((await configMap(s, 'real')).status, 201);
    assert.equal((await configMap(s, 'dry2', '?dryRun=All')).status, 403);
    assert.deepEqual(await used(s), { configmaps: '1' });
  });
});

test('a scoped quota limits only the pods in its scope', async () => {
  await withServer(async (s) => {
    await createQuota(s, { pods: '1' }, { scopes: ['BestEffort'] });
    assert.equal((await pod(s, 'burstable', { requests: { cpu: '100m' } })).status, 201);
    assert.deepEqual(await used(s), { pods: '0' });
    assert.equal((await pod(s, 'best-effort')).status, 201);
    assert.deepEqual(await used(s), { pods: '1' });
    assertForbidden(await pod(s, 'best-effort-2'), 'pods "best-effort-2" is forbidden: exceeded quota: quota, requested: pods=1, used: pods=1, limited: pods=1');
    // A scoped quota does not limit other kinds.
    assert.equal((await configMap(s, 'cm')).status, 201);
  });
});

test('concurrent creates cannot all slip under a limit', async () => {
  await withServer(async (s) => {
    await createQuota(s, { configmaps: '2' });
    const results = await Promise.all([1, 2, 3, 4, 5].map((i) => configMap(s, `cm${i}`)));
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 201, 403, 403, 403]);
    assert.equal((await s.req('GET', `${NS}/configmaps`)).json().items?.length, 2);
    assert.deepEqual(await used(s), { configmaps: '2' });
  });
});

test('a create the storage refuses (AlreadyExists) takes its charge back', async () => {
  await withServer(async (s) => {
    await createQuota(s, { configmaps: '2' });
    assert.equal((await configMap(s, 'same')).status, 201);
    assert.equal((await configMap(s, 'same')).status, 409);
    assert.deepEqual(await used(s), { configmaps: '1' });
  });
});

test('every quota that limits an object is charged; the first one over refuses it', async () => {
  await withServer(async (s) => {
    await createQuota(s, { 'count/configmaps': '10' }, { name: 'a' });
    await createQuota(s, { configmaps: '1', secrets: '1' }, { name: 'b' });
    assert.equal((await configMap(s, 'one')).status, 201);
    assert.deepEqual(await used(s, 'a'), { 'count/configmaps': '1' });
    assert.deepEqual(await used(s, 'b'), { configmaps: '1', secrets: '0' });
    assertForbidden(await configMap(s, 'two'), 'configmaps "two" is forbidden: exceeded quota: b, requested: configmaps=1, used: configmaps=1, limited: configmaps=1');
    // The refused create is charged nowhere.
    assert.deepEqual(await used(s, 'a'), { 'count/configmaps': '1' });
  });
});
