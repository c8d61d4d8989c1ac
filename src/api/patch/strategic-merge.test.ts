import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyStrategicMergePatch, hasStrategicSchema } from './strategic-merge.js';

const deploymentGVK = { group: 'apps', version: 'v1', kind: 'Deployment' };
const podGVK = { group: '', version: 'v1', kind: 'Pod' };

function deploymentWith(podSpec: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'patch-demo' },
    spec: { replicas: 2, template: { metadata: { labels: { app: 'nginx' } }, spec: podSpec } },
  };
}

function podSpecOf(obj: unknown): Record<string, unknown> {
  const o = obj as { spec: { template: { spec: Record<string, unknown> } } };
  return o.spec.template.spec;
}

// "Update API Objects in Place Using kubectl patch": containers merge by name.
test('kubectl patch docs: a new container is merged into the list, not replacing it', () => {
  const doc = deploymentWith({ containers: [{ name: 'patch-demo-ctr', image: 'nginx' }] });
  const out = applyStrategicMergePatch(doc, { spec: { template: { spec: { containers: [{ name: 'patch-demo-ctr-2', image: 'redis' }] } } } }, deploymentGVK);
  assert.deepEqual(podSpecOf(out).containers, [
    { name: 'patch-demo-ctr-2', image: 'redis' },
    { name: 'patch-demo-ctr', image: 'nginx' },
  ]);
});

test('kubectl patch docs: tolerations have no patch strategy and are replaced', () => {
  const doc = deploymentWith({
    containers: [{ name: 'c', image: 'nginx' }],
    tolerations: [{ effect: 'NoSchedule', key: 'dedicated', value: 'test-team' }],
  });
  const out = applyStrategicMergePatch(doc, { spec: { template: { spec: { tolerations: [{ effect: 'NoSchedule', key: 'disktype', value: 'ssd' }] } } } }, deploymentGVK);
  assert.deepEqual(podSpecOf(out).tolerations, [{ effect: 'NoSchedule', key: 'disktype', value: 'ssd' }]);
});

test('kubectl patch docs: $retainKeys clears the other keys of the strategy', () => {
  const doc = { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '30%' } } } };
  const plain = applyStrategicMergePatch(doc, { spec: { strategy: { type: 'Recreate' } } }, deploymentGVK);
  assert.deepEqual(plain, { spec: { strategy: { type: 'Recreate', rollingUpdate: { maxSurge: '30%' } } } });
  const retained = applyStrategicMergePatch(doc, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } }, deploymentGVK);
  assert.deepEqual(retained, { spec: { strategy: { type: 'Recreate' } } });
});

test('kubectl client-side apply patch: $setElementOrder with a changed image', () => {
  const doc = {
    metadata: { name: 'web', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': 'old' } },
    spec: {
      replicas: 1,
      template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.26', imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 80, protocol: 'TCP' }] }] } },
    },
  };
  const patch = {
    metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': 'new' } },
    spec: { replicas: 3, template: { spec: { '$setElementOrder/containers': [{ name: 'nginx' }], containers: [{ image: 'nginx:1.27', name: 'nginx' }] } } },
  };
  assert.deepEqual(applyStrategicMergePatch(doc, patch, deploymentGVK), {
    metadata: { name: 'web', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': 'new' } },
    spec: {
      replicas: 3,
      template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 80, protocol: 'TCP' }] }] } },
    },
  });
});

test('volumes merge by name and $retainKeys switches a volume source', () => {
  const doc = { spec: { volumes: [{ name: 'data', emptyDir: {} }, { name: 'cfg', configMap: { name: 'c' } }] } };
  const out = applyStrategicMergePatch(
    doc,
    { spec: { volumes: [{ name: 'data', $retainKeys: ['name', 'hostPath'], hostPath: { path: '/d' } }] } },
    podGVK,
  );
  assert.deepEqual(out, { spec: { volumes: [{ name: 'data', hostPath: { path: '/d' } }, { name: 'cfg', configMap: { name: 'c' } }] } });
});

