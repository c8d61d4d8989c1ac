import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { receiveUntilClose, type ReceivedMessages } from '../streaming/websocket-testing.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './testing.js';

let s: TestServer;
let kubelet: Server;
const seen: string[] = [];

before(async () => {
  // A kubelet double: logs over HTTP, and an upgrade that echoes bytes back.
  kubelet = createServer((req, res) => {
    seen.push(req.url ?? '');
    if (req.url?.includes('/gone')) {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'container "gone" not found', reason: 'NotFound', code: 404 }));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('line 1\nline 2\n');
  });
  kubelet.on('upgrade', (req, socket) => {
    seen.push(req.url ?? '');
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    socket.on('data', (d: Buffer) => socket.write(Buffer.concat([Buffer.from('echo:'), d])));
  });
  await new Promise<void>((r) => kubelet.listen(0, '127.0.0.1', () => r()));
  const port = (kubelet.address() as AddressInfo).port;
  s = await startTestServer({ kubelet: { scheme: 'http' } });
  await s.req('POST', '/api/v1/nodes', {
    body: {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n1' },
      status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } },
    },
  });
  const created = await s.req('POST', '/api/v1/namespaces/default/pods', {
    body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x' }] } },
  });
  assert.equal(created.status, 201, created.text);
});

after(async () => {
  await s.close();
  await new Promise<void>((r) => kubelet.close(() => r()));
});

test('pod logs are proxied from the kubelet of the pod node', async () => {
  const r = await s.req('GET', '/api/v1/namespaces/default/pods/web/log?tailLines=10');
  assert.equal(r.status, 200);
  assert.equal(r.text, 'line 1\nline 2\n');
  assert.ok(seen.includes('/containerLogs/default/web/c?tailLines=10'));
});

test('exec upgrades are passed through to the kubelet', async () => {
  const url = new URL(s.url);
  const sock = connect(Number(url.port), url.hostname);
  await new Promise<void>((r) => sock.once('connect', () => r()));
  sock.write(
    `GET /api/v1/namespaces/default/pods/web/exec?command=sh&stdout=true HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`,
  );
  let got = '';
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no upgrade answer: ${got}`)), 5000);
    sock.on('data', (d: Buffer) => {
      got += d.toString();
      if (got.includes('101 Switching Protocols') && !got.includes('echo:')) sock.write('ping');
      if (got.includes('echo:ping')) {
        clearTimeout(t);
        resolve();
      }
    });
  });
  assert.ok(seen.some((u) => u.startsWith('/exec/default/web/c?command=sh')));
  sock.destroy();
});

function logOverWebSocket(query: string, protocols: string[]): Promise<ReceivedMessages> {
  return receiveUntilClose(new WebSocket(`${s.url.replace('http', 'ws')}/api/v1/namespaces/default/pods/web/log?${query}`, protocols, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } }));
}

test('pod logs over WebSocket: binary.k8s.io, then the server closes', async () => {
  const r = await logOverWebSocket('container=c&tailLines=5', ['binary.k8s.io']);
  assert.equal(r.protocol, 'binary.k8s.io');
  assert.ok(r.messages.every((m) => m.binary));
  assert.equal(Buffer.concat(r.messages.map((m) => m.data)).toString(), 'line 1\nline 2\n');
  assert.equal(r.code, 1000);
  assert.ok(seen.includes('/containerLogs/default/web/c?tailLines=5'));
});

test('pod logs over WebSocket: base64.binary.k8s.io sends base64 text', async () => {
  const r = await logOverWebSocket('container=c', ['base64.binary.k8s.io']);
  assert.equal(r.protocol, 'base64.binary.k8s.io');
  assert.ok(r.messages.every((m) => !m.binary));
  assert.equal(r.messages.map((m) => Buffer.from(m.data.toString(), 'base64').toString()).join(''), 'line 1\nline 2\n');
});

test('pod logs over WebSocket: a kubelet error is the HTTP answer, before any upgrade', async () => {
  const ws = new WebSocket(`${s.url.replace('http', 'ws')}/api/v1/namespaces/default/pods/web/log?container=gone`, ['binary.k8s.io'], {
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  const status = await new Promise<number>((resolve) => {
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => undefined);
  });
  assert.equal(status, 404);
});
