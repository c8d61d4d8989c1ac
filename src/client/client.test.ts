// The typed client over HTTP against a real API server (MemoryStorage, plain HTTP, a token).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import { findResource } from '../api/resources.js';
import { resolveTarget } from './resource-client.js';
import { startApiServer, type RunningApiServer } from '../apiserver/server.js';
import { writeKubeconfig } from '../pki/kubeconfig.js';
import { ensurePki } from '../pki/pki.js';
import { MemoryStorage } from '../storage/memory/memory.js';
import { createClient, type ApiClient } from './client.js';
import { clientFromKubeconfig, HttpTransport } from './http.js';
import type { ResourceClient } from './resource-client.js';
import { apiErrorFromResponse } from './status.js';

const TOKEN = 'client-test-token';
const NS = 'client-test';
let server: RunningApiServer;
let storage: MemoryStorage;
let client: ApiClient;

const configMaps = (): ResourceClient<KubeObject> => client.resource<KubeObject>({ group: '', version: 'v1', resource: 'configmaps' }, NS);

before(async () => {
  storage = new MemoryStorage();
  server = await startApiServer({ storage, port: 0, tokens: new Map([[TOKEN, { username: 'admin', groups: ['system:masters'] }]]) });
  client = createClient(new HttpTransport({ server: server.url, token: TOKEN }));
  await client.resource({ group: '', version: 'v1', resource: 'namespaces' }).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
});

after(async () => {
  client.close();
  await server.close();
  await storage.close();
});

test('create, get, list, update, patch (merge, json, strategic, apply) and delete a ConfigMap', async () => {
  const cms = client.resource<ConfigMap>(findResource('', 'v1', 'configmaps') ?? assert.fail('no configmaps'), NS);
  const created = await cms.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'one', labels: { app: 'x' } }, data: { a: '1' } });
  assert.equal(created.metadata?.namespace, NS);
  assert.ok(created.metadata?.uid);
  const got = await cms.get('one');
  assert.deepEqual(got.data, { a: '1' });

  const list = await cms.list({ labelSelector: 'app=x' });
  assert.deepEqual(list.items.map((i) => i.metadata?.name), ['one']);
  assert.ok(list.metadata.resourceVersion);
  assert.equal((await cms.list({ labelSelector: 'app=nope' })).items.length, 0);

  const updated = await cms.update({ ...got, data: { a: '2' } });
  assert.deepEqual(updated.data, { a: '2' });
  const merged = await cms.patch('one', 'merge', { data: { b: '3' } });
  assert.deepEqual(merged.data, { a: '2', b: '3' });
  const jsonPatched = await cms.patch('one', 'json', [{ op: 'remove', path: '/data/a' }]);
  assert.deepEqual(jsonPatched.data, { b: '3' });
  const strategic = await cms.patch('one', 'strategic', { metadata: { labels: { tier: 'web' } } });
  assert.deepEqual(strategic.metadata?.labels, { app: 'x', tier: 'web' });
  const applied = await cms.patch('applied', 'apply', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied' }, data: { k: 'v' } }, { fieldManager: 'test' });
  assert.deepEqual(applied.data, { k: 'v' });
  assert.equal(applied.metadata?.managedFields?.[0]?.manager, 'test');

  const dry = await cms.create({ metadata: { name: 'dry' } }, { dryRun: true });
  assert.equal(dry.metadata?.name, 'dry');
  await assert.rejects(cms.get('dry'), (e: unknown) => e instanceof ApiError && e.code === 404);

  const deleted = await cms.delete('one');
  assert.equal(deleted.kind === 'object' ? deleted.object.metadata?.name : deleted.status.details?.name, 'one');
  await assert.rejects(cms.get('one'), (e: unknown) => e instanceof ApiError && e.reason === 'NotFound');
});

test('non-2xx answers become ApiError with the Status reason, code and details', async () => {
  const cms = configMaps();
  await cms.create({ metadata: { name: 'dup' } });
  await assert.rejects(cms.create({ metadata: { name: 'dup' } }), (e: unknown) => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.reason, 'AlreadyExists');
    assert.equal(e.code, 409);
    assert.equal(e.details?.name, 'dup');
    return true;
  });
  const current = await cms.get('dup');
  await cms.update({ ...current, data: { x: '1' } });
  await assert.rejects(cms.update({ ...current, data: { x: '2' } }), (e: unknown) => e instanceof ApiError && e.reason === 'Conflict');
  await assert.rejects(cms.create({ metadata: { name: 'Bad_Name' } }), (e: unknown) => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.code, 422);
    assert.equal(e.reason, 'Invalid');
    assert.ok((e.details?.causes ?? []).some((c) => c.field === 'metadata.name'));
    return true;
  });
  const stranger = createClient(new HttpTransport({ server: server.url, token: 'wrong' }));
  await assert.rejects(stranger.resource({ group: '', version: 'v1', resource: 'configmaps' }, NS).list(), (e: unknown) => e instanceof ApiError && e.code === 401);
  stranger.close();
  await assert.rejects(cms.delete('dup', { preconditions: { uid: 'not-the-uid' } }), (e: unknown) => e instanceof ApiError && e.code === 409);
});

test('a body that is not a Status still gives an ApiError for the HTTP code', () => {
  const e = apiErrorFromResponse(503, Buffer.from('upstream unavailable'));
  assert.equal(e.reason, 'ServiceUnavailable');
  assert.equal(e.code, 503);
  assert.equal(e.message, 'upstream unavailable');
});

