// The remaining kinds: namespaces, nodes, storage, networking, autoscaling, RBAC,
// scheduling, coordination, events, discovery, CRDs, disruption budgets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { applyDefaults, validate } from '../strategy.js';
import { resource, where } from './testing.js';

function check(group: string, kind: string, namespaced: boolean, obj: KubeObject, old?: KubeObject): string[] {
  const res = resource(group, kind, { namespaced });
  applyDefaults(res, obj);
  if (old) applyDefaults(res, old);
  return where(validate(res, obj, old));
}

const ns = (name: string, extra: Record<string, unknown> = {}): KubeObject => ({ metadata: { name, namespace: 'default' }, ...extra });
const cluster = (name: string, extra: Record<string, unknown> = {}): KubeObject => ({ metadata: { name }, ...extra });

test('namespaces: DNS label names, no namespace of their own, name immutable', () => {
  assert.deepEqual(check('', 'Namespace', false, cluster('team-a')), []);
  assert.deepEqual(check('', 'Namespace', false, cluster('team.a')), ['metadata.name FieldValueInvalid']);
  assert.deepEqual(check('', 'Namespace', false, { metadata: { name: 'x', namespace: 'y' } }), ['metadata.namespace FieldValueForbidden']);
  assert.deepEqual(check('', 'Namespace', false, cluster('b'), cluster('a')), ['metadata.name FieldValueInvalid']);
  assert.deepEqual(check('', 'Namespace', false, cluster('x', { spec: { finalizers: ['custom'] } })), ['spec.finalizers FieldValueInvalid']);
});

test('nodes: taints', () => {
  assert.deepEqual(check('', 'Node', false, cluster('node-1', { spec: { taints: [{ key: 'k', effect: 'NoSchedule' }] } })), []);
  assert.deepEqual(check('', 'Node', false, cluster('node-1', { spec: { taints: [{ key: 'k', effect: 'Sometimes' }, { key: 'k' }] } })), [
    'spec.taints[0].effect FieldValueNotSupported',
    'spec.taints[1].effect FieldValueRequired',
  ]);
});

test('persistent volumes: access modes, capacity, one source', () => {
  const pv = { spec: { accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' }, hostPath: { path: '/data' } } };
  assert.deepEqual(check('', 'PersistentVolume', false, cluster('pv1', pv)), []);
  assert.deepEqual(check('', 'PersistentVolume', false, cluster('pv1', { spec: { accessModes: ['ReadWriteSometimes'] } })), [
    'spec.accessModes FieldValueNotSupported',
    'spec.capacity FieldValueRequired',
    'spec FieldValueRequired',
  ]);
});

test('claims: storage request required; spec immutable except growing a bound claim', () => {
  const claim = (storage?: string): KubeObject =>
    ns('data', { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: storage ? { storage } : {} } } });
  assert.deepEqual(check('', 'PersistentVolumeClaim', true, claim('1Gi')), []);
  const res = resource('', 'PersistentVolumeClaim', { namespaced: true });
  const missing = claim();
  applyDefaults(res, missing);
  const errs = validate(res, missing);
  assert.deepEqual(where(errs), ['spec.resources[storage] FieldValueRequired']);
  assert.equal(ApiError.invalid('PersistentVolumeClaim', 'data', errs).message, 'PersistentVolumeClaim "data" is invalid: spec.resources[storage]: Required value');
  const bound = claim('1Gi');
  (bound as { status?: unknown }).status = { phase: 'Bound' };
  assert.deepEqual(check('', 'PersistentVolumeClaim', true, claim('2Gi'), bound), []);
  assert.deepEqual(check('', 'PersistentVolumeClaim', true, claim('500Mi'), bound), ['spec.resources.requests.storage FieldValueForbidden']);
  assert.deepEqual(check('', 'PersistentVolumeClaim', true, claim('2Gi'), claim('1Gi')), ['spec FieldValueForbidden']);
  const bindVolume = claim('1Gi');
  (bindVolume.spec as { volumeName: string }).volumeName = 'pv1';
  assert.deepEqual(check('', 'PersistentVolumeClaim', true, bindVolume, claim('1Gi')), []);
});

test('storage classes: provisioner required; parameters immutable', () => {
  assert.deepEqual(check('storage.k8s.io', 'StorageClass', false, cluster('fast', { provisioner: 'kubernetes.io/no-provisioner' })), []);
  assert.deepEqual(check('storage.k8s.io', 'StorageClass', false, cluster('fast', {})), ['provisioner FieldValueRequired']);
  assert.deepEqual(
    check('storage.k8s.io', 'StorageClass', false, cluster('fast', { provisioner: 'p', parameters: { a: 'b' } }), cluster('fast', { provisioner: 'p' })),
    ['parameters FieldValueForbidden'],
  );
});

