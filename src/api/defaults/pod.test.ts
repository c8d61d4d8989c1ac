import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../object.js';
import { applyDefaults } from '../strategy.js';
import { resource } from '../validation/testing.js';
import { defaultImagePullPolicy } from './podspec.js';

const pods = resource('', 'Pod', { namespaced: true });

test('a minimal pod gets exactly what kubectl get -o yaml shows from Kubernetes', () => {
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'nginx', namespace: 'default' },
    spec: { containers: [{ name: 'nginx', image: 'nginx' }] },
  };
  applyDefaults(pods, pod);
  assert.deepEqual(pod, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'nginx', namespace: 'default' },
    spec: {
      containers: [
        {
          name: 'nginx',
          image: 'nginx',
          imagePullPolicy: 'Always',
          resources: {},
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
        },
      ],
      dnsPolicy: 'ClusterFirst',
      enableServiceLinks: true,
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      securityContext: {},
      serviceAccount: 'default',
      serviceAccountName: 'default',
      terminationGracePeriodSeconds: 30,
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ],
    },
  });
});

test('containers: ports, probes, env, lifecycle and resources', () => {
  const pod: KubeObject = {
    metadata: { name: 'p', namespace: 'default' },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'registry.example.com:5000/app:1.2',
          ports: [{ containerPort: 8080 }],
          livenessProbe: { httpGet: { port: 8080 } },
          readinessProbe: { grpc: { port: 9000 } },
          lifecycle: { preStop: { httpGet: { port: 8080, path: '/stop' } } },
          env: [
            { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory' } } },
          ],
          resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m' } },
        },
      ],
    },
  };
  applyDefaults(pods, pod);
  const c = (pod.spec as { containers: Record<string, unknown>[] }).containers[0];
  assert.equal(c?.imagePullPolicy, 'IfNotPresent');
  assert.deepEqual(c?.ports, [{ containerPort: 8080, protocol: 'TCP' }]);
  assert.deepEqual(c?.livenessProbe, {
    httpGet: { port: 8080, path: '/', scheme: 'HTTP' },
    timeoutSeconds: 1,
    periodSeconds: 10,
    successThreshold: 1,
    failureThreshold: 3,
  });
  assert.deepEqual(c?.readinessProbe, { grpc: { port: 9000, service: '' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
  assert.deepEqual(c?.lifecycle, { preStop: { httpGet: { port: 8080, path: '/stop', scheme: 'HTTP' } } });
  assert.deepEqual(c?.env, [
    { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name', apiVersion: 'v1' } } },
    { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '0' } } },
  ]);
  // Limits without requests become requests; given requests stay.
  assert.deepEqual(c?.resources, { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m', memory: '128Mi' } });
});

test('volumes: modes, emptyDir for a source-less volume, hostPath type, token expiry', () => {
  const pod: KubeObject = {
    metadata: { name: 'p', namespace: 'default' },
    spec: {
      containers: [{ name: 'c', image: 'i' }],
      volumes: [
        { name: 'cm', configMap: { name: 'cfg' } },
        { name: 'sec', secret: { secretName: 's', defaultMode: 0o400 } },
        { name: 'scratch' },
        { name: 'host', hostPath: { path: '/var/log' } },
        { name: 'token', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } },
        { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
      ],
    },
  };
  applyDefaults(pods, pod);
  assert.deepEqual((pod.spec as { volumes: unknown[] }).volumes, [
    { name: 'cm', configMap: { name: 'cfg', defaultMode: 420 } },
    { name: 'sec', secret: { secretName: 's', defaultMode: 0o400 } },
    { name: 'scratch', emptyDir: {} },
    { name: 'host', hostPath: { path: '/var/log', type: '' } },
    { name: 'token', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3600 } }], defaultMode: 420 } },
    { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels', apiVersion: 'v1' } }], defaultMode: 420 } },
  ]);
});

test('existing choices are kept: service account, tolerations, priority class, host network ports', () => {
  const pod: KubeObject = {
    metadata: { name: 'p', namespace: 'default' },
    spec: {
      containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 53, protocol: 'UDP' }] }],
      hostNetwork: true,
      serviceAccountName: 'robot',
      priorityClassName: 'high',
      tolerations: [{ operator: 'Exists' }],
    },
  };
  applyDefaults(pods, pod);
  const spec = pod.spec as Record<string, unknown>;
  assert.equal(spec.serviceAccountName, 'robot');
  assert.equal(spec.serviceAccount, 'robot');
  assert.equal(spec.priority, undefined);
  assert.deepEqual(spec.tolerations, [{ operator: 'Exists' }]);
  assert.deepEqual((spec.containers as { ports: unknown }[])[0]?.ports, [{ containerPort: 53, protocol: 'UDP', hostPort: 53 }]);
});

test('defaulting twice changes nothing more', () => {
  const pod: KubeObject = { metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'i' }] } };
  applyDefaults(pods, pod);
  const once = structuredClone(pod);
  applyDefaults(pods, pod);
  assert.deepEqual(pod, once);
});

test('image pull policy follows the tag', () => {
  assert.equal(defaultImagePullPolicy('nginx'), 'Always');
  assert.equal(defaultImagePullPolicy('nginx:latest'), 'Always');
  assert.equal(defaultImagePullPolicy('nginx:1.27'), 'IfNotPresent');
  assert.equal(defaultImagePullPolicy('localhost:5000/app'), 'Always');
  assert.equal(defaultImagePullPolicy('localhost:5000/app:v2'), 'IfNotPresent');
  assert.equal(defaultImagePullPolicy('nginx@sha256:abcd'), 'IfNotPresent');
});
