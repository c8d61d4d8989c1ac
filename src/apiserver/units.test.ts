import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeStored, encodeForStorage, withResourceVersion } from './registry/encoding.js';
import { decodeContinue, encodeContinue } from './registry/continue-token.js';
import { requestUrl } from './http/request-url.js';
import { decodeJson, findDuplicateKeys, decodeBody } from './http/body.js';
import { negotiate } from './http/negotiate.js';
import { parseRoute } from './routing.js';
import { planDeletion } from './registry/deletion.js';
import { findResource } from '../api/resources.js';
import { ApiError } from '../api/errors.js';

test('stored bytes get resourceVersion spliced into metadata', () => {
  const bytes = encodeForStorage({ kind: 'Pod', apiVersion: 'v1', metadata: { name: 'a', resourceVersion: '9' }, spec: { x: '"metadata":{' } });
  assert.ok(!bytes.toString().includes('"resourceVersion"'));
  const obj = decodeStored(withResourceVersion(bytes, 42));
  assert.equal(obj.metadata?.resourceVersion, '42');
  assert.equal(obj.metadata?.name, 'a');
  const empty = decodeStored(withResourceVersion(encodeForStorage({ kind: 'X', apiVersion: 'v1', metadata: {} }), 3));
  assert.deepEqual(empty.metadata, { resourceVersion: '3' });
});

test('served JSON is the stored bytes and the resourceVersion field in pieces, never copied together', () => {
  const bytes = encodeForStorage({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'ü' }, data: { k: 'ß → 😀' } });
  const json = withResourceVersion(bytes, 7);
  assert.equal(json.chunks.length, 3);
  assert.equal(json.chunks[0]?.buffer, bytes.buffer, 'the head is a view of the stored bytes');
  assert.equal(json.chunks[2]?.buffer, bytes.buffer, 'the tail is a view of the stored bytes');
  const text = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"resourceVersion":"7","name":"ü"},"data":{"k":"ß → 😀"}}';
  assert.equal(json.toString(), text);
  assert.equal(json.length, Buffer.byteLength(text));
  assert.equal(Buffer.concat([...json.chunks]).toString('utf8'), text);
});

test('continue tokens round-trip and reject garbage with 400', () => {
  assert.deepEqual(decodeContinue(encodeContinue({ rv: 5, start: 'ns/name' })), { rv: 5, start: 'ns/name' });
  assert.throws(() => decodeContinue('not-base64-json'), (e: unknown) => e instanceof ApiError && e.code === 400);
  assert.throws(() => decodeContinue(Buffer.from('{"v":"meta.k8s.io/v1","rv":1,"start":"../x"}').toString('base64')), ApiError);
});

test('duplicate JSON keys are found with their paths', () => {
  assert.deepEqual(findDuplicateKeys('{"spec":{"replicas":1,"replicas":2},"a":[{"n":1,"n":2}]}'), ['spec.replicas', 'a[0].n']);
  assert.deepEqual(findDuplicateKeys('{"a":"x\\"y","b":{"a":1}}'), []);
});

test('decodeJson reports duplicate keys at any depth, and none for text that only looks like keys', () => {
  assert.deepEqual(decodeJson('{"spec":{"replicas":1,"replicas":2},"a":[{"n":1,"n":2}]}').duplicates, ['spec.replicas', 'a[0].n']);
  assert.deepEqual(decodeJson('{"a": {"b" : 1}, "b" : {"a":1}}').duplicates, []);
  // Strings holding quotes, colons and backslashes are values, not keys.
  assert.deepEqual(decodeJson('{"a":"x\\":y","b":["c:","\\\\",{"d":"\\"e\\":"}]}').duplicates, []);
  assert.deepEqual(decodeJson('{"a\\"b":1,"a\\"b":2}').duplicates, ['a"b']);
  assert.deepEqual(decodeJson('{"__proto__":1,"__proto__":2}').duplicates, ['__proto__']);
  assert.deepEqual(decodeJson('[1,"x",{}]').duplicates, []);
});

test('malformed JSON and YAML become 400 with a position', () => {
  assert.throws(() => decodeJson('{"a":'), (e: unknown) => e instanceof ApiError && e.code === 400);
  assert.throws(
    () => decodeBody(Buffer.from('a: [1, 2\nb: c: d'), 'yaml'),
    (e: unknown) => e instanceof ApiError && e.code === 400 && /line/.test(e.message),
  );
  assert.deepEqual(decodeBody(Buffer.from('a: 1\na: 2\n'), 'yaml').duplicates, ['a']);
});