test('list pages with limit and continue', async () => {
  const cms = configMaps();
  for (const n of ['p1', 'p2', 'p3']) await cms.create({ metadata: { name: n, labels: { paged: 'yes' } } });
  const first = await cms.list({ labelSelector: 'paged=yes', limit: 2 });
  assert.equal(first.items.length, 2);
  assert.ok(first.metadata.continue);
  const second = await cms.list({ labelSelector: 'paged=yes', limit: 2, continue: first.metadata.continue });
  assert.deepEqual(second.items.map((i) => i.metadata?.name), ['p3']);
  assert.equal(second.metadata.continue ?? '', '');
});

test('watch streams events from a resourceVersion and ends with the signal', async () => {
  const cms = configMaps();
  const rv = (await cms.list()).metadata.resourceVersion;
  const ac = new AbortController();
  const seen: string[] = [];
  const reading = (async () => {
    for await (const ev of cms.watch({ resourceVersion: rv }, ac.signal)) {
      seen.push(`${ev.type} ${ev.type === 'ERROR' ? '' : (ev.object.metadata?.name ?? '')}`);
      if (seen.length === 3) ac.abort();
    }
  })();
  await cms.create({ metadata: { name: 'w1' } });
  await cms.patch('w1', 'merge', { data: { a: 'b' } });
  await cms.delete('w1');
  await reading;
  assert.deepEqual(seen, ['ADDED w1', 'MODIFIED w1', 'DELETED w1']);
});

test('a watch the server refuses rejects with the ApiError', async () => {
  const cms = configMaps();
  const ac = new AbortController();
  await assert.rejects(
    (async () => {
      for await (const _ of cms.watch({ resourceVersion: 'not-a-number' }, ac.signal)) break;
    })(),
    (e: unknown) => e instanceof ApiError && e.code === 400,
  );
});

test('clientFromKubeconfig reads server and token from the current context', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-kubeconfig-'));
  try {
    const path = join(dir, 'config');
    writeFileSync(
      path,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: test',
        `clusters: [{name: c, cluster: {server: "${server.url}"}}]`,
        `users: [{name: u, user: {token: ${TOKEN}}}]`,
        `contexts: [{name: test, context: {cluster: c, user: u, namespace: ${NS}}}]`,
      ].join('\n'),
    );
    const fromFile = clientFromKubeconfig(path);
    const ns = await fromFile.resource({ group: '', version: 'v1', resource: 'namespaces' }).get(NS);
    assert.equal(ns.metadata?.name, NS);
    fromFile.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('updateStatus writes the status subresource; update leaves status alone', async () => {
  const deployments = client.resource<Deployment>({ group: 'apps', version: 'v1', resource: 'deployments' }, NS);
  const d = await deployments.create({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  });
  const withStatus = await deployments.updateStatus({ ...d, status: { observedGeneration: 1, replicas: 3 } });
  assert.equal(withStatus.status?.replicas, 3);
  const viaUpdate = await deployments.update({ ...withStatus, status: { replicas: 9 } });
  assert.equal(viaUpdate.status?.replicas, 3, 'the main resource ignores status changes');
  const patched = await deployments.patch('web', 'merge', { status: { replicas: 4 } }, { subresource: 'status' });
  assert.equal(patched.status?.replicas, 4);
});

test('HTTPS with a CA and a client certificate, from a kubeconfig file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-tls-'));
  const tlsStorage = new MemoryStorage();
  try {
    const pki = ensurePki(dir, { altNames: ['127.0.0.1', 'localhost'] });
    const tlsServer = await startApiServer({
      storage: tlsStorage,
      port: 0,
      tls: { cert: pki.servingCert, key: pki.servingKey, clientCA: pki.caCert },
    });
    try {
      const path = join(dir, 'admin.kubeconfig');
      writeKubeconfig(path, { name: 'k8ts', server: tlsServer.url, caCert: pki.caCert, clientCert: pki.adminCert, clientKey: pki.adminKey });
      const tlsClient = clientFromKubeconfig(path);
      const ns = await tlsClient.resource({ group: '', version: 'v1', resource: 'namespaces' }).get('default');
      assert.equal(ns.metadata?.name, 'default');
      tlsClient.close();
      const noCert = createClient(new HttpTransport({ server: tlsServer.url, ca: pki.caCert }));
      await assert.rejects(noCert.resource({ group: '', version: 'v1', resource: 'namespaces' }).get('default'), (e: unknown) => e instanceof ApiError && e.code === 401);
      noCert.close();
      const untrusting = createClient(new HttpTransport({ server: tlsServer.url, cert: pki.adminCert, key: pki.adminKey }));
      await assert.rejects(untrusting.resource({ group: '', version: 'v1', resource: 'namespaces' }).get('default'), /certificate/);
      untrusting.close();
    } finally {
      await tlsServer.close();
    }
  } finally {
    await tlsStorage.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a resource named at a version other than its stored one is asked for at the named version', () => {
  assert.deepEqual(resolveTarget({ group: 'autoscaling', version: 'v1', resource: 'horizontalpodautoscalers' }), {
    group: 'autoscaling',
    version: 'v1',
    plural: 'horizontalpodautoscalers',
    namespaced: true,
  });
  assert.equal(resolveTarget({ group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers' }).version, 'v2');
});
