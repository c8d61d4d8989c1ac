import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './testing.js';

let s: TestServer;
before(async () => {
  s = await startTestServer();
  await s.req('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'd' } } });
});
after(async () => {
  await s.close();
});

const pods = '/api/v1/namespaces/d/pods';
const pod = (name: string, nodeName?: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'busybox' }], terminationGracePeriodSeconds: 30, ...(nodeName ? { nodeName } : {}) },
});

test('a pod without a node is deleted at once and the pod is returned', async () => {
  assert.equal((await s.req('POST', pods, { body: pod('p0') })).status, 201);
  const del = await s.req('DELETE', `${pods}/p0`, { body: { propagationPolicy: 'Background' } });
  assert.equal(del.status, 200);
  assert.equal(del.json()['kind'], 'Pod');
  assert.equal((await s.req('GET', `${pods}/p0`)).status, 404);
});

test('a pod on a node is deleted gracefully; grace period 0 finishes the deletion', async () => {
  const created = await s.req('POST', pods, { body: pod('p1', 'node-a') });
  assert.equal(created.status, 201, created.text);
  const del = await s.req('DELETE', `${pods}/p1`);
  assert.equal(del.status, 200);
  const meta = del.json().metadata as { deletionTimestamp?: string; deletionGracePeriodSeconds?: number };
  assert.ok(meta.deletionTimestamp);
  assert.equal(meta.deletionGracePeriodSeconds, 30);
  assert.equal((await s.req('GET', `${pods}/p1`)).status, 200);
  const again = await s.req('DELETE', `${pods}/p1`);
  assert.equal(again.status, 200);
  const final = await s.req('DELETE', `${pods}/p1`, { body: { gracePeriodSeconds: 0 } });
  assert.equal(final.status, 200);
  assert.equal((await s.req('GET', `${pods}/p1`)).status, 404);
});

test('binding assigns a node once', async () => {
  await s.req('POST', `${pods}?fieldManager=maker`, { body: pod('p2') });
  const managed = (o: Record<string, unknown>): unknown => (o['metadata'] as { managedFields?: unknown }).managedFields;
  const before = (await s.req('GET', `${pods}/p2`)).json();
  assert.ok(Array.isArray(managed(before)) && (managed(before) as unknown[]).length === 1);
  const bind = await s.req('POST', `${pods}/p2/binding?fieldManager=scheduler`, {
    body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p2' }, target: { kind: 'Node', name: 'node-b' } },
  });
  assert.equal(bind.status, 201, bind.text);
  const got = (await s.req('GET', `${pods}/p2`)).json();
  assert.equal((got['spec'] as { nodeName: string }).nodeName, 'node-b');
  // As in Kubernetes, the assignment is made past the field manager: managedFields stay as created.
  assert.deepEqual(managed(got), managed(before));
  const twice = await s.req('POST', `${pods}/p2/binding`, {
    body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p2' }, target: { kind: 'Node', name: 'node-c' } },
  });
  assert.equal(twice.status, 409);
});

test('eviction deletes the pod', async () => {
  await s.req('POST', pods, { body: pod('p3') });
  const ev = await s.req('POST', `${pods}/p3/eviction`, { body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'p3' } } });
  assert.equal(ev.status, 201, ev.text);
  assert.equal((await s.req('GET', `${pods}/p3`)).status, 404);
});

test('finalizers hold an object until they are removed', async () => {
  const base = '/api/v1/namespaces/d/configmaps';
  await s.req('POST', base, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'f', finalizers: ['example.com/hold'] } } });
  const del = await s.req('DELETE', `${base}/f`);
  assert.equal(del.status, 200);
  const held = del.json();
  assert.ok((held.metadata as { deletionTimestamp?: string }).deletionTimestamp);
  const cur = (await s.req('GET', `${base}/f`)).json();
  const cleared = await s.req('PUT', `${base}/f`, { body: { ...cur, metadata: { ...(cur.metadata as object), finalizers: [] } } });
  assert.equal(cleared.status, 200, cleared.text);
  assert.equal((await s.req('GET', `${base}/f`)).status, 404);
});

test('Foreground and Orphan propagation leave their finalizers; preconditions are checked', async () => {
  const base = '/api/v1/namespaces/d/configmaps';
  const created = (await s.req('POST', base, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fg' } } })).json();
  const wrong = await s.req('DELETE', `${base}/fg`, { body: { preconditions: { uid: 'not-the-uid' } } });
  assert.equal(wrong.status, 409);
  const del = await s.req('DELETE', `${base}/fg`, {
    body: { propagationPolicy: 'Foreground', preconditions: { uid: (created.metadata as { uid: string }).uid } },
  });
  assert.equal(del.status, 200);
  assert.deepEqual((del.json().metadata as { finalizers: string[] }).finalizers, ['foregroundDeletion']);
  await s.req('POST', base, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'or' } } });
  const orphan = await s.req('DELETE', `${base}/or?propagationPolicy=Orphan`);
  assert.deepEqual((orphan.json().metadata as { finalizers: string[] }).finalizers, ['orphan']);
});

test('a terminating namespace refuses new content; finalize then delete removes it', async () => {
  await s.req('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gone' } } });
  const del = await s.req('DELETE', '/api/v1/namespaces/gone');
  assert.equal(del.status, 200);
  assert.equal((del.json()['status'] as { phase: string }).phase, 'Terminating');
  const refused = await s.req('POST', '/api/v1/namespaces/gone/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } } });
  assert.equal(refused.status, 403);
  assert.match(String(refused.json()['message']), /because it is being terminated/);
  const ns = (await s.req('GET', '/api/v1/namespaces/gone')).json();
  const fin = await s.req('PUT', '/api/v1/namespaces/gone/finalize', { body: { ...ns, spec: { finalizers: [] } } });
  assert.equal(fin.status, 200, fin.text);
  // With no finalizers left the namespace goes; a further DELETE (the namespace controller's) is harmless.
  const last = await s.req('DELETE', '/api/v1/namespaces/gone');
  assert.ok(last.status === 200 || last.status === 404);
  assert.equal((await s.req('GET', '/api/v1/namespaces/gone')).status, 404);
  const immortal = await s.req('DELETE', '/api/v1/namespaces/default');
  assert.equal(immortal.status, 403);
});

test('deletecollection removes the selected objects', async () => {
  const base = '/api/v1/namespaces/d/secrets';
  for (const n of ['s1', 's2', 's3']) {
    await s.req('POST', base, { body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: n, labels: { del: n === 's3' ? 'no' : 'yes' } } } });
  }
  const r = await s.req('DELETE', `${base}?labelSelector=del%3Dyes`);
  assert.equal(r.status, 200, r.text);
  const left = (await s.req('GET', base)).json();
  assert.deepEqual(left.items?.map((i) => (i['metadata'] as { name: string }).name), ['s3']);
});
