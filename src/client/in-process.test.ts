// The in-process transport against a real API server: the same verbs, errors and watches as
// over HTTP, through the server's own request listener.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Server } from 'node:http';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../api/errors.js';
import { findResource } from '../api/resources.js';
import { startApiServer, type RunningApiServer } from '../apiserver/server.js';
import { SharedInformerFactory } from '../informer/shared.js';
import { createLogger } from '../log.js';
import { MemoryStorage } from '../storage/memory/memory.js';
import { createClient, type ApiClient, type WatchEvent } from './client.js';
import { InProcessTransport, type RequestListener } from './in-process.js';

const TOKEN = 'in-process-test-token';
const NS = 'in-process';
let server: RunningApiServer;
let storage: MemoryStorage;
let handler: RequestListener;
let client: ApiClient;

/**
 * The server's request listener: `handle` when RunningApiServer exposes it, else the listener
 * of the node HTTP server that answers one request (found through node's documented
 * `http.server.request.start` diagnostics channel).
 */
async function requestListenerOf(api: RunningApiServer): Promise<RequestListener> {
  if ('handle' in api && typeof api.handle === 'function') return api.handle as RequestListener;
  let found: Server | undefined;
  const onStart = (message: unknown): void => {
    const s = (message as { server?: Server }).server;
    if (s && s.address() !== null && typeof s.address() === 'object' && (s.address() as { port: number }).port === api.port) found = s;
  };
  subscribe('http.server.request.start', onStart);
  try {
    await (await fetch(`${api.url}/version`)).arrayBuffer();
  } finally {
    unsubscribe('http.server.request.start', onStart);
  }
  const listener = found?.listeners('request')[0];
  if (typeof listener !== 'function') throw new Error('no request listener found');
  return listener as RequestListener;
}

const configMaps = findResource('', 'v1', 'configmaps') ?? assert.fail('configmaps');

before(async () => {
  storage = new MemoryStorage();
  server = await startApiServer({ storage, port: 0, tokens: new Map([[TOKEN, { username: 'admin', groups: ['system:masters'] }]]) });
  handler = await requestListenerOf(server);
  client = createClient(new InProcessTransport({ handler, token: TOKEN }));
  await client.resource(findResource('', 'v1', 'namespaces') ?? assert.fail('namespaces')).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
});

after(async () => {
  client.close();
  await server.close();
  await storage.close();
});

test('create, get, list, patch and delete go through the API server', async () => {
  const cms = client.resource<ConfigMap>(configMaps, NS);
  const created = await cms.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'one', labels: { app: 'x' } }, data: { a: '1' } });
  assert.ok(created.metadata?.uid);
  assert.equal(created.metadata?.namespace, NS);
  assert.deepEqual((await cms.get('one')).data, { a: '1' });
  assert.deepEqual((await cms.list({ labelSelector: 'app=x' })).items.map((c) => c.metadata?.name), ['one']);
  const patched = await cms.patch('one', 'strategic', { data: { b: '2' } });
  assert.deepEqual(patched.data, { a: '1', b: '2' });
  const applied = await cms.patch('applied', 'apply', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied' }, data: { k: 'v' } }, { fieldManager: 'test' });
  assert.equal(applied.metadata?.managedFields?.[0]?.manager, 'test');
  const deleted = await cms.delete('one');
  assert.equal(deleted.kind === 'object' ? deleted.object.metadata?.name : deleted.status.details?.name, 'one');
  await assert.rejects(cms.get('one'), (e: unknown) => e instanceof ApiError && e.code === 404 && e.reason === 'NotFound');
});

test('non-2xx answers are Status bodies that become ApiError', async () => {
  const cms = client.resource<ConfigMap>(configMaps, NS);
  await cms.create({ metadata: { name: 'dup' } });
  await assert.rejects(cms.create({ metadata: { name: 'dup' } }), (e: unknown) => e instanceof ApiError && e.reason === 'AlreadyExists' && e.code === 409);
  await assert.rejects(cms.create({ metadata: { name: 'Bad_Name' } }), (e: unknown) => e instanceof ApiError && e.code === 422);
  const raw = await client.transport.request({ method: 'GET', path: `/api/v1/namespaces/${NS}/configmaps/missing` });
  assert.equal(raw.status, 404);
  assert.equal(raw.headers['content-type'], 'application/json');
  assert.equal((JSON.parse(Buffer.from(raw.body).toString('utf8')) as { kind: string }).kind, 'Status');
});

test('requests without the token are unauthenticated, as over HTTP', async () => {
  const anonymous = createClient(new InProcessTransport({ handler }));
  await assert.rejects(anonymous.resource(configMaps, NS).list(), (e: unknown) => e instanceof ApiError && e.code === 401);
  const version = await anonymous.transport.request({ method: 'GET', path: '/version' });
  assert.equal(version.status, 200);
});

test('watch streams events in order and stops when the signal aborts', async () => {
  const cms = client.resource<ConfigMap>(configMaps, NS);
  const start = await cms.list();
  const stop = new AbortController();
  const seen: WatchEvent<ConfigMap>[] = [];
  const done = (async () => {
    for await (const ev of cms.watch({ resourceVersion: start.metadata.resourceVersion }, stop.signal)) {
      seen.push(ev);
      if (seen.length === 3) stop.abort();
    }
  })();
  await cms.create({ metadata: { name: 'w' }, data: { v: '1' } });
  await cms.patch('w', 'merge', { data: { v: '2' } });
  await cms.delete('w');
  await done;
  assert.deepEqual(
    seen.map((e) => [e.type, e.type === 'ERROR' ? '' : e.object.metadata?.name]),
    [['ADDED', 'w'], ['MODIFIED', 'w'], ['DELETED', 'w']],
  );
});

test('a watch with a bad resourceVersion rejects with the Status error', async () => {
  const cms = client.resource<ConfigMap>(configMaps, NS);
  const stop = new AbortController();
  await assert.rejects(
    (async () => {
      for await (const ev of cms.watch({ resourceVersion: 'nope' }, stop.signal)) void ev;
    })(),
    (e: unknown) => e instanceof ApiError && e.code === 400,
  );
});

test('close() ends open watches', async () => {
  const transport = new InProcessTransport({ handler, token: TOKEN });
  const c = createClient(transport);
  const stop = new AbortController();
  const ended = (async () => {
    for await (const ev of c.resource(configMaps, NS).watch({}, stop.signal)) void ev;
  })();
  // The initial ADDED events arrive first; closing must end the stream without waiting for more.
  await c.resource(configMaps, NS).list();
  transport.close();
  await assert.rejects(ended, /ended before it was complete/);
});

test('informers list and watch through it', async () => {
  const informers = new SharedInformerFactory(client, { log: createLogger('test', { level: 'error' }) });
  const informer = informers.informerFor<ConfigMap>(configMaps);
  const stop = new AbortController();
  informers.start(stop.signal);
  try {
    assert.equal(await informer.waitForSync(stop.signal), true);
    await client.resource<ConfigMap>(configMaps, NS).create({ metadata: { name: 'seen-by-informer' } });
    const deadline = Date.now() + 10_000;
    while (!informer.cache.get(`${NS}/seen-by-informer`)) {
      if (Date.now() > deadline) assert.fail('the informer never saw the new ConfigMap');
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    stop.abort();
    await informers.stopped();
  }
});
