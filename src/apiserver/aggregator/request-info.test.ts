import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backendHeaders } from './identity-headers.js';
import { aggregatedAttributes, splitApisPath } from './request-info.js';

function attrs(method: string, path: string, query = '') {
  const p = splitApisPath(path);
  assert.ok(p);
  return aggregatedAttributes(method, path, p, new URLSearchParams(query));
}

test('requests to an aggregated group are authorized from the path alone, as Kubernetes RequestInfo reads it', () => {
  assert.deepEqual(attrs('GET', '/apis/metrics.k8s.io/v1beta1'), { kind: 'nonResource', verb: 'get', path: '/apis/metrics.k8s.io/v1beta1' });
  assert.deepEqual(attrs('GET', '/apis/metrics.k8s.io/v1beta1/namespaces/kube-system/pods'), {
    kind: 'resource', verb: 'list', apiGroup: 'metrics.k8s.io', apiVersion: 'v1beta1', resource: 'pods', subresource: '', namespace: 'kube-system', name: '',
  });
  assert.equal(attrs('GET', '/apis/metrics.k8s.io/v1beta1/nodes', 'watch=true').verb, 'watch');
  assert.deepEqual(
    { ...attrs('GET', '/apis/g.example.com/v1/watch/namespaces/a/things', 'fieldSelector=metadata.name=x') },
    { kind: 'resource', verb: 'watch', apiGroup: 'g.example.com', apiVersion: 'v1', resource: 'things', subresource: '', namespace: 'a', name: 'x' },
  );
  const sub = attrs('PUT', '/apis/g.example.com/v1/namespaces/a/things/t1/status');
  assert.equal(sub.kind === 'resource' && `${sub.verb} ${sub.resource}/${sub.subresource} ${sub.name}`, 'update things/status t1');
  const ns = attrs('GET', '/apis/g.example.com/v1/namespaces/a');
  assert.equal(ns.kind === 'resource' && `${ns.verb} ${ns.resource} ${ns.namespace}/${ns.name}`, 'get namespaces a/a');
  assert.equal(attrs('DELETE', '/apis/g.example.com/v1/things').verb, 'deletecollection');
  assert.equal(splitApisPath('/api/v1/pods'), undefined);
  assert.equal(splitApisPath('/apis/g.example.com'), undefined);
});

test('the backend gets the caller as X-Remote-* headers, never the caller credentials or identity headers it sent', () => {
  const h = backendHeaders(
    { authorization: 'Bearer secret', 'impersonate-user': 'x', 'x-remote-user': 'spoofed', 'x-remote-extra-a': 'b', accept: 'application/json', connection: 'keep-alive', host: 'apiserver' },
    { username: 'jane', uid: 'u-1', groups: ['dev', 'system:authenticated'], extra: { 'authentication.kubernetes.io/pod-name': ['p1'], 'a b': ['c'] } },
    { keepUpgrade: false, clientAddress: '10.0.0.9' },
  );
  assert.deepEqual(h, {
    accept: 'application/json',
    'X-Remote-User': 'jane',
    'X-Remote-Uid': 'u-1',
    'X-Remote-Group': ['dev', 'system:authenticated'],
    'X-Remote-Extra-authentication.kubernetes.io%2Fpod-name': ['p1'],
    'X-Remote-Extra-a%20b': ['c'],
    'x-forwarded-for': '10.0.0.9',
  });
});
