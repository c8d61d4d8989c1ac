import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { startControllerHarness, type ControllerHarness } from '../testing.js';
import { endpointSliceController } from './endpointslice.js';

const PODS = { group: '', version: 'v1', resource: 'pods' };
const SERVICES = { group: '', version: 'v1', resource: 'services' };
const SLICES = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' };

async function eventually<T>(probe: () => Promise<T | undefined>, what: string, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function createPod(h: ControllerHarness, name: string, ip: string, ready: boolean): Promise<void> {
  await h.client.resource<Pod>(PODS, 'default').create({
    metadata: { name, labels: { app: 'web' } },
    spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'nginx', ports: [{ name: 'http', containerPort: 8080 }] }] },
  });
  await setReady(h, name, ip, ready);
}

async function setReady(h: ControllerHarness, name: string, ip: string, ready: boolean): Promise<void> {
  await h.client.resource<Pod>(PODS, 'default').patch(
    name,
    'merge',
    { status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } },
    { subresource: 'status' },
  );
}

async function slicesWhere(h: ControllerHarness, service: string, ok: (s: EndpointSlice[]) => boolean): Promise<EndpointSlice[]> {
  return eventually(async () => {
    const list = await h.client.resource<EndpointSlice>(SLICES, 'default').list({ labelSelector: `kubernetes.io/service-name=${service}` });
    return ok(list.items) ? list.items : undefined;
  }, `slices of ${service}`);
}

const endpoints = (slices: EndpointSlice[]) => slices.flatMap((s) => s.endpoints ?? []);

test('slices list selected pods with conditions, named ports, labels and the owner reference', async () => {
  const h = await startControllerHarness();
  try {
    h.start(endpointSliceController);
    const svc = await h.client.resource<Service>(SERVICES, 'default').create({
      metadata: { name: 'web', labels: { tier: 'front' } },
      spec: { selector: { app: 'web' }, ports: [{ name: 'web', port: 80, targetPort: 'http' }] },
    });
    let slices = await slicesWhere(h, 'web', (s) => s.length === 1);
    assert.deepEqual(slices[0]?.endpoints ?? [], [], 'a placeholder slice while no pod matches');
    const placeholder = slices[0]?.metadata?.name;

    for (const [i, ip] of ['10.42.0.11', '10.42.0.12', '10.42.0.13'].entries()) await createPod(h, `web-${i}`, ip, true);
    slices = await slicesWhere(h, 'web', (s) => s.length === 1 && endpoints(s).filter((e) => e.conditions?.ready).length === 3);
    assert.equal(slices[0]?.metadata?.name, placeholder, 'the placeholder slice is rewritten, not replaced');
    const slice = slices[0];
    assert.equal(slice?.addressType, 'IPv4');
    assert.deepEqual(slice?.ports, [{ name: 'web', port: 8080, protocol: 'TCP' }]);
    assert.equal(slice?.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
    assert.equal(slice?.metadata?.labels?.['tier'], 'front');
    assert.deepEqual(slice?.metadata?.ownerReferences?.map((r) => [r.kind, r.name, r.uid, r.controller]), [['Service', 'web', svc.metadata?.uid, true]]);
    const ep = endpoints(slices).find((e) => e.targetRef?.name === 'web-0');
    assert.deepEqual(ep?.addresses, ['10.42.0.11']);
    assert.equal(ep?.nodeName, 'node-1');
    assert.deepEqual(ep?.conditions, { ready: true, serving: true, terminating: false });

    await setReady(h, 'web-1', '10.42.0.12', false);
    slices = await slicesWhere(h, 'web', (s) => endpoints(s).some((e) => e.targetRef?.name === 'web-1' && e.conditions?.ready === false));
    assert.deepEqual(endpoints(slices).find((e) => e.targetRef?.name === 'web-1')?.conditions, { ready: false, serving: false, terminating: false });

    await h.client.resource<Pod>(PODS, 'default').delete('web-2', { gracePeriodSeconds: 0 });
    slices = await slicesWhere(h, 'web', (s) => endpoints(s).length === 2);
    assert.deepEqual(endpoints(slices).map((e) => e.targetRef?.name).sort(), ['web-0', 'web-1']);
  } finally {
    await h.close();
  }
});

test('a terminating pod stays with terminating: true; more than 100 endpoints span slices; selector-less services get none', async () => {
  const h = await startControllerHarness();
  try {
    h.start(endpointSliceController);
    const services = h.client.resource<Service>(SERVICES, 'default');
    await services.create({ metadata: { name: 'manual' }, spec: { ports: [{ port: 80 }] } });
    await services.create({ metadata: { name: 'web' }, spec: { clusterIP: 'None', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } });
    await Promise.all(Array.from({ length: 105 }, (_, i) => createPod(h, `web-${i}`, `10.42.1.${i + 1}`, true)));
    const slices = await slicesWhere(h, 'web', (s) => endpoints(s).length === 105);
    assert.deepEqual(slices.map((s) => s.endpoints?.length).sort(), [100, 5]);
    assert.equal(slices[0]?.metadata?.labels?.['service.kubernetes.io/headless'], '');

    // Graceful deletion of a pod on a node leaves it terminating.
    await h.client.resource<Pod>(PODS, 'default').delete('web-0');
    await slicesWhere(h, 'web', (s) => {
      const e = endpoints(s).find((x) => x.targetRef?.name === 'web-0');
      return e?.conditions?.terminating === true && e.conditions.ready === false && e.conditions.serving === true;
    });
    assert.deepEqual((await h.client.resource<EndpointSlice>(SLICES, 'default').list({ labelSelector: 'kubernetes.io/service-name=manual' })).items, []);
  } finally {
    await h.close();
  }
});
