// Test support for the proxy tests: a backend on 127.0.0.1 that answers what it was sent, and
// the objects that point pods and services at it. Only *.test.ts files import this.
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { ADMIN_TOKEN, type TestServer } from './testing.js';

export interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/**
 * Answers JSON describing the request it got, except: `/redirect` (302 to `/landing/`),
 * `/page` (an HTML page with links), `/status/N` (status N). A connection upgrade is accepted
 * with 101 and then every byte is echoed back upper-cased.
 */
export async function startBackend(handler?: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<{ server: Server; port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (handler) return handler(req, res, body);
      const url = req.url ?? '/';
      if (url === '/redirect') {
        res.writeHead(302, { Location: '/landing/' });
        res.end();
        return;
      }
      if (url === '/page') {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end('<html><body><a href="/docs/">docs</a> <a href="rel.html">rel</a> <img src=\'/img/logo.png\'> <a href="http://other.example/x">out</a></body></html>');
        return;
      }
      const status = /^\/status\/(\d+)$/.exec(url);
      res.writeHead(status ? Number(status[1]) : 200, { 'Content-Type': 'application/json', 'X-Backend': 'yes', 'Access-Control-Allow-Origin': '*' });
      res.end(JSON.stringify({ method: req.method, url, body }));
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: '' });
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
    socket.on('data', (c: Buffer) => socket.write(c.toString('utf8').toUpperCase()));
    // Upgraded sockets are half-open capable: close this side when the proxy closes its side.
    socket.on('end', () => socket.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as AddressInfo).port, seen };
}

/** Creates a pod (its containers' ports given) and writes status.podIP(s) through pods/status. */
export async function createPod(s: TestServer, name: string, ports: { name?: string; containerPort: number }[], ip: string | undefined, labels: Record<string, string> = {}): Promise<void> {
  const created = await s.req('POST', '/api/v1/namespaces/default/pods', {
    body: { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'busybox', ports }] } },
  });
  assert.equal(created.status, 201, created.text);
  if (ip === undefined) return;
  const patched = await s.req('PATCH', `/api/v1/namespaces/default/pods/${name}/status`, {
    body: { status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] } },
    contentType: 'application/merge-patch+json',
  });
  assert.equal(patched.status, 200, patched.text);
}

/** A connection upgrade through the API server: the status line it answers, then one echoed message. */
export function upgradeThrough(base: string, path: string, message: string): Promise<{ status: number; echoed: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(path, base), {
      headers: { Connection: 'Upgrade', Upgrade: 'echo', Authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    req.on('upgrade', (res, socket) => {
      socket.once('data', (c: Buffer) => {
        resolve({ status: res.statusCode ?? 0, echoed: c.toString('utf8') });
        socket.destroy();
      });
      socket.write(message);
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, echoed: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}
