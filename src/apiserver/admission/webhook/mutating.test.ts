import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiError } from '../../../api/errors.js';
import { findResource } from '../../../api/resources.js';
import { SYSTEM_APISERVER } from '../../authn/user.js';
import { startTestServer, type TestServer } from '../../testing.js';
import type { Attributes } from './attributes.js';
import { callWebhook } from './call.js';
import { hook, registerWebhooks, startWebhookServer, type Answer, type Review, type WebhookServer } from './testing.js';
import { webhooksOf } from './webhook.js';

let api: TestServer;
let hooks: WebhookServer;

function labelsOf(review: Review): Record<string, string> {
  const m = (review.request.object?.['metadata'] ?? {}) as { labels?: Record<string, string> };
  return m.labels ?? {};
}

function answer(path: string, review: Review): Answer {
  const labels = labelsOf(review);
  switch (path) {
    case '/add-label':
      return { allowed: true, patch: [{ op: 'add', path: '/metadata/labels/mutated-by', value: 'webhook' }], warnings: ['labelled by webhook'] };
    // Reports whether it saw the label the later webhook adds.
    case '/first':
      return { allowed: true, patch: [{ op: 'add', path: '/metadata/annotations', value: { 'first-saw-second': String('second' in labels) } }] };
    case '/second':
      return { allowed: true, patch: [{ op: 'add', path: '/metadata/labels', value: { ...labels, second: 'yes' } }] };
    default:
      return { allowed: true };
  }
}

before(async () => {
  api = await startTestServer();
  hooks = await startWebhookServer(answer);
});
after(async () => {
  await hooks.close();
  await api.close();
});

const POD = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image: 'nginx' }] },
};

test('a mutating webhook adds a label with a JSON patch; the stored pod shows it and the warning reaches the client', async () => {
  await registerWebhooks(api, 'mutating', 'add-label', [
    hook('add-label.example.com', { url: hooks.url('/add-label'), caBundle: hooks.caBundle }, {
      rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
    }),
  ]);
  const created = await api.req('POST', '/api/v1/namespaces/default/pods', { body: POD });
  assert.equal(created.status, 201, created.text);
  assert.match(String(created.headers['warning']), /labelled by webhook/);
  const stored = (await api.req('GET', '/api/v1/namespaces/default/pods/p')).json() as { metadata: { labels: Record<string, string> } };
  assert.deepEqual(stored.metadata.labels, { app: 'web', 'mutated-by': 'webhook' });

  // An update that drops the label gets it back, and the webhook sees the old object.
  const updated = await api.req('PATCH', '/api/v1/namespaces/default/pods/p', {
    body: { metadata: { labels: { 'mutated-by': null } } },
    contentType: 'application/merge-patch+json',
  });
  assert.equal(updated.status, 200, updated.text);
  assert.equal((updated.json() as { metadata: { labels: Record<string, string> } }).metadata.labels['mutated-by'], 'webhook');
  const review = hooks.received.get('/add-label')?.at(-1)?.request;
  assert.equal(review?.['operation'], 'UPDATE');
  assert.equal((review?.['oldObject'] as { metadata: { name: string } }).metadata.name, 'p');
  await api.req('DELETE', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/add-label');
});

test('reinvocationPolicy IfNeeded calls a webhook again after a later one changed the object', async () => {
  const rules = [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }];
  // Configurations run in name order: "a-first" before "b-second".
  await registerWebhooks(api, 'mutating', 'a-first', [hook('first.example.com', { url: hooks.url('/first'), caBundle: hooks.caBundle }, { rules, reinvocationPolicy: 'IfNeeded' })]);
  await registerWebhooks(api, 'mutating', 'b-second', [hook('second.example.com', { url: hooks.url('/second'), caBundle: hooks.caBundle }, { rules })]);
  const res = await api.req('POST', '/api/v1/namespaces/default/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'reinvoked' } } });
  assert.equal(res.status, 201, res.text);
  const m = (res.json() as { metadata: { labels: Record<string, string>; annotations: Record<string, string> } }).metadata;
  assert.equal(m.labels['second'], 'yes');
  assert.equal(m.annotations['first-saw-second'], 'true');
  assert.equal(hooks.received.get('/first')?.length, 2);
  assert.equal(hooks.received.get('/second')?.length, 1);
  await api.req('DELETE', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/a-first');
  await api.req('DELETE', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/b-second');
});

test('a dry run is refused by a webhook that may have side effects, without calling it', async () => {
  const configmaps = findResource('', 'v1', 'configmaps');
  assert.ok(configmaps);
  const [webhook] = webhooksOf({ metadata: { name: 'side' }, webhooks: [hook('side.example.com', { url: hooks.url('/side') }, { sideEffects: 'Some' })] }, 'mutating');
  assert.ok(webhook);
  const attributes: Attributes = {
    operation: 'CREATE',
    resource: configmaps,
    requestVersion: 'v1',
    subresource: '',
    namespace: 'default',
    name: 'x',
    object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } },
    oldObject: undefined,
    options: undefined,
    dryRun: true,
    user: SYSTEM_APISERVER,
    warnings: [],
  };
  const inv = { webhook, resource: { group: '', version: 'v1', resource: 'configmaps' }, kind: { group: '', version: 'v1', kind: 'ConfigMap' } };
  await assert.rejects(callWebhook({ registries: api.registries, post: () => Promise.reject(new Error('must not be called')) }, inv, attributes, true), (err: unknown) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.code, 400);
    assert.equal(err.message, 'admission webhook "side.example.com" does not support dry run');
    return true;
  });
});
