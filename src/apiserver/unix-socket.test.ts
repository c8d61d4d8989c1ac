// The API server's Unix domain socket: the same API as its TCP port, for clients on its machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { findResource, type ResourceInfo } from '../api/resources.js';
import { ApiError } from '../api/errors.js';
import { createClient } from '../client/client.js';
import { HttpTransport } from '../client/http.js';
import { ADMIN_TOKEN, startTestServer } from './testing.js';

const CONFIGMAPS = findResource('', 'v1', 'configmaps') as ResourceInfo;

test('a server serves its API on a Unix socket only its owner may use, and removes the socket when it closes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-socket-'));
  const socketPath = join(dir, 'apiserver.sock');
  try {
    const server = await startTestServer({ socketPath });
    assert.equal(server.socketPath, socketPath);
    assert.equal(statSync(socketPath).mode & 0o777, 0o600);
    const client = createClient(new HttpTransport({ server: 'http://localhost', socketPath, token: ADMIN_TOKEN }));
    const made = await client.resource<ConfigMap>(CONFIGMAPS, 'default').create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'over-socket' }, data: { a: 'b' } });
    assert.equal(made.metadata?.name, 'over-socket');
    // The TCP port sees the same object.
    const overTcp = await server.req('GET', '/api/v1/namespaces/default/configmaps/over-socket');
    assert.deepEqual(overTcp.json()['data'], { a: 'b' });
    // Authentication holds on the socket too.
    const anonymous = createClient(new HttpTransport({ server: 'http://localhost', socketPath }));
    await assert.rejects(anonymous.resource<ConfigMap>(CONFIGMAPS, 'default').get('over-socket'), (e: unknown) => e instanceof ApiError && e.code === 401);
    client.close();
    anonymous.close();
    await server.close();
    assert.equal(existsSync(socketPath), false, 'the socket file is gone');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a socket file nobody answers on is replaced; one another server answers on is an error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-socket-'));
  const socketPath = join(dir, 'apiserver.sock');
  try {
    // A live listener holds the path: the server does not take it over.
    const other = createServer();
    await new Promise<void>((resolve) => other.listen(socketPath, resolve));
    await assert.rejects(startTestServer({ socketPath }), /EADDRINUSE/);
    // A socket file left behind by a killed server (one that closes removes its file).
    await new Promise<void>((resolve) => other.close(() => resolve()));
    const killed = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(socketPath)}, () => console.log('listening'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await once(killed.stdout, 'data');
    killed.kill('SIGKILL');
    await once(killed, 'exit');
    assert.equal(existsSync(socketPath), true, 'a stale socket file is there');
    const server = await startTestServer({ socketPath });
    const res = await fetchVersion(socketPath);
    assert.equal(res.status, 200);
    await server.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

async function fetchVersion(socketPath: string): Promise<{ status: number }> {
  const transport = new HttpTransport({ server: 'http://localhost', socketPath, token: ADMIN_TOKEN });
  try {
    return await transport.request({ method: 'GET', path: '/version' });
  } finally {
    transport.close();
  }
}
