import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import { withTestServer, type TestResponse, type TestServer } from '../testing.js';

const NS = '/api/v1/namespaces/default';
const CLASSES = '/apis/scheduling.k8s.io/v1/priorityclasses';

const withServer = withTestServer;

function priorityClass(s: TestServer, name: string, value: number, extra: Record<string, unknown> = {}): Promise<TestResponse> {
  return s.req('POST', CLASSES, { body: { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, ...extra } });
}

function pod(s: TestServer, name: string, spec: Record<string, unknown> = {}): Promise<TestResponse> {
  return s.req('POST', `${NS}/pods`, { body: { metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } } });
}

function assertForbidden(r: TestResponse, message: string): void {
  assert.equal(r.status, 403, r.text);
  assert.equal(r.json()['reason'], 'Forbidden');
  assert.equal(r.json()['message'], message);
}

test('the API server creates the system priority classes at startup', async () => {
  await withServer(async (s) => {
    const list = (await s.req('GET', CLASSES)).json().items as unknown as PriorityClass[];
    const byName = new Map(list.map((pc) => [pc.metadata?.name, pc]));
    assert.equal(byName.get('system-node-critical')?.value, 2000001000);
    assert.equal(byName.get('system-node-critical')?.description, 'Used for system critical pods that must not be moved from their current node.');
    assert.equal(byName.get('system-cluster-critical')?.value, 2000000000);
    assert.equal(byName.get('system-cluster-critical')?.preemptionPolicy, 'PreemptLowerPriority');
  });
});

test('a pod takes its class value and preemption policy; an unknown class is refused', async () => {
  await withServer(async (s) => {
    assert.equal((await priorityClass(s, 'polite', 1000, { preemptionPolicy: 'Never' })).status, 201);
    const r = await pod(s, 'p', { priorityClassName: 'polite' });
    assert.equal(r.status, 201, r.text);
    assert.equal((r.json() as Pod).spec?.priority, 1000);
    assert.equal((r.json() as Pod).spec?.preemptionPolicy, 'Never');
    const critical = await pod(s, 'node-agent', { priorityClassName: 'system-node-critical' });
    assert.equal((critical.json() as Pod).spec?.priority, 2000001000);
    assertForbidden(await pod(s, 'q', { priorityClassName: 'nope' }), 'pods "q" is forbidden: no PriorityClass with name nope was found');
  });
});

test('a priority or policy stated in the pod must equal the computed one', async () => {
  await withServer(async (s) => {
    assert.equal((await priorityClass(s, 'high', 1000)).status, 201);
    assertForbidden(
      await pod(s, 'p', { priorityClassName: 'high', priority: 5 }),
      'pods "p" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name',
    );
    assertForbidden(
      await pod(s, 'q', { priorityClassName: 'high', preemptionPolicy: 'Never' }),
      'pods "q" is forbidden: the string value of PreemptionPolicy (Never) must not be provided in pod spec; priority admission controller computed PreemptLowerPriority from the given PriorityClass name',
    );
    assert.equal((await pod(s, 'r', { priorityClassName: 'high', priority: 1000 })).status, 201);
  });
});

test('without a class name the globalDefault class applies, else priority 0', async () => {
  await withServer(async (s) => {
    const plain = (await pod(s, 'before')).json() as Pod;
    assert.equal(plain.spec?.priority, 0);
    assert.equal(plain.spec?.preemptionPolicy, 'PreemptLowerPriority');
    assert.equal(plain.spec?.priorityClassName, undefined);
    assert.equal((await priorityClass(s, 'normal', 100, { globalDefault: true })).status, 201);
    const defaulted = (await pod(s, 'after')).json() as Pod;
    assert.equal(defaulted.spec?.priorityClassName, 'normal');
    assert.equal(defaulted.spec?.priority, 100);
  });
});

test('only one PriorityClass may be the globalDefault', async () => {
  await withServer(async (s) => {
    assert.equal((await priorityClass(s, 'first', 1, { globalDefault: true })).status, 201);
    assertForbidden(
      await priorityClass(s, 'second', 2, { globalDefault: true }),
      'priorityclasses.scheduling.k8s.io "second" is forbidden: PriorityClass first is already marked as default. Only one default can exist',
    );
    assert.equal((await priorityClass(s, 'third', 3)).status, 201);
    const patch = (name: string): Promise<TestResponse> =>
      s.req('PATCH', `${CLASSES}/${name}`, { body: { globalDefault: true, description: 'd' }, contentType: 'application/merge-patch+json' });
    assertForbidden(await patch('third'), 'priorityclasses.scheduling.k8s.io "third" is forbidden: PriorityClass first is already marked as default. Only one default can exist');
    assert.equal((await patch('first')).status, 200);
  });
});
