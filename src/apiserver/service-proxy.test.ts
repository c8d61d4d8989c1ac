import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { createPod, startBackend, upgradeThrough, type Seen } from './proxy-testing.js';
import { startTestServer, type TestServer } from './testing.js';

let s: TestServer;
let web: { server: Server; port: number; seen: Seen[] };
let admin: { server: Server; port: number; seen: Seen[] };
const S = '/api/v1/namespaces/default/services';

async function create(path: string, body: unknown): Promise<void> {
  const r = await s.req('POST', path, { body });
  assert.equal(r.status, 201, r.text);
}

const ref = (name: string): Record<string, string> => ({ kind: 'Pod', namespace: 'default', name });

before(async () => {
  web = await startBackend();
  admin = await startBackend((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end(`admin ${req.url ?? ''}`);
  });
  s = await startTestServer();
  await createPod(s, 'web-1', [{ name: 'http', containerPort: web.port }], '127.0.0.1');
  // Two named ports: web (80 → the first backend) and admin (8080 → the second).
  await create(`${S}`, {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' },
    spec: { ports: [{ name: 'http', port: 80 }, { name: 'admin', port: 8080 }] },
  });
  await create('/api/v1/namespaces/default/endpoints', {
    apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web' },
    subsets: [{
      addresses: [{ ip: '127.0.0.1', targetRef: ref('web-1') }],
      notReadyAddresses: [{ ip: '127.0.0.2', targetRef: ref('web-1') }],
      ports: [{ name: 'http', port: web.port }, { name: 'admin', port: admin.port }],
    }],
  });
  // One unnamed port: the default when the URL names none.
  await create(`${S}`, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'single' }, spec: { ports: [{ port: 80 }] } });
  await create('/api/v1/namespaces/default/endpoints', {
    apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'single' },
    subsets: [{ addresses: [{ ip: '127.0.0.1', targetRef: ref('web-1') }], ports: [{ port: web.port }] }],
  });
  await create(`${S}`, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'empty' }, spec: { ports: [{ port: 80 }] } });
  await create('/api/v1/namespaces/default/endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'empty' } });
  // Addresses written by hand, without a pod behind them: not proxied to (as in Kubernetes).
  await create(`${S}`, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'manual' }, spec: { ports: [{ port: 80 }] } });
  await create('/api/v1/namespaces/default/endpoints', {
    apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'manual' },
    subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ port: web.port }] }],
  });
  await create(`${S}`, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'noendpoints' }, spec: { ports: [{ port: 80 }] } });
});

after(async () => {
  await s.close();
  await new Promise<void>((r) => web.server.close(() => r()));
  await new Promise<void>((r) => admin.server.close(() => r()));
});

test('services/NAME:PORTNAME/proxy reaches a ready endpoint at the endpoint port of that name', async () => {
  const r = await s.req('GET', `${S}/web:http/proxy/guestbook.php?cmd=get&key=messages`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(JSON.parse(r.text), { method: 'GET', url: '/guestbook.php?cmd=get&key=messages', body: '' });
  const other = await s.req('GET', `${S}/web:admin/proxy/stats`);
  assert.equal(other.text, 'admin /stats');
});

test('a service port number is turned into its name; POST bodies pass through', async () => {
  const r = await s.req('POST', `${S}/web:80/proxy/submit`, { raw: 'value=1', contentType: 'text/plain' });
  assert.deepEqual(JSON.parse(r.text), { method: 'POST', url: '/submit', body: 'value=1' });
  const admin8080 = await s.req('GET', `${S}/http:web:8080/proxy/`);
  assert.equal(admin8080.text, 'admin /');
});

test('without a port the unnamed service port is used; .../proxy redirects', async () => {
  const r = await s.req('GET', `${S}/single/proxy/x`);
  assert.deepEqual(JSON.parse(r.text), { method: 'GET', url: '/x', body: '' });
  const redirect = await s.req('GET', `${S}/single/proxy`);
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers.location, `${S}/single/proxy/`);
  const upgrade = await upgradeThrough(s.url, `${S}/single/proxy/ws`, 'ping');
  assert.equal(upgrade.echoed, 'PING');
});

test('errors: no endpoints, unknown port number, addresses without a pod, no Endpoints object', async () => {
  const empty = await s.req('GET', `${S}/empty/proxy/`);
  assert.equal(empty.status, 503);
  assert.equal(empty.json()['message'], 'no endpoints available for service "empty"');
  assert.equal(empty.headers['retry-after'], undefined, 'no Retry-After: clients do not retry it');
  const port = await s.req('GET', `${S}/web:9999/proxy/`);
  assert.equal(port.status, 503);
  assert.equal(port.json()['message'], 'no service port 9999 found for service "web"');
  const unnamed = await s.req('GET', `${S}/web/proxy/`);
  assert.equal(unnamed.status, 503, 'a service with only named ports needs one in the URL');
  assert.equal(unnamed.json()['message'], 'no endpoints available for service "web"');
  const manual = await s.req('GET', `${S}/manual:80/proxy/`);
  assert.equal(manual.status, 503);
  assert.equal(manual.json()['message'], 'no endpoints available for service "manual:80"');
  const missing = await s.req('GET', `${S}/noendpoints/proxy/`);
  assert.equal(missing.status, 404);
  assert.equal(missing.json()['message'], 'endpoints "noendpoints" not found');
  const missingService = await s.req('GET', `${S}/nosuch:80/proxy/`);
  assert.equal(missingService.status, 404);
  assert.equal(missingService.json()['message'], 'services "nosuch" not found');
});
