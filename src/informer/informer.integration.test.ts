// Informers against a real API server (MemoryStorage, plain HTTP, a bearer token): ordered
// events, watches the server ends, a relist after compaction, and the shared factory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../api/object.js';
import { startApiServer, type RunningApiServer } from '../apiserver/server.js';
import { createClient, type ApiClient } from '../client/client.js';
import { HttpTransport } from '../client/http.js';
import type { ResourceClient } from '../client/resource-client.js';
import { MemoryStorage } from '../storage/memory/memory.js';
import { Informer } from './informer.js';
import { NAMESPACE_INDEX } from './indexers.js';
import type { ListerWatcher } from './reflector.js';
import { SharedInformerFactory } from './shared.js';

const TOKEN = 'informer-test-token';
const NS = 'inf';
const CONFIGMAPS = { group: '', version: 'v1', resource: 'configmaps' };

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function startServer(storage: MemoryStorage, port = 0): Promise<RunningApiServer> {
  return startApiServer({ storage, port, tokens: new Map([[TOKEN, { username: 'admin', groups: ['system:masters'] }]]) });
}

function clientFor(server: RunningApiServer): ApiClient {
  return createClient(new HttpTransport({ server: server.url, token: TOKEN }));
}

/** Counts the lists and watches an informer makes. */
function counted<T extends KubeObject>(rc: ResourceClient<T>): ListerWatcher<T> & { lists: number; watchRvs: (string | undefined)[] } {
  const source = {
    lists: 0,
    watchRvs: [] as (string | undefined)[],
    list: (o: Parameters<ResourceClient<T>['list']>[0], s: AbortSignal) => {
      source.lists++;
      return rc.list(o, s);
    },
    watch: (o: Parameters<ResourceClient<T>['watch']>[0], s: AbortSignal) => {
      source.watchRvs.push(o.resourceVersion);
      return rc.watch(o, s);
    },
  };
  return source;
}

function record(informer: Informer<KubeObject>): string[] {
  const log: string[] = [];
  informer.addEventHandler({
    onAdd: (o) => log.push(`add ${o.metadata?.name ?? ''}`),
    onUpdate: (a, b) => log.push(`update ${b.metadata?.name ?? ''} ${JSON.stringify(a['data'] ?? {})}->${JSON.stringify(b['data'] ?? {})}`),
    onDelete: (o, i) => log.push(`delete ${o.metadata?.name ?? ''}${i.finalStateUnknown ? ' (final state unknown)' : ''}`),
  });
  return log;
}

test('an informer sees adds, updates and deletes in order, and survives the server ending its watches', { timeout: 20_000 }, async (t) => {
  const storage = new MemoryStorage();
  const server = await startServer(storage);
  const client = clientFor(server);
  const ac = new AbortController();
  t.after(async () => {
    ac.abort();
    client.close();
    await server.close();
    await storage.close();
  });
  await client.resource({ group: '', version: 'v1', resource: 'namespaces' }).create({ metadata: { name: NS } });
  const cms = client.resource<KubeObject>(CONFIGMAPS, NS);
  await cms.create({ metadata: { name: 'before' }, data: { v: '0' } });

  // timeoutSeconds = 1: the server ends every watch after a second.
  const source = counted(cms);
  const informer = new Informer<KubeObject>({ name: 'configmaps', source, minWatchTimeoutSeconds: 1, backoff: { initialMs: 10, maxMs: 50 } });
  const log = record(informer);
  const running = informer.run(ac.signal);
  assert.equal(await informer.waitForSync(ac.signal), true);
  assert.deepEqual(log, ['add before']);

  await cms.create({ metadata: { name: 'a' }, data: { v: '1' } });
  await cms.patch('a', 'merge', { data: { v: '2' } });
  await cms.create({ metadata: { name: 'b' } });
  await cms.delete('a');
  await until(() => log.length === 5, 'four events');
  assert.deepEqual(log.slice(1), ['add a', 'update a {"v":"1"}->{"v":"2"}', 'add b', 'delete a']);
  assert.deepEqual(informer.cache.keys().sort(), [`${NS}/b`, `${NS}/before`]);

  const lastSeenBeforeEnd = informer.lastResourceVersion ?? '';
  await until(() => source.watchRvs.length >= 2, 'the server to end the first watch (timeoutSeconds=1)');
  await cms.patch('b', 'merge', { data: { after: 'rewatch' } });
  await until(() => log.length === 6, 'the event after the re-watch');
  assert.equal(log[5], 'update b {}->{"after":"rewatch"}');
  assert.equal(source.lists, 1, 'ended watches resume without relisting');
  const rewatchFrom = Number(source.watchRvs[1]);
  assert.ok(rewatchFrom >= Number(lastSeenBeforeEnd), `the re-watch resumes at or after the last event seen (${rewatchFrom})`);
  ac.abort();
  await running;
});

