import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../object.js';
import { applyDefaults, prepareForCreate } from '../strategy.js';
import { resource } from '../validation/testing.js';

function defaulted(group: string, kind: string, namespaced: boolean, body: Record<string, unknown>): KubeObject {
  const obj: KubeObject = { metadata: namespaced ? { name: 'x', namespace: 'default' } : { name: 'x' }, ...body };
  applyDefaults(resource(group, kind, { namespaced }), obj);
  return obj;
}

test('service: ClusterIP defaults', () => {
  const svc = defaulted('', 'Service', true, { spec: { selector: { app: 'web' }, ports: [{ port: 80 }, { name: 'm', port: 9090, targetPort: 'metrics' }] } });
  assert.deepEqual(svc.spec, {
    selector: { app: 'web' },
    ports: [
      { port: 80, protocol: 'TCP', targetPort: 80 },
      { name: 'm', port: 9090, targetPort: 'metrics', protocol: 'TCP' },
    ],
    sessionAffinity: 'None',
    type: 'ClusterIP',
    internalTrafficPolicy: 'Cluster',
    ipFamilyPolicy: 'SingleStack',
    ipFamilies: ['IPv4'],
  });
  assert.deepEqual(svc.status, { loadBalancer: {} });
});

test('service: NodePort, LoadBalancer, ExternalName, headless, ClientIP affinity', () => {
  const np = defaulted('', 'Service', true, { spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } }).spec as Record<string, unknown>;
  assert.equal(np.externalTrafficPolicy, 'Cluster');
  assert.equal(np.allocateLoadBalancerNodePorts, true);
  const ext = defaulted('', 'Service', true, { spec: { type: 'ExternalName', externalName: 'example.com' } }).spec as Record<string, unknown>;
  assert.equal(ext.internalTrafficPolicy, undefined);
  assert.equal(ext.ipFamilies, undefined);
  const headless = defaulted('', 'Service', true, { spec: { clusterIP: 'None' } }).spec as Record<string, unknown>;
  assert.deepEqual([headless.ipFamilyPolicy, headless.clusterIPs], ['RequireDualStack', ['None']]);
  const sticky = defaulted('', 'Service', true, { spec: { sessionAffinity: 'ClientIP', ports: [{ port: 80 }] } }).spec as Record<string, unknown>;
  assert.deepEqual(sticky.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
});

test('namespace: name label and phase; the kubernetes finalizer only on create', () => {
  const namespaces = resource('', 'Namespace', { namespaced: false });
  const ns: KubeObject = { metadata: { name: 'team-a' } };
  applyDefaults(namespaces, ns);
  assert.deepEqual(ns, { metadata: { name: 'team-a', labels: { 'kubernetes.io/metadata.name': 'team-a' } }, status: { phase: 'Active' } });
  prepareForCreate(namespaces, ns);
  assert.deepEqual((ns as KubeObject).spec, { finalizers: ['kubernetes'] });
});

test('secrets, claims and volumes', () => {
  assert.equal(defaulted('', 'Secret', true, {}).type, 'Opaque');
  const pvc = defaulted('', 'PersistentVolumeClaim', true, { spec: { accessModes: ['ReadWriteOnce'] } });
  assert.deepEqual([pvc.spec, pvc.status], [{ accessModes: ['ReadWriteOnce'], volumeMode: 'Filesystem' }, { phase: 'Pending' }]);
  const pv = defaulted('', 'PersistentVolume', false, { spec: { hostPath: { path: '/d' } } });
  assert.deepEqual(pv.spec, { hostPath: { path: '/d', type: '' }, persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem' });
});

test('horizontal pod autoscaler: minReplicas, CPU target, behavior rules', () => {
  const hpa = defaulted('autoscaling', 'HorizontalPodAutoscaler', true, {
    spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 5, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } },
  });
  assert.deepEqual(hpa.spec, {
    scaleTargetRef: { kind: 'Deployment', name: 'web' },
    maxReplicas: 5,
    minReplicas: 1,
    metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
    behavior: {
      scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: 'Max',
        policies: [
          { type: 'Pods', value: 4, periodSeconds: 15 },
          { type: 'Percent', value: 100, periodSeconds: 15 },
        ],
      },
      scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
    },
  });
  const plain = defaulted('autoscaling', 'HorizontalPodAutoscaler', true, { spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 5 } });
  assert.equal((plain.spec as Record<string, unknown>).behavior, undefined);
});

test('network policy types, rbac subjects, priority and storage classes', () => {
  const np = defaulted('networking.k8s.io', 'NetworkPolicy', true, { spec: { podSelector: {}, egress: [{ ports: [{ port: 53 }] }] } });
  assert.deepEqual(np.spec, { podSelector: {}, egress: [{ ports: [{ port: 53, protocol: 'TCP' }] }], policyTypes: ['Ingress', 'Egress'] });
  const ingressOnly = defaulted('networking.k8s.io', 'NetworkPolicy', true, { spec: { podSelector: {} } });
  assert.deepEqual((ingressOnly.spec as Record<string, unknown>).policyTypes, ['Ingress']);
  const ing = defaulted('networking.k8s.io', 'Ingress', true, { spec: { defaultBackend: { service: { name: 's', port: { number: 80 } } } } });
  assert.deepEqual(ing['status'], { loadBalancer: {} });
  const rb = defaulted('rbac.authorization.k8s.io', 'RoleBinding', true, {
    roleRef: { kind: 'Role', name: 'r' },
    subjects: [{ kind: 'User', name: 'jane' }, { kind: 'ServiceAccount', name: 'sa', namespace: 'default' }],
  });
  assert.deepEqual(rb.roleRef, { kind: 'Role', name: 'r', apiGroup: 'rbac.authorization.k8s.io' });
  assert.deepEqual(rb.subjects, [
    { kind: 'User', name: 'jane', apiGroup: 'rbac.authorization.k8s.io' },
    { kind: 'ServiceAccount', name: 'sa', namespace: 'default', apiGroup: '' },
  ]);
  assert.equal(defaulted('scheduling.k8s.io', 'PriorityClass', false, { value: 10 }).preemptionPolicy, 'PreemptLowerPriority');
  const sc = defaulted('storage.k8s.io', 'StorageClass', false, { provisioner: 'p' });
  assert.deepEqual([sc.reclaimPolicy, sc.volumeBindingMode], ['Delete', 'Immediate']);
});

test('kinds without defaults are left alone', () => {
  assert.deepEqual(defaulted('', 'ConfigMap', true, { data: { a: 'b' } }), { metadata: { name: 'x', namespace: 'default' }, data: { a: 'b' } });
  assert.deepEqual(defaulted('example.com', 'Widget', true, { spec: {} }), { metadata: { name: 'x', namespace: 'default' }, spec: {} });
});
