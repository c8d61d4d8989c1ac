import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { createCertificate, generateKeys, privateKeyPem } from '../../pki/certificates.js';
import { startTestServer, type TestServer } from '../testing.js';
import { resolveBackend } from './backend.js';

// A toy extension API server (group toy.example.com/v1, namespaced `widgets`) behind a Service
// `default/toy` whose Endpoints point at 127.0.0.1, registered by an APIService.
const GROUP = 'toy.example.com';
const NOBODY_TOKEN = 'nobody-token';

function ca(name: string) {
  const keys = generateKeys();
  return { keys, pem: createCertificate({ subject: { commonName: name }, keys, usage: 'ca', validDays: 1 }) };
}
const frontProxyCa = ca('front-proxy-ca');
const frontClientKeys = generateKeys();
const frontProxy = {
  caCert: frontProxyCa.pem,
  cert: createCertificate({ subject: { commonName: 'front-proxy-client' }, keys: frontClientKeys, issuer: { certificatePem: frontProxyCa.pem, privateKey: frontProxyCa.keys.privateKey }, usage: 'client', validDays: 1 }),
  key: privateKeyPem(frontClientKeys.privateKey),
};
const backendCa = ca('toy-ca');
const backendKeys = generateKeys();
const backendCert = createCertificate({
  subject: { commonName: 'toy' },
  keys: backendKeys,
  issuer: { certificatePem: backendCa.pem, privateKey: backendCa.keys.privateKey },
  usage: 'server',
  altNames: ['toy.default.svc'],
  validDays: 1,
});

let backend: Server;
let backendPort: number;
let server: TestServer;

