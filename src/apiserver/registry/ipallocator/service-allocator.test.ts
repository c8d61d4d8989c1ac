import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { MemoryStorage } from '../../../storage/memory/memory.js';
import { startTestServer, type TestServer } from '../../testing.js';
import { NODE_PORT_PREFIX, SERVICE_IP_PREFIX } from './service-allocator.js';

const SVCS = '/api/v1/namespaces/default/services';

function service(name: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ports: [{ port: 80 }], selector: { app: name }, ...spec } };
}

type Spec = { clusterIP?: string; clusterIPs?: string[]; ports?: { nodePort?: number; port: number }[]; healthCheckNodePort?: number };

async function create(s: TestServer, body: Record<string, unknown>): Promise<{ status: number; spec: Spec; message: string }> {
  const res = await s.req('POST', SVCS, { body });
  const json = res.json();
  return { status: res.status, spec: (json['spec'] ?? {}) as Spec, message: String(json['message'] ?? '') };
}

async function withServer(fn: (s: TestServer) => Promise<void>, extra: Parameters<typeof startTestServer>[0] = {}): Promise<void> {
  const s = await startTestServer({ advertiseAddress: '192.0.2.10', ...extra });
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

test('a ClusterIP service gets an address from the range; the first one belongs to the kubernetes service', async () => {
  await withServer(async (s) => {
    const a = await create(s, service('a'));
    assert.equal(a.status, 201);
    assert.match(a.spec.clusterIP ?? '', /^10\.43\.\d+\.\d+$/);
    assert.deepEqual(a.spec.clusterIPs, [a.spec.clusterIP]);
    assert.notEqual(a.spec.clusterIP, '10.43.0.1');
    const k = (await s.req('GET', `${SVCS}/kubernetes`)).json();
    const spec = k['spec'] as { clusterIP: string; ports: unknown[] };
    assert.equal(spec.clusterIP, '10.43.0.1');
    assert.deepEqual(spec.ports, [{ name: 'https', port: 443, protocol: 'TCP', targetPort: s.port }]);
    const ep = (await s.req('GET', '/api/v1/namespaces/default/endpoints/kubernetes')).json();
    assert.deepEqual(ep['subsets'], [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ name: 'https', port: s.port, protocol: 'TCP' }] }]);
    const slice = (await s.req('GET', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes')).json();
    assert.deepEqual((slice['endpoints'] as { addresses: string[] }[]).map((e) => e.addresses), [['192.0.2.10']]);
  });
});

test('a requested IP is honoured once; a taken or out-of-range one is refused with 422', async () => {
  await withServer(async (s) => {
    const a = await create(s, service('a', { clusterIP: '10.43.0.5' }));
    assert.equal(a.status, 201);
    assert.equal(a.spec.clusterIP, '10.43.0.5');
    const b = await create(s, service('b', { clusterIP: '10.43.0.5' }));
    assert.equal(b.status, 422);
    assert.equal(b.message, 'Service "b" is invalid: spec.clusterIPs: Invalid value: ["10.43.0.5"]: failed to allocate IP 10.43.0.5: provided IP is already allocated');
    const c = await create(s, service('c', { clusterIP: '10.99.0.5' }));
    assert.equal(c.status, 422);
    assert.match(c.message, /failed to allocate IP 10\.99\.0\.5: the provided IP \(10\.99\.0\.5\) is not in the valid range\. The range of valid IPs is 10\.43\.0\.0\/16/);
    // Deleting frees the address for the next Service.
    assert.equal((await s.req('DELETE', `${SVCS}/a`)).status, 200);
    assert.equal((await create(s, service('b', { clusterIP: '10.43.0.5' }))).status, 201);
  });
});