test('after a server restart past a compaction, the informer relists and reports what changed, with synthetic deletes', { timeout: 20_000 }, async (t) => {
  const storage = new MemoryStorage();
  let server = await startServer(storage);
  const port = server.port;
  const setupClient = clientFor(server);
  const ac = new AbortController();
  const informerClient = clientFor(server);
  t.after(async () => {
    ac.abort();
    informerClient.close();
    await server.close();
    await storage.close();
  });
  await setupClient.resource({ group: '', version: 'v1', resource: 'namespaces' }).create({ metadata: { name: NS } });
  const cms = setupClient.resource<KubeObject>(CONFIGMAPS, NS);
  for (const name of ['stays', 'changes', 'goes']) await cms.create({ metadata: { name }, data: { v: '1' } });
  setupClient.close();

  const source = counted(informerClient.resource<KubeObject>(CONFIGMAPS, NS));
  const informer = new Informer<KubeObject>({ name: 'configmaps', source, backoff: { initialMs: 10, maxMs: 50 } });
  const log = record(informer);
  const running = informer.run(ac.signal);
  await informer.waitForSync(ac.signal);
  await until(() => source.watchRvs.length === 1, 'the first watch');
  log.length = 0;

  // While the informer cannot reach the API server, another server on the same storage changes
  // things and the history is compacted: the informer's resourceVersion is gone for good.
  await server.close();
  const other = await startServer(storage);
  const otherClient = clientFor(other);
  const otherCms = otherClient.resource<KubeObject>(CONFIGMAPS, NS);
  await otherCms.delete('goes');
  await otherCms.patch('changes', 'merge', { data: { v: '2' } });
  await otherCms.create({ metadata: { name: 'new' } });
  await storage.compact(await storage.currentRevision());
  otherClient.close();
  await other.close();
  server = await startServer(storage, port);

  await until(() => source.lists === 2 && log.length === 3, 'the relist after 410');
  assert.deepEqual(log.sort(), ['add new', 'delete goes (final state unknown)', 'update changes {"v":"1"}->{"v":"2"}']);
  assert.deepEqual(informer.cache.keys().sort(), [`${NS}/changes`, `${NS}/new`, `${NS}/stays`]);

  // And it keeps watching from the relist.
  const after = clientFor(server);
  await after.resource<KubeObject>(CONFIGMAPS, NS).delete('stays');
  await until(() => log.length === 4, 'the delete after the relist');
  assert.equal(log[3], 'delete stays');
  after.close();
  ac.abort();
  await running;
});

test('a SharedInformerFactory gives every caller the same informer, with their indexers added', { timeout: 20_000 }, async (t) => {
  const storage = new MemoryStorage();
  const server = await startServer(storage);
  const client = clientFor(server);
  const ac = new AbortController();
  t.after(async () => {
    ac.abort();
    client.close();
    await server.close();
    await storage.close();
  });
  await client.resource({ group: '', version: 'v1', resource: 'namespaces' }).create({ metadata: { name: NS } });
  await client.resource<ConfigMap>(CONFIGMAPS, NS).create({ metadata: { name: 'x', labels: { team: 'blue' } } });

  const factory = new SharedInformerFactory(client);
  const first = factory.informerFor<ConfigMap>(CONFIGMAPS);
  const second = factory.informerFor<ConfigMap>(CONFIGMAPS, { indexers: { team: (o) => (o.metadata?.labels?.['team'] ? [o.metadata.labels['team']] : []) } });
  assert.equal(first, second);
  factory.start(ac.signal);
  assert.equal(await factory.waitForSync(ac.signal), true);
  assert.deepEqual(first.cache.byIndex('team', 'blue').map((o) => o.metadata?.name), ['x']);
  assert.deepEqual(first.cache.byIndex(NAMESPACE_INDEX, NS).map((o) => o.metadata?.name), ['x']);

  // Asked for after start: runs at once.
  const namespaces = factory.informerFor({ group: '', version: 'v1', resource: 'namespaces' });
  assert.equal(await namespaces.waitForSync(ac.signal), true);
  assert.ok(namespaces.cache.get(NS));
  ac.abort();
  await factory.stopped();
});