test('ingress: pathType required, backends, hosts', () => {
  const ing = (path: Record<string, unknown>, host = 'example.com'): KubeObject =>
    ns('web', { spec: { rules: [{ host, http: { paths: [{ path: '/', backend: { service: { name: 'web', port: { number: 80 } } }, ...path }] } }] } });
  assert.deepEqual(check('networking.k8s.io', 'Ingress', true, ing({ pathType: 'Prefix' })), []);
  assert.deepEqual(check('networking.k8s.io', 'Ingress', true, ing({ pathType: 'Prefix' }, '*.example.com')), []);
  const res = resource('networking.k8s.io', 'Ingress', { namespaced: true });
  const errs = validate(res, ing({}));
  assert.deepEqual(where(errs), ['spec.rules[0].http.paths[0].pathType FieldValueRequired']);
  assert.equal(
    ApiError.invalid('Ingress', 'web', errs, 'networking.k8s.io').message,
    'Ingress.networking.k8s.io "web" is invalid: spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified',
  );
  assert.deepEqual(check('networking.k8s.io', 'Ingress', true, ing({ pathType: 'Exact', path: 'x' }, '10.0.0.1')), [
    'spec.rules[0].host FieldValueInvalid',
    'spec.rules[0].http.paths[0].path FieldValueInvalid',
  ]);
  assert.deepEqual(check('networking.k8s.io', 'Ingress', true, ns('web', { spec: {} })), ['spec FieldValueInvalid']);
});

test('network policies: peers and ports', () => {
  const ok = ns('np', { spec: { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ port: 80 }] }] } });
  assert.deepEqual(check('networking.k8s.io', 'NetworkPolicy', true, ok), []);
  const bad = ns('np', {
    spec: { podSelector: {}, ingress: [{ from: [{}, { ipBlock: { cidr: 'nope' }, podSelector: {} }], ports: [{ port: 90, endPort: 80 }] }] },
  });
  assert.deepEqual(check('networking.k8s.io', 'NetworkPolicy', true, bad), [
    'spec.ingress[0].ports[0].endPort FieldValueInvalid',
    'spec.ingress[0].from[0] FieldValueRequired',
    'spec.ingress[0].from[1] FieldValueForbidden',
    'spec.ingress[0].from[1].ipBlock.cidr FieldValueInvalid',
  ]);
});

test('horizontal pod autoscalers', () => {
  const hpa = (spec: Record<string, unknown>): KubeObject =>
    ns('web', { spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 5, ...spec } });
  assert.deepEqual(check('autoscaling', 'HorizontalPodAutoscaler', true, hpa({})), []);
  assert.deepEqual(check('autoscaling', 'HorizontalPodAutoscaler', true, hpa({ minReplicas: 6 })), ['spec.maxReplicas FieldValueInvalid']);
  assert.deepEqual(check('autoscaling', 'HorizontalPodAutoscaler', true, hpa({ minReplicas: 0, maxReplicas: 0 })), [
    'spec.minReplicas FieldValueInvalid',
    'spec.maxReplicas FieldValueInvalid',
  ]);
  assert.deepEqual(check('autoscaling', 'HorizontalPodAutoscaler', true, hpa({ metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization' } } }] })), [
    'spec.metrics[0].resource.target.averageUtilization FieldValueRequired',
  ]);
});

test('rbac: path segment names, rules, role references, subjects', () => {
  assert.deepEqual(check('rbac.authorization.k8s.io', 'ClusterRole', false, cluster('system:aggregate-to-view', { rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] })), []);
  assert.deepEqual(check('rbac.authorization.k8s.io', 'ClusterRole', false, cluster('a/b', { rules: [{ nonResourceURLs: ['/healthz'], verbs: ['get'] }] })), ['metadata.name FieldValueInvalid']);
  assert.deepEqual(check('rbac.authorization.k8s.io', 'Role', true, ns('r', { rules: [{ nonResourceURLs: ['/x'], verbs: [] }, { verbs: ['get'] }] })), [
    'rules[0].verbs FieldValueRequired',
    'rules[0].nonResourceURLs FieldValueInvalid',
    'rules[1].apiGroups FieldValueRequired',
    'rules[1].resources FieldValueRequired',
  ]);
  const rb = (roleName: string, subjects: unknown[]): KubeObject => ns('rb', { roleRef: { kind: 'Role', name: roleName, apiGroup: 'rbac.authorization.k8s.io' }, subjects });
  assert.deepEqual(check('rbac.authorization.k8s.io', 'RoleBinding', true, rb('reader', [{ kind: 'User', name: 'jane' }, { kind: 'ServiceAccount', name: 'default' }])), []);
  assert.deepEqual(check('rbac.authorization.k8s.io', 'RoleBinding', true, rb('reader', [{ kind: 'Robot', name: 'r2' }])), ['subjects[0].kind FieldValueNotSupported']);
  const errs = check('rbac.authorization.k8s.io', 'RoleBinding', true, rb('writer', []), rb('reader', []));
  assert.deepEqual(errs, ['roleRef FieldValueInvalid']);
  assert.deepEqual(check('rbac.authorization.k8s.io', 'ClusterRoleBinding', false, cluster('crb', { roleRef: { kind: 'Role', name: 'x' }, subjects: [{ kind: 'ServiceAccount', name: 'sa' }] })), [
    'roleRef.kind FieldValueNotSupported',
    'subjects[0].namespace FieldValueRequired',
  ]);
});

