import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { applyDefaults, validate } from '../strategy.js';
import { resource, where } from './testing.js';

const deployments = resource('apps', 'Deployment', { namespaced: true });
const statefulsets = resource('apps', 'StatefulSet', { namespaced: true });
const daemonsets = resource('apps', 'DaemonSet', { namespaced: true });
const replicasets = resource('apps', 'ReplicaSet', { namespaced: true });
const rcs = resource('', 'ReplicationController', { namespaced: true });

function workload(kind: string, spec: Record<string, unknown>, templateLabels: Record<string, string> = { app: 'x' }): KubeObject {
  const obj: KubeObject = {
    apiVersion: 'apps/v1',
    kind,
    metadata: { name: 'x', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'x' } },
      template: { metadata: { labels: templateLabels }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
      ...spec,
    },
  };
  return obj;
}

function defaulted(res: ReturnType<typeof resource>, obj: KubeObject): KubeObject {
  applyDefaults(res, obj);
  return obj;
}

test('valid workloads pass', () => {
  assert.deepEqual(validate(deployments, defaulted(deployments, workload('Deployment', {}))), []);
  assert.deepEqual(validate(replicasets, defaulted(replicasets, workload('ReplicaSet', {}))), []);
  assert.deepEqual(validate(statefulsets, defaulted(statefulsets, workload('StatefulSet', { serviceName: 'x' }))), []);
  assert.deepEqual(validate(daemonsets, defaulted(daemonsets, workload('DaemonSet', {}))), []);
});

test('selector must match template labels, worded as Kubernetes words it', () => {
  const d = defaulted(deployments, workload('Deployment', {}, { app: 'y' }));
  const errs = validate(deployments, d);
  assert.deepEqual(where(errs), ['spec.template.metadata.labels FieldValueInvalid']);
  assert.equal(String(errs[0]?.value), 'map[string]string{"app":"y"}');
  assert.equal(errs[0]?.detail, '`selector` does not match template `labels`');
  for (const [res, kind] of [
    [statefulsets, 'StatefulSet'],
    [daemonsets, 'DaemonSet'],
    [replicasets, 'ReplicaSet'],
  ] as const) {
    assert.deepEqual(where(validate(res, defaulted(res, workload(kind, { serviceName: 'x' }, { app: 'y' })))), [
      'spec.template.metadata.labels FieldValueInvalid',
    ], kind);
  }
});

test('selector is required and may not be empty', () => {
  const missing = defaulted(deployments, workload('Deployment', { selector: undefined }));
  assert.deepEqual(where(validate(deployments, missing)), ['spec.selector FieldValueRequired']);
  const empty = defaulted(deployments, workload('Deployment', { selector: {} }));
  const errs = validate(deployments, empty);
  assert.deepEqual(where(errs), ['spec.selector FieldValueInvalid']);
  assert.equal(errs[0]?.detail, 'empty selector is invalid for deployment');
});

test('replicas must be non-negative; strategy values are checked', () => {
  const d = defaulted(deployments, workload('Deployment', { replicas: -1, strategy: { type: 'Recreate', rollingUpdate: { maxSurge: 1 } } }));
  const errs = validate(deployments, d);
  assert.deepEqual(where(errs), ['spec.replicas FieldValueInvalid', 'spec.strategy.rollingUpdate FieldValueForbidden']);
  assert.equal(
    ApiError.invalid('Deployment', 'x', [errs[0]!], 'apps').message,
    'Deployment.apps "x" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
  );
  const zero = defaulted(deployments, workload('Deployment', { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } } }));
  assert.deepEqual(where(validate(deployments, zero)), ['spec.strategy.rollingUpdate.maxUnavailable FieldValueInvalid']);
  const pct = defaulted(deployments, workload('Deployment', { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '1x', maxUnavailable: '120%' } } }));
  assert.deepEqual(where(validate(deployments, pct)), [
    'spec.strategy.rollingUpdate.maxSurge FieldValueInvalid',
    'spec.strategy.rollingUpdate.maxUnavailable FieldValueInvalid',
  ]);
});

