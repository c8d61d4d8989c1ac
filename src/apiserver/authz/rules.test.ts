import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRoute, type ResourceRoute } from '../routing.js';
import { nonResourceAttributes, resourceAttributes, type ResourceAttributes } from './attributes.js';
import { ruleAllows } from './rules.js';

function attrs(over: Partial<ResourceAttributes>): ResourceAttributes {
  return { kind: 'resource', verb: 'get', apiGroup: '', apiVersion: 'v1', resource: 'pods', subresource: '', namespace: 'default', name: '', ...over };
}

function route(path: string): ResourceRoute {
  const r = parseRoute(path);
  assert.equal(r.kind, 'resource', path);
  return r as ResourceRoute;
}

test('verbs, groups and resources match exactly or by *', () => {
  const rule = { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] };
  assert.equal(ruleAllows(attrs({ verb: 'list' }), rule), true);
  assert.equal(ruleAllows(attrs({ verb: 'delete' }), rule), false);
  assert.equal(ruleAllows(attrs({ apiGroup: 'apps', resource: 'pods' }), rule), false);
  assert.equal(ruleAllows(attrs({ resource: 'secrets' }), rule), false);
  assert.equal(ruleAllows(attrs({ verb: 'escalate', apiGroup: 'x.io', resource: 'things' }), { verbs: ['*'], apiGroups: ['*'], resources: ['*'] }), true);
});

test('subresources: resource/subresource, */subresource, and a bare resource does not cover its subresources', () => {
  const log = attrs({ subresource: 'log' });
  assert.equal(ruleAllows(log, { verbs: ['get'], apiGroups: [''], resources: ['pods'] }), false);
  assert.equal(ruleAllows(log, { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }), true);
  assert.equal(ruleAllows(log, { verbs: ['get'], apiGroups: [''], resources: ['*/log'] }), true);
  assert.equal(ruleAllows(log, { verbs: ['get'], apiGroups: [''], resources: ['*/status'] }), false);
  assert.equal(ruleAllows(attrs({}), { verbs: ['get'], apiGroups: [''], resources: ['*/log'] }), false);
});

test('resourceNames restrict to the named objects; an unnamed request does not match them', () => {
  const rule = { verbs: ['get', 'list'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['cfg'] };
  assert.equal(ruleAllows(attrs({ resource: 'configmaps', name: 'cfg' }), rule), true);
  assert.equal(ruleAllows(attrs({ resource: 'configmaps', name: 'other' }), rule), false);
  assert.equal(ruleAllows(attrs({ resource: 'configmaps', verb: 'list' }), rule), false);
});

test('nonResourceURLs: exact, trailing * as a prefix, and never for resource requests', () => {
  const rule = { verbs: ['get'], nonResourceURLs: ['/healthz', '/apis/*'] };
  assert.equal(ruleAllows(nonResourceAttributes('GET', '/healthz'), rule), true);
  assert.equal(ruleAllows(nonResourceAttributes('GET', '/healthz/etcd'), rule), false);
  assert.equal(ruleAllows(nonResourceAttributes('GET', '/apis/apps/v1'), rule), true);
  assert.equal(ruleAllows(nonResourceAttributes('POST', '/healthz'), rule), false);
  assert.equal(ruleAllows(attrs({}), { verbs: ['*'], nonResourceURLs: ['*'] }), false);
});

test('request attributes: list, watch, deletecollection, a name pinned by field selector, namespaces', () => {
  const q = (s: string) => new URLSearchParams(s);
  const pods = route('/api/v1/namespaces/default/pods');
  assert.equal(resourceAttributes('GET', pods, q('')).verb, 'list');
  assert.equal(resourceAttributes('GET', pods, q('watch=true')).verb, 'watch');
  assert.equal(resourceAttributes('GET', route('/api/v1/watch/namespaces/default/pods'), q('')).verb, 'watch');
  assert.equal(resourceAttributes('DELETE', pods, q('')).verb, 'deletecollection');
  assert.equal(resourceAttributes('POST', pods, q('')).verb, 'create');
  assert.equal(resourceAttributes('GET', pods, q('fieldSelector=metadata.name%3Dweb')).name, 'web');
  const scale = resourceAttributes('PATCH', route('/apis/apps/v1/namespaces/ns1/deployments/web/scale'), q(''));
  assert.deepEqual(scale, { kind: 'resource', verb: 'patch', apiGroup: 'apps', apiVersion: 'v1', resource: 'deployments', subresource: 'scale', namespace: 'ns1', name: 'web' });
  // A namespace object is in its own namespace, so a RoleBinding there can grant reading it.
  assert.equal(resourceAttributes('GET', route('/api/v1/namespaces/ns1'), q('')).namespace, 'ns1');
  assert.equal(resourceAttributes('GET', route('/api/v1/nodes'), q('')).namespace, '');
});
