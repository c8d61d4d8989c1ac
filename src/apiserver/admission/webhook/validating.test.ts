import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../../testing.js';
import { hook, registerWebhooks, startWebhookServer, type Answer, type Review, type WebhookServer } from './testing.js';

let api: TestServer;
let hooks: WebhookServer;

/** Refuses configmaps holding the key "forbidden"; every other request is allowed. */
function answer(path: string, review: Review): Answer {
  if (path === '/hang') return 'hang';
  const data = (review.request.object?.['data'] ?? {}) as Record<string, string>;
  if (path === '/deny-key' && 'forbidden' in data) return { allowed: false, status: { message: 'the key "forbidden" is not allowed' } };
  if (path === '/deny-all') return { allowed: false, status: { code: 403, reason: 'Forbidden', message: 'no writes today' }, warnings: ['deny-all saw it'] };
  return { allowed: true, warnings: path === '/warn' ? ['configmaps are watched'] : [] };
}

before(async () => {
  api = await startTestServer();
  hooks = await startWebhookServer(answer);
});
after(async () => {
  await hooks.close();
  await api.close();
});

function configMap(name: string, data: Record<string, string>, labels: Record<string, string> = {}): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data };
}

async function createNamespace(name: string, labels: Record<string, string>): Promise<void> {
  const res = await api.req('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } } });
  assert.equal(res.status, 201, res.text);
}

test('a validating webhook refuses a configmap with a given key, with its message; others pass and it sees the request', async () => {
  await registerWebhooks(api, 'validating', 'deny-key', [hook('deny-key.example.com', { url: hooks.url('/deny-key'), caBundle: hooks.caBundle })]);
  const denied = await api.req('POST', '/api/v1/namespaces/default/configmaps', { body: configMap('bad', { forbidden: 'x' }) });
  assert.equal(denied.status, 400);
  const status = denied.json();
  assert.equal(status['message'], 'admission webhook "deny-key.example.com" denied the request: the key "forbidden" is not allowed');
  assert.equal((await api.req('GET', '/api/v1/namespaces/default/configmaps/bad')).status, 404);

  const ok = await api.req('POST', '/api/v1/namespaces/default/configmaps', { body: configMap('good', { fine: 'x' }) });
  assert.equal(ok.status, 201, ok.text);
  const review = hooks.received.get('/deny-key')?.at(-1)?.request;
  assert.ok(review);
  assert.equal(review['operation'], 'CREATE');
  assert.equal(review['name'], 'good');
  assert.equal(review['namespace'], 'default');
  assert.deepEqual(review['kind'], { group: '', version: 'v1', kind: 'ConfigMap' });
  assert.deepEqual(review['resource'], { group: '', version: 'v1', resource: 'configmaps' });
  assert.deepEqual(review['requestResource'], { group: '', version: 'v1', resource: 'configmaps' });
  assert.equal((review['userInfo'] as { username: string }).username, 'admin');
  assert.equal(review['dryRun'], false);
  assert.equal((review['options'] as { kind: string }).kind, 'CreateOptions');
  await api.req('DELETE', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/deny-key');
});

test("a refusal keeps the webhook's code and reason; warnings of an allowing webhook reach the client", async () => {
  await createNamespace('deny-all', { purpose: 'deny' });
  await registerWebhooks(api, 'validating', 'deny-all', [
    hook('deny-all.example.com', { url: hooks.url('/deny-all'), caBundle: hooks.caBundle }, { namespaceSelector: { matchLabels: { purpose: 'deny' } } }),
    hook('warn.example.com', { url: hooks.url('/warn'), caBundle: hooks.caBundle }, { namespaceSelector: { matchLabels: { purpose: 'warn' } } }),
  ]);
  const denied = await api.req('POST', '/api/v1/namespaces/deny-all/configmaps', { body: configMap('a', {}) });
  assert.equal(denied.status, 403);
  assert.equal(denied.json()['reason'], 'Forbidden');
  assert.equal(denied.json()['message'], 'admission webhook "deny-all.example.com" denied the request: no writes today');

  await createNamespace('warned', { purpose: 'warn' });
  const warned = await api.req('POST', '/api/v1/namespaces/warned/configmaps', { body: configMap('a', {}) });
  assert.equal(warned.status, 201, warned.text);
  assert.match(String(warned.headers['warning']), /configmaps are watched/);
  // Neither selector matches the default namespace.
  assert.equal((await api.req('POST', '/api/v1/namespaces/default/configmaps', { body: configMap('no-selector-match', {}) })).status, 201);
  await api.req('DELETE', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/deny-all');
});

test('objectSelector matches the new or the old object; DELETE and UPDATE are sent with the old object', async () => {
  await registerWebhooks(api, 'validating', 'protect', [
    hook('protect.example.com', { url: hooks.url('/deny-all'), caBundle: hooks.caBundle }, {
      rules: [{ operations: ['DELETE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }],
      objectSelector: { matchLabels: { protected: 'true' } },
    }),
  ]);
  assert.equal((await api.req('POST', '/api/v1/namespaces/default/configmaps', { body: configMap('kept', {}, { protected: 'true' }) })).status, 201);
  assert.equal((await api.req('POST', '/api/v1/namespaces/default/configmaps', { body: configMap('free', {}) })).status, 201);
  const del = await api.req('DELETE', '/api/v1/namespaces/default/configmaps/kept');
  assert.equal(del.status, 403, del.text);
  const review = hooks.received.get('/deny-all')?.at(-1)?.request;
  assert.equal(review?.['operation'], 'DELETE');
  assert.equal(review?.['object'], null);
  assert.equal((review?.['oldObject'] as { metadata: { name: string } }).metadata.name, 'kept');
  assert.equal((review?.['options'] as { kind: string }).kind, 'DeleteOptions');
  // Removing the label is refused too: the old object matches.
  const unlabel = await api.req('PATCH', '/api/v1/namespaces/default/configmaps/kept', {
    body: { metadata: { labels: { protected: null } } },
    contentType: 'application/merge-patch+json',
  });
  assert.equal(unlabel.status, 403, unlabel.text);
  assert.equal(hooks.received.get('/deny-all')?.at(-1)?.request['operation'], 'UPDATE');
  assert.equal((await api.req('DELETE', '/api/v1/namespaces/default/configmaps/free')).status, 200);
  await api.req('DELETE', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/protect');
});

test('failurePolicy: Fail answers 500 with the call error when the webhook is down; Ignore lets the request through', async () => {
  const down = await startWebhookServer(() => ({ allowed: true }));
  const url = down.url('/gone');
  await down.close();
  await registerWebhooks(api, 'validating', 'down-fail', [
    hook('down.example.com', { url, caBundle: hooks.caBundle }, { namespaceSelector: { matchLabels: { down: 'fail' } } }),
    hook('down-ignored.example.com', { url, caBundle: hooks.caBundle }, { failurePolicy: 'Ignore', namespaceSelector: { matchLabels: { down: 'ignore' } } }),
  ]);
  await createNamespace('down-fail', { down: 'fail' });
  await createNamespace('down-ignore', { down: 'ignore' });
  const failed = await api.req('POST', '/api/v1/namespaces/down-fail/configmaps', { body: configMap('a', {}) });
  assert.equal(failed.status, 500);
  assert.equal(failed.json()['reason'], 'InternalError');
  assert.equal(
    failed.json()['message'],
    `Internal error occurred: failed calling webhook "down.example.com": failed to call webhook: Post "${url}?timeout=10s": dial tcp 127.0.0.1:${new URL(url).port}: connect: connection refused`,
  );
  const ignored = await api.req('POST', '/api/v1/namespaces/down-ignore/configmaps', { body: configMap('a', {}) });
  assert.equal(ignored.status, 201, ignored.text);
  await api.req('DELETE', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/down-fail');
});

test('timeoutSeconds bounds the call: Fail answers with the deadline, Ignore lets the request through', async () => {
  await registerWebhooks(api, 'validating', 'slow', [
    hook('slow.example.com', { url: hooks.url('/hang'), caBundle: hooks.caBundle }, { timeoutSeconds: 1, namespaceSelector: { matchLabels: { slow: 'fail' } } }),
    hook('slow-ignored.example.com', { url: hooks.url('/hang'), caBundle: hooks.caBundle }, { timeoutSeconds: 1, failurePolicy: 'Ignore', namespaceSelector: { matchLabels: { slow: 'ignore' } } }),
  ]);
  await createNamespace('slow-fail', { slow: 'fail' });
  await createNamespace('slow-ignore', { slow: 'ignore' });
  const failed = await api.req('POST', '/api/v1/namespaces/slow-fail/configmaps', { body: configMap('a', {}) });
  assert.equal(failed.status, 500);
  assert.match(String(failed.json()['message']), /failed calling webhook "slow.example.com": failed to call webhook: Post ".*\/hang\?timeout=1s": context deadline exceeded$/);
  assert.equal((await api.req('POST', '/api/v1/namespaces/slow-ignore/configmaps', { body: configMap('a', {}) })).status, 201);
  await api.req('DELETE', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/slow');
});

test('a service reference is resolved through its Endpoints and verified as <svc>.<ns>.svc', async () => {
  await createNamespace('webhooks', {});
  const svc = await api.req('POST', '/api/v1/namespaces/webhooks/services', {
    body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'hook' }, spec: { ports: [{ name: 'https', port: 443, targetPort: 9443 }] } },
  });
  assert.equal(svc.status, 201, svc.text);
  const eps = await api.req('POST', '/api/v1/namespaces/webhooks/endpoints', {
    body: { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'hook' }, subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port: hooks.port }] }] },
  });
  assert.equal(eps.status, 201, eps.text);
  await registerWebhooks(api, 'validating', 'by-service', [
    hook('by-service.example.com', { service: { namespace: 'webhooks', name: 'hook', path: '/deny-key' }, caBundle: hooks.caBundle }, {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'webhooks' } },
    }),
  ]);
  const denied = await api.req('POST', '/api/v1/namespaces/webhooks/configmaps', { body: configMap('bad', { forbidden: 'x' }) });
  assert.equal(denied.status, 400, denied.text);
  assert.match(String(denied.json()['message']), /denied the request: the key "forbidden" is not allowed/);
  await api.req('DELETE', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/by-service');

  // The same endpoint behind another name: the certificate does not name other.webhooks.svc.
  await api.req('POST', '/api/v1/namespaces/webhooks/services', {
    body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'other' }, spec: { ports: [{ name: 'https', port: 443 }] } },
  });
  await api.req('POST', '/api/v1/namespaces/webhooks/endpoints', {
    body: { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'other' }, subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port: hooks.port }] }] },
  });
  await registerWebhooks(api, 'validating', 'wrong-name', [
    hook('wrong-name.example.com', { service: { namespace: 'webhooks', name: 'other', path: '/deny-key' }, caBundle: hooks.caBundle }, {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'webhooks' } },
    }),
  ]);
  const refused = await api.req('POST', '/api/v1/namespaces/webhooks/configmaps', { body: configMap('any', {}) });
  assert.equal(refused.status, 500, refused.text);
  assert.match(String(refused.json()['message']), /Post "https:\/\/other\.webhooks\.svc:443\/deny-key\?timeout=10s": tls: failed to verify certificate: x509: /);
  await api.req('DELETE', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/wrong-name');
});