test('$setElementOrder orders the patched items and keeps server-only items in place', () => {
  const doc = { spec: { containers: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] } };
  const out = applyStrategicMergePatch(
    doc,
    { spec: { '$setElementOrder/containers': [{ name: 'c' }, { name: 'a' }, { name: 'd' }], containers: [{ name: 'd', image: 'x' }] } },
    podGVK,
  );
  assert.deepEqual(out, { spec: { containers: [{ name: 'b' }, { name: 'c' }, { name: 'a' }, { name: 'd', image: 'x' }] } });
  // Without the list itself the directive only reorders.
  const reordered = applyStrategicMergePatch(doc, { spec: { '$setElementOrder/containers': [{ name: 'c' }, { name: 'b' }, { name: 'a' }] } }, podGVK);
  assert.deepEqual(reordered, { spec: { containers: [{ name: 'c' }, { name: 'b' }, { name: 'a' }] } });
});

test('merging by key keeps server order and merges matching items', () => {
  const doc = { spec: { containers: [{ name: 'a', image: 'a1' }, { name: 'b', image: 'b1' }] } };
  const out = applyStrategicMergePatch(doc, { spec: { containers: [{ name: 'b', image: 'b2' }] } }, podGVK);
  assert.deepEqual(out, { spec: { containers: [{ name: 'a', image: 'a1' }, { name: 'b', image: 'b2' }] } });
});

test('$patch: delete removes a list item by merge key; $patch: replace replaces the list', () => {
  const doc = { spec: { containers: [{ name: 'a' }, { name: 'b' }] } };
  assert.deepEqual(applyStrategicMergePatch(doc, { spec: { containers: [{ name: 'a', $patch: 'delete' }] } }, podGVK), {
    spec: { containers: [{ name: 'b' }] },
  });
  assert.deepEqual(applyStrategicMergePatch(doc, { spec: { containers: [{ name: 'c' }, { $patch: 'replace' }] } }, podGVK), {
    spec: { containers: [{ name: 'c' }] },
  });
});

test('$patch on maps: replace takes the patch map, delete empties it, merge is the default', () => {
  const doc = { metadata: { labels: { a: '1', b: '2' } }, spec: { containers: [{ name: 'c' }] } };
  assert.deepEqual(applyStrategicMergePatch(doc, { metadata: { labels: { $patch: 'replace', c: '3' } } }, podGVK), {
    metadata: { labels: { c: '3' } },
    spec: { containers: [{ name: 'c' }] },
  });
  assert.deepEqual(applyStrategicMergePatch(doc, { metadata: { labels: { $patch: 'delete' } } }, podGVK), {
    metadata: { labels: {} },
    spec: { containers: [{ name: 'c' }] },
  });
  assert.deepEqual(applyStrategicMergePatch(doc, { metadata: { labels: { $patch: 'merge', c: '3' } } }, podGVK), {
    metadata: { labels: { a: '1', b: '2', c: '3' } },
    spec: { containers: [{ name: 'c' }] },
  });
});

test('primitive merge lists: union without duplicates, and $deleteFromPrimitiveList', () => {
  const doc = { metadata: { finalizers: ['a', 'b'] } };
  assert.deepEqual(applyStrategicMergePatch(doc, { metadata: { finalizers: ['b', 'c'] } }, podGVK), { metadata: { finalizers: ['a', 'b', 'c'] } });
  assert.deepEqual(applyStrategicMergePatch(doc, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }, podGVK), {
    metadata: { finalizers: ['b'] },
  });
  assert.deepEqual(
    applyStrategicMergePatch(doc, { metadata: { '$setElementOrder/finalizers': ['b', 'c'], '$deleteFromPrimitiveList/finalizers': ['a'], finalizers: ['c'] } }, podGVK),
    { metadata: { finalizers: ['b', 'c'] } },
  );
});

test('null deletes fields, also inside merged items; nulls never reach the result', () => {
  const doc = { spec: { containers: [{ name: 'c', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }] } };
  const out = applyStrategicMergePatch(doc, { spec: { containers: [{ name: 'c', env: [{ name: 'A', value: null }] }], hostname: null, newField: { x: null, y: 1 } } }, podGVK);
  assert.deepEqual(out, { spec: { containers: [{ name: 'c', env: [{ name: 'A' }, { name: 'B', value: '2' }] }], newField: { y: 1 } } });
});