test('headless and ExternalName services get no cluster IP and reserve nothing', async () => {
  await withServer(async (s) => {
    const h = await create(s, service('h', { clusterIP: 'None' }));
    assert.equal(h.status, 201);
    assert.equal(h.spec.clusterIP, 'None');
    const e = await create(s, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'e' }, spec: { type: 'ExternalName', externalName: 'example.com' } });
    assert.equal(e.status, 201);
    assert.equal(e.spec.clusterIP, undefined);
    const records = await s.storage.list(SERVICE_IP_PREFIX);
    assert.deepEqual(records.kvs.map((kv) => kv.key), [`${SERVICE_IP_PREFIX}10.43.0.1`]);
  });
});

test('node ports: allocated in range, explicit ones honoured once, released on a type change', async () => {
  await withServer(async (s) => {
    const a = await create(s, service('a', { type: 'NodePort', ports: [{ name: 'http', port: 80 }, { name: 'dns', port: 53, protocol: 'UDP' }] }));
    assert.equal(a.status, 201);
    for (const p of a.spec.ports ?? []) assert.ok((p.nodePort ?? 0) >= 30000 && (p.nodePort ?? 0) <= 32767, String(p.nodePort));
    const b = await create(s, service('b', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }));
    assert.equal(b.spec.ports?.[0]?.nodePort, 30080);
    const c = await create(s, service('c', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }));
    assert.equal(c.status, 422);
    assert.equal(c.message, 'Service "c" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated');
    // Changing the type without touching nodePort drops and frees it.
    const patched = await s.req('PATCH', `${SVCS}/b`, { body: { spec: { type: 'ClusterIP' } }, contentType: 'application/merge-patch+json' });
    assert.equal(patched.status, 200, patched.text);
    assert.equal((patched.json()['spec'] as Spec).ports?.[0]?.nodePort, undefined);
    assert.equal((await create(s, service('c', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }))).status, 201);
  });
});

test('LoadBalancer with externalTrafficPolicy Local gets a health check node port', async () => {
  await withServer(async (s) => {
    const lb = await create(s, service('lb', { type: 'LoadBalancer', externalTrafficPolicy: 'Local' }));
    assert.equal(lb.status, 201);
    assert.ok((lb.spec.healthCheckNodePort ?? 0) >= 30000);
    assert.ok((lb.spec.ports?.[0]?.nodePort ?? 0) >= 30000);
    assert.notEqual(lb.spec.healthCheckNodePort, lb.spec.ports?.[0]?.nodePort);
  });
});

test('a replace without clusterIP keeps the allocated one; changing it is refused', async () => {
  await withServer(async (s) => {
    const a = await create(s, service('a', { type: 'NodePort' }));
    const current = (await s.req('GET', `${SVCS}/a`)).json();
    const body = { ...service('a', { type: 'NodePort' }), metadata: { name: 'a', resourceVersion: (current['metadata'] as { resourceVersion: string }).resourceVersion } };
    const res = await s.req('PUT', `${SVCS}/a`, { body });
    assert.equal(res.status, 200, res.text);
    const spec = res.json()['spec'] as Spec;
    assert.equal(spec.clusterIP, a.spec.clusterIP);
    assert.equal(spec.ports?.[0]?.nodePort, a.spec.ports?.[0]?.nodePort);
  });
});

test('dry-run creates reserve nothing', async () => {
  await withServer(async (s) => {
    const res = await s.req('POST', `${SVCS}?dryRun=All`, { body: service('a', { clusterIP: '10.43.0.9' }) });
    assert.equal(res.status, 201, res.text);
    assert.equal((await s.storage.get(`${SERVICE_IP_PREFIX}10.43.0.9`)).kv, undefined);
    assert.equal((await create(s, service('b', { clusterIP: '10.43.0.9' }))).status, 201);
  });
});

