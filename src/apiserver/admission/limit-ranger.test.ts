import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { withTestServer, type TestResponse, type TestServer } from '../testing.js';

// Against a real API server: LimitRanges are created through the API, pods and claims after.

const NS = '/api/v1/namespaces/default';

const withServer = withTestServer;

async function limitRange(s: TestServer, limits: unknown[], name = 'limits'): Promise<void> {
  const r = await s.req('POST', `${NS}/limitranges`, { body: { metadata: { name }, spec: { limits } } });
  assert.equal(r.status, 201, r.text);
}

interface ContainerSpec {
  name?: string;
  resources?: Record<string, Record<string, string>>;
}

function pod(s: TestServer, name: string, containers: ContainerSpec[], init: ContainerSpec[] = [], query = ''): Promise<TestResponse> {
  const c = (x: ContainerSpec, i: number, prefix: string): unknown => ({ name: x.name ?? `${prefix}${i}`, image: 'busybox', ...(x.resources ? { resources: x.resources } : {}) });
  const spec = { containers: containers.map((x, i) => c(x, i, 'c')), ...(init.length ? { initContainers: init.map((x, i) => c(x, i, 'i')) } : {}) };
  return s.req('POST', `${NS}/pods${query}`, { body: { metadata: { name }, spec } });
}

function claim(s: TestServer, name: string, storage: string): Promise<TestResponse> {
  return s.req('POST', `${NS}/persistentvolumeclaims`, {
    body: { metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } } },
  });
}

function assertForbidden(r: TestResponse, message: string): void {
  assert.equal(r.status, 403, r.text);
  assert.equal(r.json()['reason'], 'Forbidden');
  assert.equal(r.json()['message'], message);
}

test('a Container item fills missing requests and limits of containers and init containers, and says so in an annotation', async () => {
  await withServer(async (s) => {
    const before = (await pod(s, 'before', [{}])).json() as Pod;
    assert.equal(before.metadata?.annotations?.['kubernetes.io/limit-ranger'], undefined);
    await limitRange(s, [{ type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '100m' } }]);
    const r = await pod(s, 'p', [{ name: 'app', resources: { limits: { memory: '1Gi' } } }], [{ name: 'setup' }]);
    assert.equal(r.status, 201, r.text);
    const created = r.json() as Pod;
    // memory: the pod's own limit stays, and its request is that limit (pod defaulting);
    // the LimitRange's defaultRequest for memory is its default (LimitRange defaulting).
    assert.deepEqual(created.spec?.containers[0]?.resources, { limits: { cpu: '500m', memory: '1Gi' }, requests: { cpu: '100m', memory: '1Gi' } });
    assert.deepEqual(created.spec?.initContainers?.[0]?.resources, { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '256Mi' } });
    assert.equal(
      created.metadata?.annotations?.['kubernetes.io/limit-ranger'],
      'LimitRanger plugin set: cpu request for container app; cpu limit for container app; cpu, memory request for init container setup; cpu, memory limit for init container setup',
    );
  });
});

test('container min, max and ratio violations are refused with 403 and every message', async () => {
  await withServer(async (s) => {
    await limitRange(s, [{ type: 'Container', min: { cpu: '100m' }, max: { cpu: '1', memory: '1Gi' }, maxLimitRequestRatio: { cpu: '4' } }]);
    assertForbidden(
      await pod(s, 'small', [{ resources: { requests: { cpu: '50m', memory: '100Mi' }, limits: { cpu: '50m', memory: '100Mi' } } }]),
      'pods "small" is forbidden: minimum cpu usage per Container is 100m, but request is 50m',
    );
    assertForbidden(
      await pod(s, 'big', [{ resources: { requests: { cpu: '200m' }, limits: { cpu: '2', memory: '2Gi' } } }]),
      'pods "big" is forbidden: [maximum cpu usage per Container is 1, but limit is 2, maximum memory usage per Container is 1Gi, but limit is 2Gi, cpu max limit to request ratio per Container is 4, but provided ratio is 10.000000]',
    );
    // The LimitRange's max became its default, so a pod without resources fits.
    assert.equal((await pod(s, 'fits', [{}]).then((r) => r.status)), 201);
  });
});

test('a Pod item bounds the sum over containers; a missing limit is refused', async () => {
  await withServer(async (s) => {
    await limitRange(s, [{ type: 'Pod', max: { cpu: '1' } }]);
    assertForbidden(
      await pod(s, 'sum', [{ resources: { limits: { cpu: '600m' } } }, { resources: { limits: { cpu: '600m' } } }]),
      'pods "sum" is forbidden: maximum cpu usage per Pod is 1, but limit is 1200m',
    );
    assertForbidden(await pod(s, 'none', [{}]), 'pods "none" is forbidden: maximum cpu usage per Pod is 1.  No limit is specified');
    assert.equal((await pod(s, 'ok', [{ resources: { limits: { cpu: '500m' } } }, { resources: { limits: { cpu: '500m' } } }])).status, 201);
  });
});

test('defaults apply before ResourceQuota, which then finds the requests it requires', async () => {
  await withServer(async (s) => {
    const q = await s.req('POST', `${NS}/resourcequotas`, { body: { metadata: { name: 'q' }, spec: { hard: { 'requests.cpu': '1' } } } });
    assert.equal(q.status, 201, q.text);
    const status = await s.req('PUT', `${NS}/resourcequotas/q/status`, { body: { ...q.json(), status: { hard: { 'requests.cpu': '1' }, used: { 'requests.cpu': '0' } } } });
    assert.equal(status.status, 200, status.text);
    await limitRange(s, [{ type: 'Container', defaultRequest: { cpu: '300m' } }]);
    assert.equal((await pod(s, 'p', [{}])).status, 201);
    const used = (await s.req('GET', `${NS}/resourcequotas/q`)).json()['status'] as { used: Record<string, string> };
    assert.equal(used.used['requests.cpu'], '300m');
  });
});

test('a dry run is checked and defaulted too', async () => {
  await withServer(async (s) => {
    await limitRange(s, [{ type: 'Container', max: { cpu: '1' } }]);
    const r = await pod(s, 'p', [{}], [], '?dryRun=All');
    assert.equal(r.status, 201, r.text);
    assert.deepEqual((r.json() as Pod).spec?.containers[0]?.resources, { limits: { cpu: '1' }, requests: { cpu: '1' } });
    assertForbidden(await pod(s, 'q', [{ resources: { limits: { cpu: '3' } } }], [], '?dryRun=All'), 'pods "q" is forbidden: maximum cpu usage per Container is 1, but limit is 3');
  });
});

test('claims: storage min and max on create; an unchanged request may stay on update', async () => {
  await withServer(async (s) => {
    assert.equal((await claim(s, 'old', '20Gi')).status, 201);
    await limitRange(s, [{ type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '10Gi' } }]);
    assertForbidden(await claim(s, 'big', '20Gi'), 'persistentvolumeclaims "big" is forbidden: maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi');
    assertForbidden(await claim(s, 'small', '500Mi'), 'persistentvolumeclaims "small" is forbidden: minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi');
    assert.equal((await claim(s, 'ok', '5Gi')).status, 201);
    const labelled = await s.req('PATCH', `${NS}/persistentvolumeclaims/old`, { body: { metadata: { labels: { a: 'b' } } }, contentType: 'application/merge-patch+json' });
    assert.equal(labelled.status, 200, labelled.text);
  });
});
