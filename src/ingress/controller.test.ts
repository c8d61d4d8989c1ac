// The ingress controller against a real API server, with backend HTTP servers on loopback
// standing in for pods (EndpointSlices pointing at 127.0.0.1 with distinct ports).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, createServer, request, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Secret, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress, IngressClass } from 'kubernetes-types/networking/v1.js';
import { startApiServer } from '../apiserver/server.js';
import { createClient, type ApiClient } from '../client/client.js';
import { HttpTransport } from '../client/http.js';
import { createLogger } from '../log.js';
import { createCertificate, generateKeys, privateKeyPem } from '../pki/certificates.js';
import { MemoryStorage } from '../storage/memory/memory.js';
import { startIngressController } from './controller.js';

const TOKEN = 'ingress-test-token';
const log = createLogger('test', { level: process.env['K8TS_LOG_LEVEL'] === 'debug' ? 'debug' : 'error' });
const R = {
  services: { group: '', version: 'v1', resource: 'services' },
  slices: { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' },
  ingresses: { group: 'networking.k8s.io', version: 'v1', resource: 'ingresses' },
  classes: { group: 'networking.k8s.io', version: 'v1', resource: 'ingressclasses' },
  secrets: { group: '', version: 'v1', resource: 'secrets' },
};

async function until<T>(probe: () => Promise<T | undefined>, what: string, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A backend answering "<name> <path> <x-forwarded-proto>". */
async function backend(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => res.end(`${name} ${req.url ?? ''} ${String(req.headers['x-forwarded-proto'])}`));
  server.on('upgrade', (_req, socket: Duplex) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n');
    socket.on('data', (d: Buffer) => socket.write(`${name}:${d.toString()}`));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

interface Reply {
  status: number;
  body: string;
  reused: boolean;
  peerCN?: string;
}

function get(port: number, host: string, path: string, agent?: Agent): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host }, agent: agent ?? false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, reused: req.reusedSocket }));
    });
    req.on('error', reject);
    req.end();
  });
}

function getTls(port: number, servername: string, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, servername, headers: { host: servername }, rejectUnauthorized: false, agent: false }, (res) => {
      const cert = (res.socket as TLSSocket).getPeerCertificate();
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, reused: false, peerCN: typeof cert.subject?.CN === 'string' ? cert.subject.CN : undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Sends an Upgrade request, then `text`; returns the status line and what came back after it. */
function upgradeEcho(port: number, host: string, path: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host, connection: 'Upgrade', upgrade: 'echo' }, agent: false });
    req.on('upgrade', (res, socket) => {
      socket.once('data', (d: Buffer) => {
        socket.destroy();
        resolve(`HTTP/1.1 ${res.statusCode ?? 0} ${res.statusMessage ?? ''}|${d.toString()}`);
      });
      socket.write(text);
    });
    req.on('response', (res) => reject(new Error(`no upgrade: ${res.statusCode ?? 0}`)));
    req.on('error', reject);
    req.end();
  });
}

