import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCertificate, generateKeys, privateKeyPem } from '../pki/certificates.js';
import { createPod, startBackend, upgradeThrough, type Seen } from './proxy-testing.js';
import { startTestServer, type TestServer } from './testing.js';

let s: TestServer;
let backend: Server;
let port: number;
let seen: Seen[];
let secure: HttpsServer;
let securePort: number;
const P = '/api/v1/namespaces/default/pods';

before(async () => {
  ({ server: backend, port, seen } = await startBackend());
  const keys = generateKeys();
  const cert = createCertificate({ subject: { commonName: 'pod' }, keys, usage: 'server', altNames: ['pod.invalid'], validDays: 1 });
  secure = createHttpsServer({ cert, key: privateKeyPem(keys.privateKey) }, (req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end(`tls ${req.url ?? ''}`);
  });
  await new Promise<void>((r) => secure.listen(0, '127.0.0.1', () => r()));
  securePort = (secure.address() as AddressInfo).port;
  s = await startTestServer();
  await createPod(s, 'web', [{ name: 'http', containerPort: port }], '127.0.0.1');
  await createPod(s, 'pending', [{ containerPort: port }], undefined);
  await createPod(s, 'tls', [{ name: 'https', containerPort: securePort }], '127.0.0.1');
});

after(async () => {
  await s.close();
  await new Promise<void>((r) => backend.close(() => r()));
  await new Promise<void>((r) => secure.close(() => r()));
});

const last = (): Seen => {
  const l = seen[seen.length - 1];
  assert.ok(l, 'the backend got a request');
  return l;
};

test('GET through pods/NAME:PORT/proxy reaches the pod at that port with path and query; status, headers and body come back', async () => {
  const r = await s.req('GET', `${P}/web:${port}/proxy/some/path/?x=1&y=a%20b`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(JSON.parse(r.text), { method: 'GET', url: '/some/path/?x=1&y=a%20b', body: '' });
  assert.equal(r.headers['x-backend'], 'yes');
  assert.equal(r.headers['access-control-allow-origin'], undefined, 'CORS headers of the backend are removed');
  const got = last();
  assert.equal(got.headers['authorization'], undefined, "the client's credentials stay at the API server");
  assert.equal(got.headers['x-forwarded-uri'], `${P}/web:${port}/proxy/some/path/`);
  assert.equal(got.headers['x-forwarded-for'], '127.0.0.1');
  const status = await s.req('GET', `${P}/web:${port}/proxy/status/418`);
  assert.equal(status.status, 418, 'the backend status comes back unchanged');
});

test('POST, PUT, DELETE and HEAD pass through with their bodies; the port may be a container port name', async () => {
  const post = await s.req('POST', `${P}/web:http/proxy/submit`, { raw: 'name=guest&msg=hi', contentType: 'application/x-www-form-urlencoded' });
  assert.equal(post.status, 200, post.text);
  assert.deepEqual(JSON.parse(post.text), { method: 'POST', url: '/submit', body: 'name=guest&msg=hi' });
  assert.equal(last().headers['content-type'], 'application/x-www-form-urlencoded');
  const put = await s.req('PUT', `${P}/http:web:http/proxy/item`, { body: { a: 1 } });
  assert.deepEqual(JSON.parse(put.text), { method: 'PUT', url: '/item', body: '{"a":1}' });
  const del = await s.req('DELETE', `${P}/web/proxy/item/7`);
  assert.deepEqual(JSON.parse(del.text), { method: 'DELETE', url: '/item/7', body: '' });
  const head = await s.req('HEAD', `${P}/web/proxy/x`);
  assert.equal(head.status, 200);
  assert.equal(last().method, 'HEAD');
});

test('without a port the first container port is used; .../proxy redirects to .../proxy/ for GET', async () => {
  const r = await s.req('GET', `${P}/web/proxy/`);
  assert.deepEqual(JSON.parse(r.text), { method: 'GET', url: '/', body: '' });
  const redirect = await s.req('GET', `${P}/web/proxy?a=b`);
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers.location, `${P}/web/proxy/?a=b`);
  const post = await s.req('POST', `${P}/web/proxy`, { raw: 'x' });
  assert.deepEqual(JSON.parse(post.text), { method: 'POST', url: '/', body: 'x' }, 'only GET and HEAD are redirected');
});

test('redirects and HTML links of the backend are pointed through the proxy', async () => {
  const redirect = await s.req('GET', `${P}/web/proxy/redirect`);
  assert.equal(redirect.status, 302);
  assert.equal(redirect.headers.location, `${P}/web/proxy/landing/`);
  const page = await s.req('GET', `${P}/web/proxy/page`);
  assert.equal(page.status, 200);
  assert.ok(page.text.includes(`<a href="${P}/web/proxy/docs/">`), page.text);
  assert.ok(page.text.includes(`<img src='${P}/web/proxy/img/logo.png'>`), page.text);
  assert.ok(page.text.includes('<a href="rel.html">'), 'relative links stay');
  assert.ok(page.text.includes('<a href="http://other.example/x">'), 'links to other hosts stay');
  assert.equal(page.headers['content-length'], String(Buffer.byteLength(page.text)));
});

test('https:NAME:PORT connects with TLS without verifying the pod certificate', async () => {
  const r = await s.req('GET', `${P}/https:tls:${securePort}/proxy/secret?q=1`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.text, 'tls /secret?q=1');
  const named = await s.req('GET', `${P}/https:tls:https/proxy/`);
  assert.equal(named.text, 'tls /');
});

test('a connection upgrade is relayed to the pod', async () => {
  const r = await upgradeThrough(s.url, `${P}/web:${port}/proxy/socket?x=1`, 'hello');
  assert.equal(r.status, 101);
  assert.equal(r.echoed, 'HELLO');
  assert.equal(last().url, '/socket?x=1');
  assert.equal(last().headers['authorization'], undefined);
});

test('errors: missing pod, pod without IP, bad name, unknown port name, nothing listening, method', async () => {
  const missing = await s.req('GET', `${P}/nope/proxy/`);
  assert.equal(missing.status, 404);
  assert.equal(missing.json()['message'], 'pods "nope" not found');
  const pending = await s.req('GET', `${P}/pending/proxy/`);
  assert.equal(pending.status, 400);
  assert.equal(pending.json()['message'], 'address not allowed');
  const bad = await s.req('GET', `${P}/ftp:web:80/proxy/`);
  assert.equal(bad.status, 400);
  assert.equal(bad.json()['message'], 'invalid pod request "ftp:web:80"');
  const unknown = await s.req('GET', `${P}/web:nosuch/proxy/`);
  assert.equal(unknown.status, 503);
  assert.equal(unknown.json()['message'], 'error trying to reach service: dial tcp: lookup tcp/nosuch: unknown port');
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
  const closedPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const refused = await s.req('GET', `${P}/web:${closedPort}/proxy/`);
  assert.equal(refused.status, 503);
  assert.equal(refused.json()['reason'], 'ServiceUnavailable');
  assert.equal(refused.json()['message'], `error trying to reach service: dial tcp 127.0.0.1:${closedPort}: connect: connection refused`);
  const method = await s.req('PROPFIND', `${P}/web/proxy/`);
  assert.equal(method.status, 405);
});

test('pod proxy requests are counted in apiserver_request_total', async () => {
  assert.equal((await s.req('GET', `${P}/web/proxy/counted`)).status, 200);
  const m = await s.req('GET', '/metrics');
  assert.match(m.text, /apiserver_request_total\{[^}]*resource="pods"[^}]*subresource="proxy"[^}]*verb="GET"[^}]*code="200"\} \d+/);
});