test('merge keys of other fields: ports by containerPort, volumeMounts by mountPath, ownerReferences by uid, Service ports by port', () => {
  const pod = {
    metadata: { ownerReferences: [{ uid: 'u1', name: 'rs' }] },
    spec: { containers: [{ name: 'c', ports: [{ containerPort: 80 }], volumeMounts: [{ mountPath: '/a', name: 'v' }] }] },
  };
  const out = applyStrategicMergePatch(
    pod,
    {
      metadata: { ownerReferences: [{ uid: 'u2', name: 'other' }] },
      spec: { containers: [{ name: 'c', ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }], volumeMounts: [{ mountPath: '/a', readOnly: true }] }] },
    },
    podGVK,
  );
  assert.deepEqual(out, {
    // New items precede server-only items that no patched item follows, as in Kubernetes.
    metadata: { ownerReferences: [{ uid: 'u2', name: 'other' }, { uid: 'u1', name: 'rs' }] },
    spec: { containers: [{ name: 'c', ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }], volumeMounts: [{ mountPath: '/a', name: 'v', readOnly: true }] }] },
  });
  const svc = { spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] } };
  assert.deepEqual(applyStrategicMergePatch(svc, { spec: { ports: [{ port: 80, targetPort: 9090 }] } }, { group: '', version: 'v1', kind: 'Service' }), {
    spec: { ports: [{ port: 80, targetPort: 9090 }, { port: 443 }] },
  });
});

test('status conditions merge by type; node taints are replaced', () => {
  const node = { spec: { taints: [{ key: 'a', effect: 'NoSchedule' }] }, status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'MemoryPressure', status: 'False' }] } };
  const out = applyStrategicMergePatch(node, { spec: { taints: [{ key: 'b', effect: 'NoExecute' }] }, status: { conditions: [{ type: 'Ready', status: 'True' }] } }, { group: '', version: 'v1', kind: 'Node' });
  assert.deepEqual(out, {
    spec: { taints: [{ key: 'b', effect: 'NoExecute' }] },
    status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'MemoryPressure', status: 'False' }] },
  });
});

test('kubectl rollout restart: a template annotation is added', () => {
  const doc = deploymentWith({ containers: [{ name: 'c' }] });
  const out = applyStrategicMergePatch(doc, { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2025-01-01T00:00:00Z' } } } } }, deploymentGVK) as {
    spec: { template: { metadata: unknown } };
  };
  assert.deepEqual(out.spec.template.metadata, { labels: { app: 'nginx' }, annotations: { 'kubectl.kubernetes.io/restartedAt': '2025-01-01T00:00:00Z' } });
});

test('inputs are not mutated', () => {
  const doc = deploymentWith({ containers: [{ name: 'a', image: 'x' }] });
  const patch = { spec: { template: { spec: { containers: [{ name: 'a', image: 'y' }, { name: 'b', $patch: 'delete' }] } } } };
  const docBefore = structuredClone(doc);
  const patchBefore = structuredClone(patch);
  applyStrategicMergePatch(doc, patch, deploymentGVK);
  assert.deepEqual(doc, docBefore);
  assert.deepEqual(patch, patchBefore);
});

test('bad directives are 400 BadRequest', () => {
  const doc = { spec: { containers: [{ name: 'a' }] } };
  assert.throws(() => applyStrategicMergePatch(doc, { spec: { $patch: 'explode' } }, podGVK), { code: 400 });
  assert.throws(() => applyStrategicMergePatch(doc, { spec: { containers: [{ $patch: 'delete' }] } }, podGVK), { code: 400 });
  assert.throws(() => applyStrategicMergePatch(doc, { spec: { containers: [{ image: 'no-name' }] } }, podGVK), { code: 400 });
  assert.throws(() => applyStrategicMergePatch(doc, { metadata: { $retainKeys: 'x' } }, podGVK), { code: 400 });
});

test('custom resources have no strategic schema: 415', () => {
  const gvk = { group: 'example.com', version: 'v1', kind: 'Widget' };
  assert.equal(hasStrategicSchema(gvk), false);
  assert.equal(hasStrategicSchema(deploymentGVK), true);
  assert.equal(hasStrategicSchema({ group: 'coordination.k8s.io', version: 'v1', kind: 'Lease' }), true);
  assert.throws(() => applyStrategicMergePatch({}, { spec: {} }, gvk), { code: 415, reason: 'UnsupportedMediaType' });
});
