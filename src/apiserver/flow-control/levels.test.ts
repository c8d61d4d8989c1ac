import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classify } from './levels.js';

const user = (username: string, ...groups: string[]) => ({ username, groups: [...groups, 'system:authenticated'] });

test('requests are classified as the default FlowSchemas of Kubernetes do', () => {
  const cases: [ReturnType<typeof user> | undefined, string, string][] = [
    [user('admin', 'system:masters'), '/api/v1/pods', 'exempt'],
    [undefined, '/readyz?verbose', 'exempt'],
    [user('alice'), '/livez', 'exempt'],
    [user('system:node:n1', 'system:nodes'), '/api/v1/nodes/n1/status', 'node-high'],
    [user('system:node:n1', 'system:nodes'), '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1', 'node-high'],
    [user('system:node:n1', 'system:nodes'), '/api/v1/nodes?fieldSelector=metadata.name%3Dn1&watch=true', 'node-high'],
    [user('system:node:n1', 'system:nodes'), '/api/v1/namespaces/default/pods/p/status', 'system'],
    [user('system:node:n1', 'system:nodes'), '/api/v1/nodesx', 'system'],
    [user('system:kube-scheduler'), '/api/v1/namespaces/default/pods/p/binding', 'workload-high'],
    [user('system:kube-controller-manager'), '/apis/apps/v1/replicasets', 'workload-high'],
    [user('system:serviceaccount:kube-system:coredns', 'system:serviceaccounts'), '/api/v1/services', 'workload-high'],
    [user('system:serviceaccount:default:app', 'system:serviceaccounts'), '/api/v1/configmaps', 'workload-low'],
    [user('alice'), '/api/v1/namespaces/default/pods', 'global-default'],
    [undefined, '/api/v1/namespaces/default/pods', 'catch-all'],
  ];
  for (const [u, path, level] of cases) assert.equal(classify(u, path).level, level, `${u?.username ?? 'anonymous'} ${path}`);
});

test("a flow is the user's name: each user's requests queue apart from another's", () => {
  assert.equal(classify(user('alice'), '/api/v1/pods').flow, 'alice');
  assert.equal(classify(undefined, '/api/v1/pods').flow, 'system:anonymous');
});