async function serviceWithEndpoints(client: ApiClient, name: string, ports: number[]): Promise<void> {
  await client.resource<Service>(R.services, 'default').create({ metadata: { name }, spec: { ports: [{ name: 'http', port: 80 }] } });
  await client.resource<EndpointSlice>(R.slices, 'default').create({
    metadata: { name: `${name}-1`, labels: { 'kubernetes.io/service-name': name } },
    addressType: 'IPv4',
    endpoints: ports.length ? [{ addresses: ['127.0.0.1'], conditions: { ready: true } }] : [],
    ports: ports.length ? [{ name: 'http', port: ports[0] ?? 0, protocol: 'TCP' }] : [],
  });
  // Further endpoints with their own port each need their own slice.
  for (const [i, port] of ports.slice(1).entries()) {
    await client.resource<EndpointSlice>(R.slices, 'default').create({
      metadata: { name: `${name}-${i + 2}`, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
      ports: [{ name: 'http', port, protocol: 'TCP' }],
    });
  }
}

test('ingress routing, round robin, status, TLS by SNI and live updates', async () => {
  const storage = new MemoryStorage();
  const server = await startApiServer({ storage, port: 0, tokens: new Map([[TOKEN, { username: 'admin', groups: ['system:masters'] }]]) });
  const client = createClient(new HttpTransport({ server: server.url, token: TOKEN }));
  const backends = await Promise.all(['web-a', 'web-b', 'api', 'wild', 'fallback'].map(backend));
  const [webA, webB, api, wild, fallback] = backends;
  assert.ok(webA && webB && api && wild && fallback);
  const stop = new AbortController();
  const ingress = await startIngressController({ client, httpPort: 0, httpsPort: 0, bindAddress: '127.0.0.1', address: '192.0.2.10', log, signal: stop.signal });
  const port = ingress.httpPort;
  try {
    await client.resource<IngressClass>(R.classes).create({
      metadata: { name: 'k8ts', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
      spec: { controller: 'k8ts.io/ingress-controller' },
    });
    await serviceWithEndpoints(client, 'web', [webA.port, webB.port]);
    await serviceWithEndpoints(client, 'api', [api.port]);
    await serviceWithEndpoints(client, 'wild', [wild.port]);
    await serviceWithEndpoints(client, 'fallback', [fallback.port]);
    await serviceWithEndpoints(client, 'down', []);
    const backendRef = (name: string) => ({ service: { name, port: { name: 'http' } } });
    // No ingressClassName: served because k8ts is the default class.
    await client.resource<Ingress>(R.ingresses, 'default').create({
      metadata: { name: 'site' },
      spec: {
        defaultBackend: { service: { name: 'fallback', port: { number: 80 } } },
        rules: [
          {
            host: 'shop.example.com',
            http: {
              paths: [
                { path: '/', pathType: 'Prefix', backend: backendRef('web') },
                { path: '/api', pathType: 'Prefix', backend: backendRef('api') },
                { path: '/down', pathType: 'Exact', backend: backendRef('down') },
              ],
            },
          },
          { host: '*.apps.example.com', http: { paths: [{ path: '/', pathType: 'ImplementationSpecific', backend: backendRef('wild') }] } },
        ],
      },
    });
    // Another class: not ours, never served.
    await client.resource<Ingress>(R.ingresses, 'default').create({
      metadata: { name: 'other' },
      spec: { ingressClassName: 'nginx', rules: [{ host: 'other.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backendRef('api') }] } }] },
    });

    await until(async () => ((await get(port, 'shop.example.com', '/api/v1')).body.startsWith('api') ? true : undefined), 'the first route');
    assert.equal((await get(port, 'shop.example.com', '/api/v1?x=1')).body, 'api /api/v1?x=1 http');
    assert.equal((await get(port, 'shop.example.com', '/apix')).body.split(' ')[0]?.startsWith('web-'), true, '/apix is not under /api');
    const names = new Set<string>();
    for (let i = 0; i < 4; i++) names.add((await get(port, 'Shop.Example.com:80', '/')).body.split(' ')[0] ?? '');
    assert.deepEqual([...names].sort(), ['web-a', 'web-b'], 'round robin over the ready endpoints');
    assert.equal((await get(port, 'x.apps.example.com', '/z')).body.split(' ')[0], 'wild');
    assert.equal((await get(port, 'y.x.apps.example.com', '/z')).body.split(' ')[0], 'fallback', 'wildcards cover one label');
    assert.equal((await get(port, 'other.example.com', '/')).body.split(' ')[0], 'fallback', 'another class is not served');
    assert.equal((await get(port, 'shop.example.com', '/down')).status, 503);

    // Status: the node's address on ours only.
    const site = await until(async () => {
      const i = await client.resource<Ingress>(R.ingresses, 'default').get('site');
      return i.status?.loadBalancer?.ingress?.length ? i : undefined;
    }, 'ingress status');
    assert.deepEqual(site.status?.loadBalancer?.ingress, [{ ip: '192.0.2.10' }]);
    assert.equal((await client.resource<Ingress>(R.ingresses, 'default').get('other')).status?.loadBalancer?.ingress, undefined);

    // Live update on a kept-alive connection: the route changes, the connection stays.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    assert.equal((await get(port, 'shop.example.com', '/api', agent)).body.split(' ')[0], 'api');
    const current = await client.resource<Ingress>(R.ingresses, 'default').get('site');
    const rules = current.spec?.rules ?? [];
    const paths = rules[0]?.http?.paths ?? [];
    await client.resource<Ingress>(R.ingresses, 'default').update({
      ...current,
      spec: { ...current.spec, rules: [{ ...rules[0], http: { paths: paths.map((p) => (p.path === '/api' ? { ...p, backend: backendRef('wild') } : p)) } }, ...rules.slice(1)] },
    });
    const after = await until(async () => {
      const r = await get(port, 'shop.example.com', '/api', agent);
      return r.body.startsWith('wild') ? r : undefined;
    }, 'the updated route');
    assert.equal(after.reused, true, 'served on the connection opened before the update');
    agent.destroy();

    // Upgrade (WebSocket-style): the 101 and the bytes after it are relayed both ways.
    assert.equal(await upgradeEcho(port, 'shop.example.com', '/api', 'ping'), 'HTTP/1.1 101 Switching Protocols|wild:ping');

    // TLS: a Secret's certificate for its host by SNI, the default certificate for others.
    const keys = generateKeys();
    const cert = createCertificate({ subject: { commonName: 'shop.example.com' }, keys, usage: 'server', altNames: ['shop.example.com'], validDays: 1 });
    await client.resource<Secret>(R.secrets, 'default').create({
      metadata: { name: 'shop-tls' },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': Buffer.from(cert).toString('base64'), 'tls.key': Buffer.from(privateKeyPem(keys.privateKey)).toString('base64') },
    });
    const latest = await client.resource<Ingress>(R.ingresses, 'default').get('site');
    await client.resource<Ingress>(R.ingresses, 'default').update({ ...latest, spec: { ...latest.spec, tls: [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }] } });
    const secure = await until(async () => {
      const r = await getTls(ingress.httpsPort ?? 0, 'shop.example.com', '/');
      return r.peerCN === 'shop.example.com' ? r : undefined;
    }, 'the secret certificate');
    assert.match(secure.body, /^web-. \/ https$/);
    assert.equal((await getTls(ingress.httpsPort ?? 0, 'unknown.example.com', '/')).peerCN, 'k8ts ingress default certificate');
  } finally {
    await ingress.stop();
    for (const b of backends) b?.server.close();
    client.close();
    await server.close();
    await storage.close();
  }
});

// Regression: with the HTTPS port taken, the controller failed to start but kept its HTTP
// listener and watches open, so the process running it never exited.
test('a taken HTTPS port fails the start and releases the HTTP port and the watches', async () => {
  const storage = new MemoryStorage();
  const server = await startApiServer({ storage, port: 0, tokens: new Map([[TOKEN, { username: 'admin', groups: ['system:masters'] }]]) });
  const client = createClient(new HttpTransport({ server: server.url, token: TOKEN }));
  const holder = createServer();
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
  const taken = (holder.address() as AddressInfo).port;
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const httpPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const stop = new AbortController();
  try {
    await assert.rejects(startIngressController({ client, httpPort, httpsPort: taken, bindAddress: '127.0.0.1', address: '192.0.2.10', log, signal: stop.signal }), { code: 'EADDRINUSE' });
    // The HTTP port is free again: the failed start closed its listener.
    const again = createServer();
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.listen(httpPort, '127.0.0.1', resolve);
    });
    await new Promise<void>((r) => again.close(() => r()));
  } finally {
    stop.abort();
    holder.close();
    client.close();
    await server.close();
    await storage.close();
  }
});
