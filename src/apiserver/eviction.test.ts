// The eviction subresource honours PodDisruptionBudgets (Kubernetes' eviction REST).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from './testing.js';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.close();
});

const pod = (name: string, ready: boolean): Record<string, unknown> => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { app: 'db' } },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
  status: ready ? { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } : { phase: 'Running' },
});

async function createPod(name: string, ready: boolean): Promise<void> {
  assert.equal((await s.req('POST', '/api/v1/namespaces/default/pods', { body: pod(name, ready) })).status, 201);
  const put = await s.req('PUT', `/api/v1/namespaces/default/pods/${name}/status`, {
    body: { ...pod(name, ready), metadata: { name, labels: { app: 'db' } } },
  });
  assert.equal(put.status, 200, put.text);
}

const evict = (name: string) =>
  s.req('POST', `/api/v1/namespaces/default/pods/${name}/eviction`, {
    body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' } },
  });

test('eviction takes a disruption from the budget, then answers 429 when none is left', async () => {
  await createPod('db-0', true);
  await createPod('db-1', true);
  const created = await s.req('POST', '/apis/policy/v1/namespaces/default/poddisruptionbudgets', {
    body: { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'db' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'db' } } } },
  });
  assert.equal(created.status, 201, created.text);
  const pdb = created.json();
  // What the disruption controller would write: 2 healthy, 1 needed, 1 disruption allowed.
  const status = await s.req('PUT', '/apis/policy/v1/namespaces/default/poddisruptionbudgets/db/status', {
    body: { ...pdb, status: { observedGeneration: 1, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2, disruptionsAllowed: 1 } },
  });
  assert.equal(status.status, 200, status.text);

  const first = await evict('db-0');
  assert.equal(first.status, 201, first.text);
  const after = (await s.req('GET', '/apis/policy/v1/namespaces/default/poddisruptionbudgets/db')).json() as { status: { disruptionsAllowed: number; disruptedPods: Record<string, string> } };
  assert.equal(after.status.disruptionsAllowed, 0);
  assert.ok(after.status.disruptedPods['db-0']);

  const second = await evict('db-1');
  assert.equal(second.status, 429, second.text);
  const body = second.json() as { reason: string; message: string; details: { causes: { reason: string; message: string }[] } };
  assert.equal(body.reason, 'TooManyRequests');
  assert.equal(body.message, "Cannot evict pod as it would violate the pod's disruption budget.");
  assert.equal(body.details.causes[0]?.reason, 'DisruptionBudget');
  assert.equal((await s.req('GET', '/api/v1/namespaces/default/pods/db-1')).status, 200, 'the pod stays');
});

test('a pod no budget covers is evicted at once', async () => {
  const r = await s.req('POST', '/api/v1/namespaces/default/pods', { body: { ...pod('free', true), metadata: { name: 'free', labels: { app: 'other' } } } });
  assert.equal(r.status, 201, r.text);
  assert.equal((await evict('free')).status, 201);
  assert.equal((await s.req('GET', '/api/v1/namespaces/default/pods/free')).status, 404);
});

test('an evicted pod is marked DisruptionTarget (EvictionByEvictionAPI) before its graceful deletion; a stale uid precondition is a conflict', async () => {
  const body = { ...pod('bound', true), metadata: { name: 'bound', labels: { app: 'other' } }, spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox' }] } };
  assert.equal((await s.req('POST', '/api/v1/namespaces/default/pods', { body })).status, 201);
  const stale = await s.req('POST', '/api/v1/namespaces/default/pods/bound/eviction', {
    body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'bound' }, deleteOptions: { preconditions: { uid: 'not-this-one' } } },
  });
  assert.equal(stale.status, 409, stale.text);
  type Conditions = { metadata: { deletionTimestamp?: string }; status: { conditions?: { type: string; status: string; reason?: string; message?: string }[] } };
  const untouched = (await s.req('GET', '/api/v1/namespaces/default/pods/bound')).json() as Conditions;
  assert.equal(untouched.status.conditions?.find((c) => c.type === 'DisruptionTarget'), undefined);

  assert.equal((await evict('bound')).status, 201);
  const evicted = (await s.req('GET', '/api/v1/namespaces/default/pods/bound')).json() as Conditions;
  assert.ok(evicted.metadata.deletionTimestamp, 'a pod on a node is deleted gracefully');
  const c = evicted.status.conditions?.find((x) => x.type === 'DisruptionTarget');
  assert.deepEqual({ status: c?.status, reason: c?.reason, message: c?.message }, { status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' });
});
