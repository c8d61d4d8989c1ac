import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolumeClaim, Pod, ResourceQuota, Service } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../object.js';
import { countedResource, matchingNames } from './names.js';
import { missingPodAmounts } from './pod-constraints.js';
import { podMatchesScopes } from './scopes.js';
import { addObjectUsage, podAmounts, Usage } from './usage.js';

function usageOf(group: string, plural: string, obj: Pod | Service | PersistentVolumeClaim | KubeObject): Record<string, string> {
  const usage = new Usage();
  addObjectUsage(usage, { group, plural }, obj as KubeObject);
  return Object.fromEntries([...usage.entries()].map(([name]) => [name, usage.text(name)]));
}

test('pod requests: the larger of the app containers and any init container, plus overhead', () => {
  const pod: Pod = {
    spec: {
      initContainers: [{ name: 'init', image: 'x', resources: { requests: { cpu: '2' } } }],
      containers: [
        { name: 'a', image: 'x', resources: { requests: { cpu: '500m', memory: '1Gi' } } },
        { name: 'b', image: 'x', resources: { requests: { cpu: '500m' } } },
      ],
      overhead: { cpu: '100m' },
    },
  };
  const r = podAmounts(pod, 'requests');
  assert.equal(r.get('cpu')?.nanos, 2_100_000_000n);
  assert.equal(r.get('memory')?.nanos, 1024n ** 3n * 1_000_000_000n);
});

test('a pod uses its counts and its requests under bare and requests.* names, its limits under limits.*', () => {
  const pod: Pod = { spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '250m' }, limits: { memory: '1Gi' } } }] } };
  assert.deepEqual(usageOf('', 'pods', pod), { pods: '1', 'count/pods': '1', 'requests.cpu': '250m', cpu: '250m', 'limits.memory': '1Gi' });
});

test('services count their node ports and load balancers; other kinds their object counts', () => {
  const svc = (spec: Service['spec']): Service => ({ spec });
  const ports = [{ port: 80 }, { port: 443, nodePort: 30443 }];
  assert.equal(usageOf('', 'services', svc({ type: 'NodePort', ports }))['services.nodeports'], '2');
  assert.deepEqual(usageOf('', 'services', svc({ type: 'ClusterIP', ports })), {
    services: '1',
    'count/services': '1',
    'services.loadbalancers': '0',
    'services.nodeports': '0',
  });
  const noAllocation = usageOf('', 'services', svc({ type: 'LoadBalancer', ports, allocateLoadBalancerNodePorts: false }));
  assert.equal(noAllocation['services.loadbalancers'], '1');
  assert.equal(noAllocation['services.nodeports'], '1');
  assert.deepEqual(usageOf('', 'configmaps', {}), { configmaps: '1', 'count/configmaps': '1' });
  assert.deepEqual(usageOf('apps', 'deployments', {}), { 'count/deployments.apps': '1' });
  const claim: PersistentVolumeClaim = { spec: { storageClassName: 'gold', resources: { requests: { storage: '1Gi' } } } };
  assert.equal(usageOf('', 'persistentvolumeclaims', claim)['gold.storageclass.storage.k8s.io/requests.storage'], '1Gi');
});

test('hard limit names map to the resources whose objects they count', () => {
  assert.deepEqual(countedResource('count/deployments.apps'), { group: 'apps', plural: 'deployments' });
  assert.deepEqual(countedResource('count/widgets.example.com'), { group: 'example.com', plural: 'widgets' });
  assert.deepEqual(countedResource('limits.cpu'), { group: '', plural: 'pods' });
  assert.deepEqual(countedResource('requests.storage'), { group: '', plural: 'persistentvolumeclaims' });
  assert.equal(countedResource('bogus'), undefined);
  assert.deepEqual(matchingNames(['pods', 'cpu', 'configmaps', 'services.nodeports'], { group: '', plural: 'pods' }), ['pods', 'cpu']);
});

test('cpu and memory limits require every container to state the amount', () => {
  const pod: Pod = {
    spec: {
      initContainers: [{ name: 'init', image: 'x' }],
      containers: [
        { name: 'a', image: 'x', resources: { requests: { cpu: '1' } } },
        { name: 'b', image: 'x', resources: { limits: { memory: '1Gi' } } },
      ],
    },
  };
  assert.equal(missingPodAmounts(pod, ['pods', 'cpu', 'limits.memory']), 'must specify cpu for: b,init; limits.memory for: a,init');
  assert.equal(missingPodAmounts(pod, ['pods', 'requests.storage', 'ephemeral-storage']), undefined);
});

test('scopes select pods by deadline, QoS and priority class', () => {
  const quota = (scopes: string[], priority?: { operator: string; values?: string[] }): ResourceQuota => ({
    spec: { scopes, ...(priority ? { scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', ...priority }] } } : {}) },
  });
  const bestEffort: Pod = { spec: { containers: [{ name: 'c', image: 'x' }], activeDeadlineSeconds: 10, priorityClassName: 'high' } };
  const burstable: Pod = { spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '1m' } } }] } };
  assert.ok(podMatchesScopes(bestEffort, quota(['BestEffort', 'Terminating'])));
  assert.ok(!podMatchesScopes(burstable, quota(['BestEffort'])));
  assert.ok(podMatchesScopes(burstable, quota(['NotBestEffort', 'NotTerminating'])));
  assert.ok(podMatchesScopes(bestEffort, quota([], { operator: 'In', values: ['high'] })));
  assert.ok(!podMatchesScopes(burstable, quota([], { operator: 'In', values: ['high'] })));
  assert.ok(podMatchesScopes(burstable, quota([], { operator: 'NotIn', values: ['high'] })));
});
