// The API server's /metrics: Kubernetes' request series, counted as requests end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { findResource, type ResourceInfo } from '../api/resources.js';
import { createClient } from '../client/client.js';
import { InProcessTransport } from '../client/in-process.js';
import { metricsVerb } from './metrics.js';
import type { ResourceRoute } from './routing.js';
import { ADMIN_TOKEN, openWatch, startTestServer } from './testing.js';

const CONFIGMAPS = findResource('', 'v1', 'configmaps') as ResourceInfo;

/** The value of the one sample whose name and labels include all of `labels`. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const values = text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && want.every((l) => line.includes(l)))
    .map((line) => Number(line.slice(line.lastIndexOf(' ') + 1)));
  assert.ok(values.length <= 1, `more than one ${name} sample matches ${want.join(',')}`);
  return values[0];
}

test('/metrics counts requests by verb, resource, scope and code, with their durations', async () => {
  const server = await startTestServer();
  try {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'm' }, data: { a: '1' } };
    assert.equal((await server.req('POST', '/api/v1/namespaces/default/configmaps', { body: cm })).status, 201);
    assert.equal((await server.req('POST', '/api/v1/namespaces/default/configmaps', { body: cm })).status, 409);
    assert.equal((await server.req('GET', '/api/v1/namespaces/default/configmaps/m')).status, 200);
    assert.equal((await server.req('GET', '/api/v1/configmaps')).status, 200);
    assert.equal((await server.req('PATCH', '/api/v1/namespaces/default/configmaps/m', { body: { data: { b: '2' } }, contentType: 'application/merge-patch+json' })).status, 200);
    assert.equal((await server.req('GET', '/api/v1/namespaces/default/configmaps?dryRun=All')).status, 200);
    // A watch counts once it ends.
    const watch = await openWatch(server.url, '/api/v1/namespaces/default/configmaps?watch=true');
    // An open watch is long-running: not an in-flight request.
    assert.match((await server.req('GET', '/metrics')).text, /^apiserver_current_inflight_requests\{request_kind="readOnly"\} 0$/m);
    watch.close();
    // The in-process transport's requests count as well.
    const client = createClient(new InProcessTransport({ handler: server.handle, token: ADMIN_TOKEN }));
    await client.resource<ConfigMap>(CONFIGMAPS, 'default').delete('m');
    client.close();

    let text = '';
    for (let i = 0; i < 50; i++) {
      const res = await server.req('GET', '/metrics');
      assert.equal(res.status, 200);
      assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      text = res.text;
      if (sample(text, 'apiserver_request_total', { verb: 'WATCH' }) !== undefined) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const base = { component: 'apiserver', group: '', version: 'v1', resource: 'configmaps', subresource: '' };
    const count = (labels: Record<string, string>): number | undefined => sample(text, 'apiserver_request_total', { ...base, dry_run: '', ...labels });
    assert.equal(count({ verb: 'POST', scope: 'namespace', code: '201' }), 1);
    assert.equal(count({ verb: 'POST', scope: 'namespace', code: '409' }), 1);
    assert.equal(count({ verb: 'GET', scope: 'resource', code: '200' }), 1);
    assert.equal(count({ verb: 'LIST', scope: 'cluster', code: '200' }), 1);
    assert.equal(count({ verb: 'PATCH', scope: 'resource', code: '200' }), 1);
    assert.equal(count({ verb: 'DELETE', scope: 'resource', code: '200' }), 1);
    assert.equal(count({ verb: 'WATCH', scope: 'namespace', code: '200' }), 1);
    assert.equal(sample(text, 'apiserver_request_total', { ...base, dry_run: 'All', verb: 'LIST', code: '200' }), 1);
    // Both POSTs share one histogram series; every observation is under the last bucket.
    const post = { ...base, dry_run: '', verb: 'POST', scope: 'namespace' };
    assert.equal(sample(text, 'apiserver_request_duration_seconds_count', post), 2);
    assert.equal(sample(text, 'apiserver_request_duration_seconds_bucket', { ...post, le: '+Inf' }), 2);
    assert.equal(sample(text, 'apiserver_request_duration_seconds_bucket', { ...post, le: '60' }), 2);
    assert.ok((sample(text, 'apiserver_request_duration_seconds_sum', post) ?? -1) > 0);
    // Nothing is executing but the scrape itself, which is not a resource request.
    assert.equal(sample(text, 'apiserver_current_inflight_requests', { request_kind: 'mutating' }), 0);
    assert.equal(sample(text, 'apiserver_current_inflight_requests', { request_kind: 'readOnly' }), 0);
    assert.match(text, /^# TYPE apiserver_request_duration_seconds histogram$/m);
    assert.match(text, /^process_resident_memory_bytes \d+$/m);
    // Like every other path but /healthz and the like, /metrics needs an authenticated user.
    assert.equal((await server.req('GET', '/metrics', { token: null })).status, 401);
  } finally {
    await server.close();
  }
});

test('the verb label tells LIST, WATCH, APPLY, DELETECOLLECTION and CONNECT apart as Kubernetes does', () => {
  const route = (name: string | undefined, subresource?: string): ResourceRoute => ({ kind: 'resource', group: '', version: 'v1', resource: CONFIGMAPS, namespace: 'default', name, subresource, watchPath: false });
  assert.equal(metricsVerb('GET', route(undefined), false, undefined), 'LIST');
  assert.equal(metricsVerb('GET', route(undefined), true, undefined), 'WATCH');
  assert.equal(metricsVerb('GET', route('x'), false, undefined), 'GET');
  assert.equal(metricsVerb('PATCH', route('x'), false, 'application/apply-patch+yaml'), 'APPLY');
  assert.equal(metricsVerb('PATCH', route('x'), false, 'application/strategic-merge-patch+json'), 'PATCH');
  assert.equal(metricsVerb('DELETE', route(undefined), false, undefined), 'DELETECOLLECTION');
  assert.equal(metricsVerb('DELETE', route('x'), false, undefined), 'DELETE');
  assert.equal(metricsVerb('POST', route('x', 'exec'), false, undefined), 'CONNECT');
  assert.equal(metricsVerb('POST', route('x', 'eviction'), false, undefined), 'POST');
});
