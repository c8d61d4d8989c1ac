import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints, Pod, Service } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../api/errors.js';
import { startControllerHarness, type ControllerHarness } from '../testing.js';
import { endpointsController } from './endpoints.js';

const PODS = { group: '', version: 'v1', resource: 'pods' };
const SERVICES = { group: '', version: 'v1', resource: 'services' };
const ENDPOINTS = { group: '', version: 'v1', resource: 'endpoints' };

async function eventually<T>(probe: () => Promise<T | undefined>, what: string, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function createPod(h: ControllerHarness, name: string, options: { ip: string; ready: boolean; labels?: Record<string, string> }): Promise<void> {
  const pods = h.client.resource<Pod>(PODS, 'default');
  await pods.create({
    metadata: { name, labels: options.labels ?? { app: 'web' } },
    spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'nginx', ports: [{ name: 'http', containerPort: 8080 }] }] },
  });
  await setReady(h, name, options.ip, options.ready);
}

async function setReady(h: ControllerHarness, name: string, ip: string, ready: boolean): Promise<void> {
  await h.client.resource<Pod>(PODS, 'default').patch(
    name,
    'merge',
    { status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } },
    { subresource: 'status' },
  );
}

async function createService(h: ControllerHarness, spec: Service['spec'], name = 'web'): Promise<void> {
  await h.client.resource<Service>(SERVICES, 'default').create({ metadata: { name, labels: { tier: 'front' } }, spec });
}

async function endpointsWhere(h: ControllerHarness, name: string, ok: (e: Endpoints) => boolean): Promise<Endpoints> {
  return eventually(async () => {
    try {
      const e = await h.client.resource<Endpoints>(ENDPOINTS, 'default').get(name);
      return ok(e) ? e : undefined;
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return undefined;
      throw err;
    }
  }, `endpoints ${name}`);
}

const ips = (e: Endpoints, field: 'addresses' | 'notReadyAddresses'): string[] => (e.subsets ?? []).flatMap((s) => (s[field] ?? []).map((a) => a.ip)).sort();

test('ready pods become addresses; a pod turning unready moves to notReadyAddresses; a deleted pod leaves', async () => {
  const h = await startControllerHarness();
  try {
    h.start(endpointsController);
    await createService(h, { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] });
    for (const [i, ip] of ['10.42.0.11', '10.42.0.12', '10.42.0.13'].entries()) await createPod(h, `web-${i}`, { ip, ready: true });
    await createPod(h, 'other', { ip: '10.42.0.99', ready: true, labels: { app: 'db' } });

    let ep = await endpointsWhere(h, 'web', (e) => ips(e, 'addresses').length === 3);
    assert.deepEqual(ips(ep, 'addresses'), ['10.42.0.11', '10.42.0.12', '10.42.0.13']);
    const subset = ep.subsets?.[0];
    assert.deepEqual(subset?.ports, [{ port: 8080, protocol: 'TCP' }]);
    const first = subset?.addresses?.[0];
    assert.equal(first?.nodeName, 'node-1');
    assert.equal(first?.targetRef?.kind, 'Pod');
    assert.equal(first?.targetRef?.name, 'web-0');
    assert.equal(ep.metadata?.labels?.['endpoints.kubernetes.io/managed-by'], 'endpoint-controller');
    assert.equal(ep.metadata?.labels?.['tier'], 'front');

    await setReady(h, 'web-1', '10.42.0.12', false);
    ep = await endpointsWhere(h, 'web', (e) => ips(e, 'notReadyAddresses').length === 1);
    assert.deepEqual(ips(ep, 'addresses'), ['10.42.0.11', '10.42.0.13']);
    assert.deepEqual(ips(ep, 'notReadyAddresses'), ['10.42.0.12']);

    await h.client.resource<Pod>(PODS, 'default').delete('web-0', { gracePeriodSeconds: 0 });
    ep = await endpointsWhere(h, 'web', (e) => !ips(e, 'addresses').includes('10.42.0.11'));
    assert.deepEqual(ips(ep, 'addresses'), ['10.42.0.13']);
  } finally {
    await h.close();
  }
});

test('a named target port is resolved from each pod; publishNotReadyAddresses lists unready pods as ready', async () => {
  const h = await startControllerHarness();
  try {
    h.start(endpointsController);
    await createService(h, { selector: { app: 'web' }, publishNotReadyAddresses: true, ports: [{ name: 'web', port: 80, targetPort: 'http' }] });
    await createPod(h, 'web-0', { ip: '10.42.0.21', ready: false });
    const ep = await endpointsWhere(h, 'web', (e) => ips(e, 'addresses').length === 1);
    assert.deepEqual(ep.subsets?.[0]?.ports, [{ name: 'web', port: 8080, protocol: 'TCP' }]);
    assert.deepEqual(ips(ep, 'notReadyAddresses'), []);
  } finally {
    await h.close();
  }
});

test('headless services get addresses and the headless label; selector-less services are left alone; deleting the service deletes its endpoints', async () => {
  const h = await startControllerHarness();
  try {
    h.start(endpointsController);
    const endpoints = h.client.resource<Endpoints>(ENDPOINTS, 'default');
    await createService(h, { ports: [{ port: 80 }] }, 'manual');
    await endpoints.create({ metadata: { name: 'manual' }, subsets: [{ addresses: [{ ip: '192.0.2.1' }], ports: [{ port: 80, protocol: 'TCP' }] }] });
    await createService(h, { clusterIP: 'None', selector: { app: 'web' } }, 'headless');
    await createPod(h, 'web-0', { ip: '10.42.0.31', ready: true });
    const ep = await endpointsWhere(h, 'headless', (e) => ips(e, 'addresses').length === 1);
    assert.equal(ep.metadata?.labels?.['service.kubernetes.io/headless'], '');
    assert.equal(ep.subsets?.[0]?.ports, undefined);

    assert.deepEqual(ips(await endpoints.get('manual'), 'addresses'), ['192.0.2.1']);
    await h.client.resource<Service>(SERVICES, 'default').delete('headless');
    await eventually(async () => {
      try {
        await endpoints.get('headless');
        return undefined;
      } catch (err) {
        if (err instanceof ApiError && err.code === 404) return true;
        throw err;
      }
    }, 'endpoints deleted');
  } finally {
    await h.close();
  }
});

test('an Endpoints object with no Service is left alone when it changes (conformance: Endpoint lifecycle)', async () => {
  const h = await startControllerHarness();
  try {
    h.start(endpointsController);
    const endpoints = h.client.resource<Endpoints>(ENDPOINTS, 'default');
    await endpoints.create({ metadata: { name: 'orphan' }, subsets: [{ addresses: [{ ip: '192.0.2.1' }], ports: [{ port: 80, protocol: 'TCP' }] }] });
    await endpoints.patch('orphan', 'merge', { metadata: { labels: { changed: 'yes' } } });
    // A later change the controller acts on: once it is done, the earlier update has been seen.
    await createService(h, { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] });
    await createPod(h, 'web-0', { ip: '10.42.0.41', ready: true });
    await endpointsWhere(h, 'web', (e) => ips(e, 'addresses').length === 1);
    const orphan = await endpoints.get('orphan');
    assert.equal(orphan.metadata?.labels?.['changed'], 'yes');
    assert.deepEqual(ips(orphan, 'addresses'), ['192.0.2.1']);
  } finally {
    await h.close();
  }
});