test('dry-run requests reach webhooks without side effects, marked dryRun', async () => {
  await registerWebhooks(api, 'validating', 'dry', [hook('dry.example.com', { url: hooks.url('/deny-key'), caBundle: hooks.caBundle }, { sideEffects: 'NoneOnDryRun' })]);
  const denied = await api.req('POST', '/api/v1/namespaces/default/configmaps?dryRun=All', { body: configMap('dry-bad', { forbidden: 'x' }) });
  assert.equal(denied.status, 400, denied.text);
  const ok = await api.req('POST', '/api/v1/namespaces/default/configmaps?dryRun=All', { body: configMap('dry-good', {}) });
  assert.equal(ok.status, 201, ok.text);
  const review = hooks.received.get('/deny-key')?.at(-1)?.request;
  assert.equal(review?.['dryRun'], true);
  assert.deepEqual((review?.['options'] as { dryRun: string[] }).dryRun, ['All']);
  assert.equal((await api.req('GET', '/api/v1/namespaces/default/configmaps/dry-good')).status, 404);
  await api.req('DELETE', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/dry');
});

test('a configuration without an AdmissionReview version k8ts speaks is refused', async () => {
  const res = await api.req('POST', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', {
    body: {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: 'v2-only' },
      webhooks: [hook('v2.example.com', { url: hooks.url('/x') }, { admissionReviewVersions: ['v2'] })],
    },
  });
  assert.equal(res.status, 422);
  assert.equal(
    res.json()['message'],
    'ValidatingWebhookConfiguration.admissionregistration.k8s.io "v2-only" is invalid: webhooks[0].admissionReviewVersions: Invalid value: []string{"v2"}: must include at least one of v1, v1beta1',
  );
});