function startBackend(port = 0): Promise<void> {
  backend = createServer({ cert: backendCert, key: privateKeyPem(backendKeys.privateKey), ca: frontProxy.caCert, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    const send = (code: number, body: unknown): void => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === `/apis/${GROUP}/v1`) {
      return send(200, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: `${GROUP}/v1`,
        resources: [{ name: 'widgets', singularName: 'widget', namespaced: true, kind: 'Widget', verbs: ['get', 'list'], shortNames: ['wd'] }],
      });
    }
    if (req.url?.startsWith(`/apis/${GROUP}/v1/namespaces/default/widgets`)) {
      return send(200, {
        kind: 'WidgetList',
        apiVersion: `${GROUP}/v1`,
        metadata: {},
        items: [],
        seen: {
          user: req.headers['x-remote-user'],
          groups: req.headers['x-remote-group'],
          authorization: req.headers['authorization'] ?? null,
          clientCertCN: peer.subject?.CN ?? null,
          clientCertTrusted: (req.socket as TLSSocket).authorized,
          path: req.url,
        },
      });
    }
    send(404, { kind: 'Status', code: 404 });
  });
  // An upgrade (as a WebSocket would) answers 101 naming the user it was sent as, then echoes.
  backend.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\nX-Seen-User: ${String(req.headers['x-remote-user'])}\r\n\r\n`);
    socket.pipe(socket);
  });
  return new Promise((resolve) => backend.listen(port, '127.0.0.1', () => {
    backendPort = (backend.address() as AddressInfo).port;
    resolve();
  }));
}

before(async () => {
  await startBackend();
  server = await startTestServer({
    frontProxy,
    tokens: new Map([
      ['test-admin-token', { username: 'admin', groups: ['system:masters'] }],
      [NOBODY_TOKEN, { username: 'nobody', groups: [] }],
    ]),
  });
});
after(async () => {
  await server.close();
  await new Promise((r) => backend.close(r));
});

type Condition = { type: string; status: string; reason?: string; message?: string };

async function availableCondition(name: string): Promise<Condition | undefined> {
  const r = await server.req('GET', `/apis/apiregistration.k8s.io/v1/apiservices/${name}`);
  const status = r.json()['status'] as { conditions?: Condition[] } | undefined;
  return status?.conditions?.find((c) => c.type === 'Available');
}

async function waitForAvailable(name: string, want: (c: Condition | undefined) => boolean, what: string): Promise<Condition | undefined> {
  const until = Date.now() + 10_000;
  for (;;) {
    const c = await availableCondition(name);
    if (want(c)) return c;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; last ${JSON.stringify(c)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const toyAPIService = () => ({
  apiVersion: 'apiregistration.k8s.io/v1',
  kind: 'APIService',
  metadata: { name: `v1.${GROUP}` },
  spec: {
    group: GROUP,
    version: 'v1',
    service: { namespace: 'default', name: 'toy' },
    caBundle: Buffer.from(backendCa.pem).toString('base64'),
    groupPriorityMinimum: 1000,
    versionPriority: 15,
  },
});

test('built-in group/versions have Local APIServices, available, labelled automanaged onstart', async () => {
  const c = await waitForAvailable('v1.apps', (x) => x?.status === 'True', 'v1.apps Available');
  assert.equal(c?.reason, 'Local');
  const r = await server.req('GET', '/apis/apiregistration.k8s.io/v1/apiservices/v1.');
  assert.equal(r.status, 200);
  assert.equal((r.json().metadata?.['labels'] as Record<string, string>)['kube-aggregator.kubernetes.io/automanaged'], 'onstart');
});

test('an APIService must be named <version>.<group>, with priorities in range, and defaults the port to 443', async () => {
  const bad = await server.req('POST', '/apis/apiregistration.k8s.io/v1/apiservices', { body: { ...toyAPIService(), metadata: { name: 'v2.wrong.example.com' } } });
  assert.equal(bad.status, 422);
  assert.match(bad.text, /metadata.name: Invalid value: \\"v2.wrong.example.com\\": must be `spec.version\+\\"\.\\"\+spec.group`/);
  const spec = { ...toyAPIService().spec, groupPriorityMinimum: 0, insecureSkipTLSVerify: true };
  const bad2 = await server.req('POST', '/apis/apiregistration.k8s.io/v1/apiservices', { body: { ...toyAPIService(), spec } });
  assert.equal(bad2.status, 422);
  assert.match(bad2.text, /spec.groupPriorityMinimum: Invalid value: 0: must be positive and less than 20000/);
  assert.match(bad2.text, /spec.insecureSkipTLSVerify: Invalid value: true: may not be true if caBundle is present/);
  const dry = await server.req('POST', '/apis/apiregistration.k8s.io/v1/apiservices?dryRun=All', { body: toyAPIService() });
  assert.equal(dry.status, 201);
  assert.equal((dry.json()['spec'] as { service: { port: number } }).service.port, 443);
});

test('the front-proxy CA and request-header names are published for extension API servers', async () => {
  const r = await server.req('GET', '/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication');
  assert.equal(r.status, 200);
  const data = r.json()['data'] as Record<string, string>;
  assert.equal(data['requestheader-client-ca-file'], frontProxy.caCert);
  assert.equal(data['requestheader-username-headers'], '["X-Remote-User"]');
  assert.equal(data['requestheader-group-headers'], '["X-Remote-Group"]');
  assert.equal(data['requestheader-extra-headers-prefix'], '["X-Remote-Extra-"]');
  assert.equal(data['requestheader-allowed-names'], '["front-proxy-client"]');
  const role = await server.req('GET', '/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/roles/extension-apiserver-authentication-reader');
  assert.equal(role.status, 200);
});

test('an aggregated group: availability follows its Service and Endpoints, requests are proxied with the caller identity', async () => {
  const widgets = `/apis/${GROUP}/v1/namespaces/default/widgets`;
  assert.equal((await server.req('POST', '/apis/apiregistration.k8s.io/v1/apiservices', { body: toyAPIService() })).status, 201);
  let c = await waitForAvailable(`v1.${GROUP}`, (x) => x?.reason === 'ServiceNotFound', 'ServiceNotFound');
  assert.equal(c?.status, 'False');
  assert.equal(c?.message, 'service/toy in "default" is not present');
  const unavailable = await server.req('GET', widgets);
  assert.equal(unavailable.status, 503);
  assert.equal(unavailable.text, 'service unavailable\n');

  const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'toy', namespace: 'default' }, spec: { ports: [{ name: 'https', port: 443, targetPort: backendPort }] } };
  assert.equal((await server.req('POST', '/api/v1/namespaces/default/services', { body: service })).status, 201);
  await waitForAvailable(`v1.${GROUP}`, (x) => x?.reason === 'EndpointsNotFound', 'EndpointsNotFound');
  const endpoints = (addresses: { ip: string }[]) => ({
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'toy', namespace: 'default' },
    subsets: addresses.length ? [{ addresses, ports: [{ name: 'https', port: backendPort }] }] : [],
  });
  assert.equal((await server.req('POST', '/api/v1/namespaces/default/endpoints', { body: endpoints([]) })).status, 201);
  c = await waitForAvailable(`v1.${GROUP}`, (x) => x?.reason === 'MissingEndpoints', 'MissingEndpoints');
  assert.equal(c?.message, 'endpoints for service/toy in "default" have no addresses with port name "https"');
  assert.equal((await server.req('GET', widgets)).status, 503);

  assert.equal((await server.req('PUT', '/api/v1/namespaces/default/endpoints/toy', { body: endpoints([{ ip: '127.0.0.1' }]) })).status, 200);
  c = await waitForAvailable(`v1.${GROUP}`, (x) => x?.status === 'True', 'Available');
  assert.equal(c?.reason, 'Passed');

  const got = await server.req('GET', `${widgets}?limit=5`);
  assert.equal(got.status, 200);
  assert.deepEqual(got.json()['seen'], {
    user: 'admin',
    groups: 'system:masters, system:authenticated',
    authorization: null,
    clientCertCN: 'front-proxy-client',
    clientCertTrusted: true,
    path: `${widgets}?limit=5`,
  });
  // A connection upgrade is relayed both ways.
  const echoed = await new Promise<{ user: string; data: string }>((resolve, reject) => {
    const r = httpRequest(new URL(`${widgets}/w1/attach`, server.url), { headers: { authorization: 'Bearer test-admin-token', connection: 'Upgrade', upgrade: 'echo' } });
    r.on('upgrade', (res, socket) => {
      socket.once('data', (d: Buffer) => {
        resolve({ user: String(res.headers['x-seen-user']), data: d.toString() });
        socket.destroy();
      });
      socket.write('ping');
    });
    r.on('response', (res) => reject(new Error(`no upgrade: ${res.statusCode}`)));
    r.on('error', reject);
    r.end();
  });
  assert.deepEqual(echoed, { user: 'admin', data: 'ping' });

  // The caller is authorized here first: RBAC gives `nobody` no access to widgets.
  const denied = await server.req('GET', widgets, { token: NOBODY_TOKEN });
  assert.equal(denied.status, 403);
  assert.match(denied.text, /widgets.toy.example.com is forbidden: User \\"nobody\\" cannot list resource \\"widgets\\" in API group \\"toy.example.com\\" in the namespace \\"default\\"/);

  // Discovery: /apis lists the group, /apis/{group} is answered here, /apis/{g}/{v} comes from the backend.
  const groups = (await server.req('GET', '/apis')).json()['groups'] as { name: string; preferredVersion: { version: string } }[];
  assert.equal(groups.find((g) => g.name === GROUP)?.preferredVersion.version, 'v1');
  assert.equal((await server.req('GET', `/apis/${GROUP}`)).json()['name'], GROUP);
  const list = (await server.req('GET', `/apis/${GROUP}/v1`)).json();
  assert.equal(list['groupVersion'], `${GROUP}/v1`);
  const aggregated = (await server.req('GET', '/apis', { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' })).json();
  const item = (aggregated.items as { metadata: { name?: string }; versions: { resources: { resource: string; shortNames?: string[] }[] }[] }[]).find((i) => i.metadata.name === GROUP);
  assert.deepEqual(item?.versions[0]?.resources.map((r) => [r.resource, r.shortNames]), [['widgets', ['wd']]]);

  // The backend stops answering: the next check (here prompted by an Endpoints change) fails discovery.
  await new Promise((r) => backend.close(r));
  backend.closeAllConnections();
  assert.equal((await server.req('PUT', '/api/v1/namespaces/default/endpoints/toy', { body: { ...endpoints([{ ip: '127.0.0.1' }]), metadata: { name: 'toy', namespace: 'default', labels: { touched: 'yes' } } } })).status, 200);
  c = await waitForAvailable(`v1.${GROUP}`, (x) => x?.reason === 'FailedDiscoveryCheck', 'FailedDiscoveryCheck');
  assert.equal(c?.status, 'False');
  assert.match(c?.message ?? '', new RegExp(`^failing or missing response from https://127.0.0.1:${backendPort}/apis/${GROUP}/v1: `));
  assert.equal((await server.req('GET', widgets)).status, 503);
  await startBackend(backendPort);

  // Deleting the APIService removes the group.
  assert.equal((await server.req('DELETE', `/apis/apiregistration.k8s.io/v1/apiservices/v1.${GROUP}`)).status, 200);
  const until = Date.now() + 10_000;
  while ((await server.req('GET', widgets)).status !== 404) {
    if (Date.now() > until) throw new Error('the group was still served');
    await new Promise((r) => setTimeout(r, 20));
  }
});