test('two API servers sharing a store never hand out one address twice', async () => {
  const storage = new MemoryStorage();
  const closeStorage = storage.close.bind(storage);
  storage.close = async () => undefined; // shared: closed once at the end
  // API servers of one cluster listen on one port, here on two loopback addresses.
  const port = await freePort();
  const one = await startTestServer({ storage, host: '127.0.0.1', port, advertiseAddress: '192.0.2.1', serviceClusterIpRange: '10.50.0.0/27' });
  const two = await startTestServer({ storage, host: '127.0.0.2', port, advertiseAddress: '192.0.2.2', serviceClusterIpRange: '10.50.0.0/27' });
  try {
    // /27: 30 usable addresses, one taken by the kubernetes service.
    const results = await Promise.all(
      Array.from({ length: 29 }, (_, i) => create(i % 2 ? one : two, service(`s${i}`))),
    );
    assert.deepEqual(results.map((r) => r.status), Array<number>(29).fill(201));
    const ips = new Set(results.map((r) => r.spec.clusterIP));
    assert.equal(ips.size, 29);
    const full = await create(one, service('full'));
    assert.equal(full.status, 500);
    assert.match(full.message, /range is full/);
    // Both servers are listed in the kubernetes endpoints.
    const ep = (await one.req('GET', '/api/v1/namespaces/default/endpoints/kubernetes')).json();
    assert.deepEqual((ep['subsets'] as { addresses: { ip: string }[] }[])[0]?.addresses.map((a) => a.ip), ['192.0.2.1', '192.0.2.2']);
    // The same requested address raced through both: exactly one wins.
    await one.req('DELETE', `${SVCS}/s0`);
    const ip = results[0]?.spec.clusterIP ?? '';
    const race = await Promise.all([create(one, service('x', { clusterIP: ip })), create(two, service('y', { clusterIP: ip }))]);
    assert.deepEqual(race.map((r) => r.status).sort(), [201, 422]);
    // A server that shuts down takes itself out.
    await one.close();
    const after = (await two.req('GET', '/api/v1/namespaces/default/endpoints/kubernetes')).json();
    assert.deepEqual((after['subsets'] as { addresses: { ip: string }[] }[])[0]?.addresses.map((a) => a.ip), ['192.0.2.2']);
  } finally {
    await one.close();
    await two.close();
    await closeStorage();
  }
});

test('state survives a restart; repair frees stale records and records unrecorded services', async () => {
  const storage = new MemoryStorage();
  const close = storage.close.bind(storage);
  storage.close = async () => undefined; // kept open across the restart
  try {
    await withServer(async (s) => {
      assert.equal((await create(s, service('a', { clusterIP: '10.43.0.7', type: 'NodePort', ports: [{ port: 80, nodePort: 30007 }] }))).status, 201);
    }, { storage });
    // A record whose Service never got stored (a crash in between), long ago.
    const stale = { owner: { namespace: 'default', name: 'ghost', uid: 'gone' }, allocatedAtMs: 0 };
    await storage.create(`${SERVICE_IP_PREFIX}10.43.0.8`, Buffer.from(JSON.stringify(stale)));
    await storage.create(`${NODE_PORT_PREFIX}30008`, Buffer.from(JSON.stringify(stale)));
    // A Service stored without records (written before records existed).
    await storage.create('/registry/core/services/default/old', Buffer.from(JSON.stringify({
      ...service('old', { clusterIP: '10.43.0.9', clusterIPs: ['10.43.0.9'], type: 'ClusterIP' }),
      metadata: { name: 'old', namespace: 'default', uid: 'old-uid' },
    })));
    await withServer(async (s) => {
      assert.equal((await create(s, service('b', { clusterIP: '10.43.0.7' }))).status, 422);
      assert.equal((await create(s, service('c', { type: 'NodePort', ports: [{ port: 80, nodePort: 30007 }] }))).status, 422);
      assert.equal((await create(s, service('d', { clusterIP: '10.43.0.8' }))).status, 201);
      assert.equal((await create(s, service('e', { type: 'NodePort', ports: [{ port: 80, nodePort: 30008 }] }))).status, 201);
      assert.equal((await create(s, service('f', { clusterIP: '10.43.0.9' }))).status, 422);
    }, { storage });
  } finally {
    await close();
  }
});

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}
