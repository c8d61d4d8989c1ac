import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpTransport } from './http.js';

// A server that answers every request with the request line it received.
let server: Server;
let port = 0;
before(async () => {
  server = createServer((req, res) => res.end(JSON.stringify({ method: req.method, url: req.url })));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
after(() => new Promise<void>((r) => server.close(() => r())));

async function sent(base: string, path: string, query?: Record<string, string | undefined>): Promise<string> {
  const t = new HttpTransport({ server: base });
  try {
    const res = await t.request({ method: 'GET', path, ...(query ? { query } : {}) });
    return (JSON.parse(Buffer.from(res.body).toString()) as { url: string }).url;
  } finally {
    t.close();
  }
}

test('request paths: prefix of the server URL kept, query encoded, unusual characters escaped as a URL would', async () => {
  const base = `http://127.0.0.1:${port}`;
  assert.equal(await sent(base, '/api/v1/namespaces/default/pods'), '/api/v1/namespaces/default/pods');
  assert.equal(await sent(`${base}/prefix/`, '/api/v1/pods'), '/prefix/api/v1/pods');
  assert.equal(
    await sent(base, '/api/v1/pods', { labelSelector: 'app in (a,b)', fieldSelector: undefined, limit: '5' }),
    '/api/v1/pods?labelSelector=app+in+%28a%2Cb%29&limit=5',
  );
  assert.equal(await sent(base, '/api/v1/nodes/n/proxy/a b%2Fc'), '/api/v1/nodes/n/proxy/a%20b%2Fc');
});