test('without an Endpoints object, the ready endpoints of the Service EndpointSlices are used', async () => {
  const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'sliced', namespace: 'default' }, spec: { ports: [{ name: 'https', port: 8443 }] } };
  assert.equal((await server.req('POST', '/api/v1/namespaces/default/services', { body: service })).status, 201);
  const ref = { namespace: 'default', name: 'sliced', port: 8443 };
  assert.deepEqual(resolveBackend(server.registries, ref), { ok: false, reason: 'EndpointsNotFound', message: 'cannot find endpoints for service/sliced in "default"' });
  const slice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'sliced-abc', namespace: 'default', labels: { 'kubernetes.io/service-name': 'sliced' } },
    addressType: 'IPv4',
    ports: [{ name: 'https', port: 9443 }],
    endpoints: [{ addresses: ['10.1.0.1'], conditions: { ready: false } }, { addresses: ['10.1.0.2'], conditions: { ready: true } }],
  };
  assert.equal((await server.req('POST', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', { body: slice })).status, 201);
  const until = Date.now() + 10_000;
  while (!resolveBackend(server.registries, ref).ok && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(resolveBackend(server.registries, ref), { ok: true, host: '10.1.0.2', port: 9443 });
  assert.equal(resolveBackend(server.registries, { ...ref, port: 443 }).ok, false);
});
