// Regression: a node proxy request whose Host header is a name (as the in-process transport's
// `in-process`) had that name checked against the kubelet's serving certificate, so the bundled
// metrics-server could not read /stats/summary. The kubelet is verified for its address instead.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createCertificate, generateKeys, privateKeyPem } from '../pki/certificates.js';
import { startTestServer, type TestServer } from './testing.js';

let s: TestServer;
let kubelet: Server;

before(async () => {
  const caKeys = generateKeys();
  const ca = createCertificate({ subject: { commonName: 'ca' }, keys: caKeys, usage: 'ca', validDays: 1 });
  const keys = generateKeys();
  const cert = createCertificate({ subject: { commonName: 'kubelet' }, keys, issuer: { certificatePem: ca, privateKey: caKeys.privateKey }, usage: 'server', altNames: ['127.0.0.1', 'n1'], validDays: 1 });
  kubelet = createServer({ cert, key: privateKeyPem(keys.privateKey) }, (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{"node":{"nodeName":"n1"},"pods":[]}');
  });
  await new Promise<void>((r) => kubelet.listen(0, '127.0.0.1', () => r()));
  s = await startTestServer({ kubelet: { scheme: 'https', ca } });
  const created = await s.req('POST', '/api/v1/nodes', {
    body: {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n1' },
      status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: (kubelet.address() as AddressInfo).port } } },
    },
  });
  assert.equal(created.status, 201, created.text);
});

after(async () => {
  await s.close();
  await new Promise<void>((r) => kubelet.close(() => r()));
});

test('the kubelet certificate is checked for the node address, whatever Host the caller sent', async () => {
  const r = await s.req('GET', '/api/v1/nodes/n1/proxy/stats/summary', { headers: { host: 'in-process' } });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(JSON.parse(r.text), { node: { nodeName: 'n1' }, pods: [] });
});
