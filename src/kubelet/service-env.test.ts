import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import { containerEnv } from './env.js';
import { serviceEnv } from './service-env.js';

function svc(ns: string, name: string, clusterIP: string, ports: NonNullable<Service['spec']>['ports']): Service {
  return { metadata: { namespace: ns, name }, spec: { clusterIP, ports } };
}

const services = [
  svc('default', 'kubernetes', '10.43.0.1', [{ name: 'https', port: 443, protocol: 'TCP' }]),
  svc('shop', 'redis-primary', '10.43.5.6', [{ name: 'redis', port: 6379, protocol: 'TCP' }, { name: 'metrics', port: 9121, protocol: 'UDP' }]),
  svc('shop', 'headless', 'None', [{ port: 80 }]),
  svc('other', 'elsewhere', '10.43.9.9', [{ port: 80 }]),
];

function pod(ns: string, enableServiceLinks?: boolean): Pod {
  return { metadata: { namespace: ns, name: 'p' }, spec: { containers: [{ name: 'c' }], enableServiceLinks } };
}

test('Kubernetes service variables for the namespace and the kubernetes service', () => {
  const env = Object.fromEntries(serviceEnv(pod('shop'), services).map((e) => [e.name, e.value]));
  assert.deepEqual(env, {
    KUBERNETES_SERVICE_HOST: '10.43.0.1',
    KUBERNETES_SERVICE_PORT: '443',
    KUBERNETES_SERVICE_PORT_HTTPS: '443',
    KUBERNETES_PORT: 'tcp://10.43.0.1:443',
    KUBERNETES_PORT_443_TCP: 'tcp://10.43.0.1:443',
    KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
    KUBERNETES_PORT_443_TCP_PORT: '443',
    KUBERNETES_PORT_443_TCP_ADDR: '10.43.0.1',
    REDIS_PRIMARY_SERVICE_HOST: '10.43.5.6',
    REDIS_PRIMARY_SERVICE_PORT: '6379',
    REDIS_PRIMARY_SERVICE_PORT_REDIS: '6379',
    REDIS_PRIMARY_SERVICE_PORT_METRICS: '9121',
    REDIS_PRIMARY_PORT: 'tcp://10.43.5.6:6379',
    REDIS_PRIMARY_PORT_6379_TCP: 'tcp://10.43.5.6:6379',
    REDIS_PRIMARY_PORT_6379_TCP_PROTO: 'tcp',
    REDIS_PRIMARY_PORT_6379_TCP_PORT: '6379',
    REDIS_PRIMARY_PORT_6379_TCP_ADDR: '10.43.5.6',
    REDIS_PRIMARY_PORT_9121_UDP: 'udp://10.43.5.6:9121',
    REDIS_PRIMARY_PORT_9121_UDP_PROTO: 'udp',
    REDIS_PRIMARY_PORT_9121_UDP_PORT: '9121',
    REDIS_PRIMARY_PORT_9121_UDP_ADDR: '10.43.5.6',
  });
});

test('enableServiceLinks: false keeps only the kubernetes service; a namespace-local kubernetes service wins', () => {
  assert.deepEqual([...new Set(serviceEnv(pod('shop', false), services).map((e) => e.name.split('_')[0]))], ['KUBERNETES']);
  const own = [...services, svc('shop', 'kubernetes', '10.43.7.7', [{ port: 80 }])];
  const env = serviceEnv(pod('shop'), own).find((e) => e.name === 'KUBERNETES_SERVICE_HOST');
  assert.equal(env?.value, '10.43.7.7');
});

test('container variables win over service variables, and $(VAR) can refer to them', async () => {
  const p = pod('shop');
  const container = { name: 'c', env: [{ name: 'REDIS_PRIMARY_SERVICE_PORT', value: '1' }, { name: 'URL', value: 'redis://$(REDIS_PRIMARY_SERVICE_HOST):6379' }] };
  const env = await containerEnv({
    pod: p,
    container,
    objects: { get: async () => undefined },
    network: { podIP: '', hostIP: '' },
    node: { cpu: 1, memoryBytes: 1, pods: 1, ephemeralStorageBytes: 1 },
    serviceEnv: serviceEnv(p, services),
  });
  const byName = new Map(env.map((e) => [e.name, e.value]));
  assert.equal(byName.get('REDIS_PRIMARY_SERVICE_PORT'), '1');
  assert.equal(byName.get('URL'), 'redis://10.43.5.6:6379');
  assert.equal(byName.get('KUBERNETES_SERVICE_HOST'), '10.43.0.1');
  assert.equal(env[0]?.name, 'REDIS_PRIMARY_SERVICE_PORT', 'the container\'s own variables come first');
});
