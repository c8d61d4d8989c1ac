// pods/ephemeralcontainers: the Pod itself, of which a write may only add ephemeral containers.
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

const PATH = '/api/v1/namespaces/default/pods';

async function createPod(name: string): Promise<Record<string, unknown>> {
  const r = await s.req('POST', PATH, { body: { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'app', image: 'busybox' }] } } });
  assert.equal(r.status, 201, r.text);
  return r.json();
}

type PodJson = Record<string, unknown> & { spec?: Record<string, unknown> & { ephemeralContainers?: Record<string, unknown>[] } };

test('a strategic merge patch adds an ephemeral container (as kubectl debug sends it), defaulted; nothing else changes', async () => {
  await createPod('dbg');
  const patch = { spec: { ephemeralContainers: [{ name: 'debugger', image: 'busybox:1.35', command: ['sh'], stdin: true, tty: true, targetContainerName: 'app' }], nodeName: 'elsewhere' } };
  const r = await s.req('PATCH', `${PATH}/dbg/ephemeralcontainers`, { body: patch, contentType: 'application/strategic-merge-patch+json' });
  assert.equal(r.status, 200, r.text);
  const pod = r.json() as PodJson;
  const ec = pod.spec?.ephemeralContainers?.[0];
  assert.equal(ec?.['name'], 'debugger');
  assert.equal(ec?.['targetContainerName'], 'app');
  assert.equal(ec?.['terminationMessagePolicy'], 'File');
  assert.equal(ec?.['imagePullPolicy'], 'IfNotPresent');
  assert.equal(pod.spec?.['nodeName'], undefined, 'only spec.ephemeralContainers is taken from the write');
  const got = (await s.req('GET', `${PATH}/dbg/ephemeralcontainers`)).json() as PodJson;
  assert.equal(got['kind'], 'Pod');
  assert.equal(got.spec?.ephemeralContainers?.length, 1);
});

test('a PUT adds another; existing ones may be neither changed nor removed; bad new ones are refused with causes', async () => {
  await createPod('put');
  const add = async (ecs: Record<string, unknown>[]) => {
    const pod = (await s.req('GET', `${PATH}/put/ephemeralcontainers`)).json() as PodJson;
    return s.req('PUT', `${PATH}/put/ephemeralcontainers`, { body: { ...pod, spec: { ...pod.spec, ephemeralContainers: ecs } } });
  };
  const first = { name: 'one', image: 'busybox:1.35', terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent' };
  assert.equal((await add([first])).status, 200);
  const second = { name: 'two', image: 'busybox:1.35', terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent' };
  const both = await add([first, second]);
  assert.equal(both.status, 200, both.text);
  assert.deepEqual(((both.json() as PodJson).spec?.ephemeralContainers ?? []).map((e) => e['name']), ['one', 'two']);

  const removed = await add([second]);
  assert.equal(removed.status, 422);
  assert.match(removed.text, /existing ephemeral containers \\"one\\" may not be removed/);
  const changed = await add([{ ...first, image: 'busybox:1.36' }, second]);
  assert.equal(changed.status, 422);
  assert.match(changed.text, /existing ephemeral containers \\"one\\" may not be changed/);

  const bad = await add([first, second, { name: 'app', image: 'busybox', ports: [{ containerPort: 80 }], targetContainerName: 'nope', resources: { limits: { cpu: '1' } } }]);
  assert.equal(bad.status, 422);
  const fields = ((bad.json()['details'] as { causes?: { field?: string }[] }).causes ?? []).map((c) => c.field).sort();
  assert.deepEqual(fields, [
    'spec.ephemeralContainers[2].name',
    'spec.ephemeralContainers[2].ports',
    'spec.ephemeralContainers[2].resources',
    'spec.ephemeralContainers[2].targetContainerName',
  ]);
});

test('the main resource may not change ephemeral containers, and a new pod may not have any', async () => {
  const pod = (await createPod('main')) as PodJson;
  const put = await s.req('PUT', `${PATH}/main`, { body: { ...pod, spec: { ...pod.spec, ephemeralContainers: [{ name: 'x', image: 'busybox', terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent' }] } } });
  assert.equal(put.status, 422);
  const create = await s.req('POST', PATH, { body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'new' }, spec: { containers: [{ name: 'a', image: 'busybox' }], ephemeralContainers: [{ name: 'x', image: 'busybox' }] } } });
  assert.equal(create.status, 422);
});