test('templates must restart Always and carry no activeDeadlineSeconds', () => {
  const d = workload('Deployment', {});
  (d.spec as { template: { spec: Record<string, unknown> } }).template.spec.restartPolicy = 'Never';
  (d.spec as { template: { spec: Record<string, unknown> } }).template.spec.activeDeadlineSeconds = 5;
  const errs = validate(deployments, defaulted(deployments, d));
  assert.deepEqual(where(errs), ['spec.template.spec.restartPolicy FieldValueNotSupported', 'spec.template.spec.activeDeadlineSeconds FieldValueForbidden']);
  assert.equal(
    ApiError.invalid('Deployment', 'x', [errs[0]!], 'apps').message,
    'Deployment.apps "x" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
  );
});

test('template pod spec errors carry the template path', () => {
  const d = workload('Deployment', {});
  (d.spec as { template: { spec: { containers: unknown[] } } }).template.spec.containers = [{ name: 'c' }];
  assert.deepEqual(where(validate(deployments, defaulted(deployments, d))), ['spec.template.spec.containers[0].image FieldValueRequired']);
});

test('selector is immutable on update for apps/v1 workloads', () => {
  for (const [res, kind] of [
    [deployments, 'Deployment'],
    [replicasets, 'ReplicaSet'],
    [daemonsets, 'DaemonSet'],
  ] as const) {
    const old = defaulted(res, workload(kind, {}, { app: 'x', tier: 'web' }));
    const now = structuredClone(old);
    (now.spec as { selector: unknown }).selector = { matchLabels: { app: 'x', tier: 'web' } };
    const errs = validate(res, now, old);
    assert.deepEqual(where(errs), ['spec.selector FieldValueInvalid'], kind);
    assert.equal(
      `${errs[0]?.field}: Invalid value: ${String(errs[0]?.value)}: ${errs[0]?.detail}`,
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"x", "tier":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    );
  }
});

test('statefulset updates may only change the mutable fields', () => {
  const old = defaulted(statefulsets, workload('StatefulSet', { serviceName: 'a' }));
  const ok = structuredClone(old);
  (ok.spec as { replicas: number }).replicas = 3;
  assert.deepEqual(validate(statefulsets, ok, old), []);
  const bad = structuredClone(old);
  (bad.spec as { serviceName: string }).serviceName = 'b';
  const errs = validate(statefulsets, bad, old);
  assert.deepEqual(where(errs), ['spec FieldValueForbidden']);
  assert.match(errs[0]?.detail ?? '', /^updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template'/);
});

test('statefulset and daemonset strategy checks', () => {
  const ss = defaulted(statefulsets, workload('StatefulSet', { podManagementPolicy: 'Random', updateStrategy: { type: 'OnDelete', rollingUpdate: { partition: 1 } } }));
  assert.deepEqual(where(validate(statefulsets, ss)), ['spec.podManagementPolicy FieldValueInvalid', 'spec.updateStrategy.rollingUpdate FieldValueInvalid']);
  const ds = defaulted(daemonsets, workload('DaemonSet', { updateStrategy: { type: 'Sometimes' } }));
  assert.deepEqual(where(validate(daemonsets, ds)), ['spec.updateStrategy.type FieldValueNotSupported']);
});

test('replication controllers: selector defaults from the template; a mismatch is rejected', () => {
  const rc: KubeObject = {
    metadata: { name: 'rc', namespace: 'default' },
    spec: { template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
  };
  applyDefaults(rcs, rc);
  assert.deepEqual(validate(rcs, rc), []);
  (rc.spec as { selector: Record<string, string> }).selector = { app: 'b' };
  assert.deepEqual(where(validate(rcs, rc)), ['spec.template.metadata.labels FieldValueInvalid']);
});