test('priority classes, leases, events, endpoint slices', () => {
  assert.deepEqual(check('scheduling.k8s.io', 'PriorityClass', false, cluster('high', { value: 1000 })), []);
  // The system- prefix is checked instead of the user maximum, not as well (as Kubernetes).
  assert.deepEqual(check('scheduling.k8s.io', 'PriorityClass', false, cluster('system-x', { value: 2_000_000_000 })), [
    'metadata.name FieldValueForbidden',
  ]);
  assert.deepEqual(check('scheduling.k8s.io', 'PriorityClass', false, cluster('high', { value: 1 }), cluster('high', { value: 2 })), ['value FieldValueForbidden']);
  assert.deepEqual(check('coordination.k8s.io', 'Lease', true, ns('l', { spec: { leaseDurationSeconds: 0 } })), ['spec.leaseDurationSeconds FieldValueInvalid']);
  assert.deepEqual(check('', 'Event', true, ns('e.1', { involvedObject: { namespace: 'other' }, type: 'Normal' })), ['involvedObject.namespace FieldValueInvalid']);
  assert.deepEqual(check('events.k8s.io', 'Event', true, ns('e.1', {})), [
    'eventTime FieldValueRequired',
    'type FieldValueInvalid',
    'reportingController FieldValueRequired',
    'reportingInstance FieldValueRequired',
    'action FieldValueRequired',
    'reason FieldValueRequired',
  ]);
  const slice = { addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'] }], ports: [{ port: 80 }] };
  assert.deepEqual(check('discovery.k8s.io', 'EndpointSlice', true, ns('s', slice)), []);
  assert.deepEqual(check('discovery.k8s.io', 'EndpointSlice', true, ns('s', { addressType: 'IPv4', endpoints: [{ addresses: ['fe80::1'] }, { addresses: [] }] })), [
    'endpoints[0].addresses[0] FieldValueInvalid',
    'endpoints[1].addresses FieldValueRequired',
  ]);
  assert.deepEqual(check('discovery.k8s.io', 'EndpointSlice', true, ns('s', { ...slice, addressType: 'IPv6', endpoints: [] }), ns('s', slice)), ['addressType FieldValueInvalid']);
});

test('custom resource definitions: name, group, versions', () => {
  const crd = (name: string, versions: unknown[]): KubeObject =>
    cluster(name, { spec: { group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', kind: 'Widget' }, versions } });
  assert.deepEqual(check('apiextensions.k8s.io', 'CustomResourceDefinition', false, crd('widgets.example.com', [{ name: 'v1', served: true, storage: true }])), []);
  assert.deepEqual(check('apiextensions.k8s.io', 'CustomResourceDefinition', false, crd('widget.example.com', [{ name: 'v1', served: true, storage: false }])), [
    'metadata.name FieldValueInvalid',
    'spec.versions FieldValueInvalid',
  ]);
});

test('pod disruption budgets', () => {
  assert.deepEqual(check('policy', 'PodDisruptionBudget', true, ns('pdb', { spec: { minAvailable: '50%', selector: { matchLabels: { a: 'b' } } } })), []);
  assert.deepEqual(check('policy', 'PodDisruptionBudget', true, ns('pdb', { spec: { minAvailable: 1, maxUnavailable: '150%' } })), [
    'spec FieldValueInvalid',
    'spec.maxUnavailable FieldValueInvalid',
  ]);
});
