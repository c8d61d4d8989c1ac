import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseRoute } from './routing.js';
import { startTestServer, type TestServer } from './testing.js';

let s: TestServer;
let kubelet: Server;
const seen: string[] = [];

before(async () => {
  // A kubelet double answering JSON with the path it was asked for.
  kubelet = createServer((req, res) => {
    seen.push(`${req.method ?? ''} ${req.url ?? ''}`);
    const body = JSON.stringify({ node: { nodeName: 'n1' }, path: req.url });
    res.writeHead(req.url?.startsWith('/missing') ? 404 : 200, { 'Content-Type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((r) => kubelet.listen(0, '127.0.0.1', () => r()));
  const port = (kubelet.address() as AddressInfo).port;
  s = await startTestServer({ kubelet: { scheme: 'http' } });
  const created = await s.req('POST', '/api/v1/nodes', {
    body: {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n1' },
      status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } },
    },
  });
  assert.equal(created.status, 201, created.text);
});

after(async () => {
  await s.close();
  await new Promise<void>((r) => kubelet.close(() => r()));
});

test('nodes/{name}/proxy/{path} forwards to the kubelet, query included', async () => {
  const r = await s.req('GET', '/api/v1/nodes/n1/proxy/stats/summary?only_cpu_and_memory=true');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(JSON.parse(r.text), { node: { nodeName: 'n1' }, path: '/stats/summary?only_cpu_and_memory=true' });
  assert.ok(seen.includes('GET /stats/summary?only_cpu_and_memory=true'));
  const missing = await s.req('GET', '/api/v1/nodes/n1/proxy/missing');
  assert.equal(missing.status, 404, 'the kubelet status comes back unchanged');
});

test('nodes/proxy of an unknown node is NotFound; other resources have no path after proxy', async () => {
  const r = await s.req('GET', '/api/v1/nodes/nope/proxy/stats/summary');
  assert.equal(r.status, 404);
  assert.equal(parseRoute('/api/v1/nodes/n1/status/extra').kind, 'notFound');
  const route = parseRoute('/api/v1/nodes/n1/proxy/stats/summary');
  assert.equal(route.kind === 'resource' ? route.proxyPath : undefined, '/stats/summary');
});