test('Accept negotiation picks Table, metadata and aggregated discovery forms', () => {
  const kubectlGet = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
  assert.deepEqual(negotiate(kubectlGet, { table: true }), { kind: 'table', version: 'v1' });
  assert.deepEqual(negotiate(kubectlGet, {}), { kind: 'json' });
  const disc = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
  assert.deepEqual(negotiate(disc, { discovery: true }), { kind: 'discovery', version: 'v2' });
  assert.deepEqual(negotiate('application/vnd.kubernetes.protobuf,application/json', { table: true }), { kind: 'json' });
});

test('routes address namespaced, cluster-scoped and subresource paths', () => {
  const r = parseRoute('/api/v1/namespaces/default/pods/web/log');
  assert.equal(r.kind, 'resource');
  if (r.kind === 'resource') {
    assert.equal(r.namespace, 'default');
    assert.equal(r.name, 'web');
    assert.equal(r.subresource, 'log');
  }
  const ns = parseRoute('/api/v1/namespaces/team/finalize');
  assert.ok(ns.kind === 'resource' && ns.resource.plural === 'namespaces' && ns.name === 'team' && ns.subresource === 'finalize');
  const all = parseRoute('/apis/apps/v1/deployments');
  assert.ok(all.kind === 'resource' && all.namespace === undefined && all.name === undefined);
  assert.equal(parseRoute('/api/v1/pods/x').kind, 'notFound');
  assert.equal(parseRoute('/api/v1/namespaces/a/nodes').kind, 'notFound');
  assert.equal(parseRoute('/apis/apps/v1').kind, 'resourceList');
  const w = parseRoute('/api/v1/watch/namespaces/a/pods');
  assert.ok(w.kind === 'resource' && w.watchPath);
});

test('deletion plans: pods on a node are graceful, finalizers hold, foreground adds its finalizer', () => {
  const pods = findResource('', 'v1', 'pods');
  const cms = findResource('', 'v1', 'configmaps');
  assert.ok(pods && cms);
  const base = { resource: pods, qualified: 'pods', options: {}, nowMs: Date.parse('2024-01-01T00:00:00Z') };
  const unbound = { kind: 'Pod', metadata: { name: 'p' }, spec: {} };
  assert.equal(planDeletion({ ...base, current: unbound }).kind, 'delete');
  const bound = { kind: 'Pod', metadata: { name: 'p' }, spec: { nodeName: 'n1', terminationGracePeriodSeconds: 10 } };
  const plan = planDeletion({ ...base, current: bound });
  assert.equal(plan.kind, 'pending');
  if (plan.kind === 'pending') {
    assert.equal(plan.obj.metadata?.deletionTimestamp, '2024-01-01T00:00:10Z');
    assert.equal(plan.obj.metadata?.deletionGracePeriodSeconds, 10);
  }
  assert.equal(planDeletion({ ...base, current: bound, options: { gracePeriodSeconds: 0 } }).kind, 'delete');
  const fg = planDeletion({ ...base, resource: cms, current: { metadata: { name: 'c' } }, options: { propagationPolicy: 'Foreground' } });
  assert.ok(fg.kind === 'pending' && fg.obj.metadata?.finalizers?.includes('foregroundDeletion'));
  assert.throws(
    () => planDeletion({ ...base, current: { metadata: { name: 'p', uid: 'a' } }, options: { preconditions: { uid: 'b' } } }),
    (e: unknown) => e instanceof ApiError && e.code === 409,
  );
});

test('requestUrl gives the path, query and parameters URL parsing gives, for plain targets and ones URL would change', () => {
  const targets = [
    '/api/v1/namespaces/default/pods',
    '/api/v1/namespaces/default/pods?watch=1&resourceVersion=10&labelSelector=app%3Dweb%2Ctier!%3Dx',
    '/apis/apps/v1/namespaces/default/deployments/web/status?',
    '/api/v1/namespaces/default/pods/p.1/log?container=c&follow=true',
    '/api/v1/namespaces/default/pods/../secrets',
    '/api/v1/namespaces/%2e%2E/pods',
    '/api/v1/./namespaces',
    '/api\\v1\\pods',
    '/api/v1/pods?labelSelector=a in (x,y)',
    '/api/v1/pods?fieldSelector=spec.nodeName=n1#frag',
    '/api/v1/pods/ä?x=ü',
    '/.well-known/openid-configuration',
    '/',
  ];
  for (const t of targets) {
    const mine = requestUrl(t);
    const url = new URL(t, 'http://apiserver');
    assert.equal(mine.pathname, url.pathname, t);
    assert.equal(mine.search, url.search, t);
    assert.deepEqual([...mine.searchParams], [...url.searchParams], t);
  }
});
