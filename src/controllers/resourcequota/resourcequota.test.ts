import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Pod, ResourceQuota, Service } from 'kubernetes-types/core/v1.js';
import { startControllerHarness, type ControllerHarness } from '../testing.js';
import { resourceQuotaController } from './resourcequota.js';

const PODS = { group: '', version: 'v1', resource: 'pods' };
const QUOTAS = { group: '', version: 'v1', resource: 'resourcequotas' };
const CONFIGMAPS = { group: '', version: 'v1', resource: 'configmaps' };
const SERVICES = { group: '', version: 'v1', resource: 'services' };
const NAMESPACES = { group: '', version: 'v1', resource: 'namespaces' };

async function usedWhere(h: ControllerHarness, ns: string, ok: (used: Record<string, string>) => boolean): Promise<ResourceQuota> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const q = await h.client.resource<ResourceQuota>(QUOTAS, ns).get('quota');
    if (q.status?.used && ok(q.status.used as Record<string, string>)) return q;
    if (Date.now() > deadline) throw new Error(`timed out; last used: ${JSON.stringify(q.status?.used)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function createPod(h: ControllerHarness, ns: string, name: string, resources: { requests?: Record<string, string>; limits?: Record<string, string> }, phase?: string): Promise<void> {
  const pods = h.client.resource<Pod>(PODS, ns);
  await pods.create({ metadata: { name }, spec: { containers: [{ name: 'c', image: 'nginx', resources }] } });
  if (phase) await pods.patch(name, 'merge', { status: { phase } }, { subresource: 'status' });
}

test('status.used counts objects and sums the compute of non-terminal pods; status.hard follows spec.hard', async () => {
  const h = await startControllerHarness();
  const ns = 'quota-test';
  try {
    await h.client.resource(NAMESPACES).create({ metadata: { name: ns } });
    h.start(resourceQuotaController);
    const hard = {
      pods: '10',
      'requests.cpu': '2',
      'requests.memory': '1Gi',
      'limits.cpu': '4',
      'limits.memory': '2Gi',
      configmaps: '5',
      services: '3',
      secrets: '4',
      resourcequotas: '1',
      'count/deployments.apps': '2',
    };
    await h.client.resource<ResourceQuota>(QUOTAS, ns).create({ metadata: { name: 'quota' }, spec: { hard } });
    // Quota admission refuses what a quota without a computed usage would limit.
    await usedWhere(h, ns, (u) => Object.keys(u).length === Object.keys(hard).length);
    await createPod(h, ns, 'a', { requests: { cpu: '250m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
    await createPod(h, ns, 'b', { requests: { cpu: '500m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } });
    // A cpu or memory quota requires each container to state those amounts.
    await createPod(h, ns, 'done', { requests: { cpu: '1', memory: '1Mi' }, limits: { cpu: '1', memory: '1Mi' } }, 'Succeeded');
    await h.client.resource<ConfigMap>(CONFIGMAPS, ns).create({ metadata: { name: 'cm' }, data: { a: 'b' } });
    await h.client.resource<Service>(SERVICES, ns).create({ metadata: { name: 'svc' }, spec: { ports: [{ port: 80 }] } });

    const configmaps = (await h.client.resource<ConfigMap>(CONFIGMAPS, ns).list()).items.length;
    const q = await usedWhere(h, ns, (u) => u['pods'] === '2' && u['services'] === '1' && u['configmaps'] === String(configmaps));
    assert.deepEqual(q.status?.hard, hard);
    assert.deepEqual(q.status?.used, {
      pods: '2',
      'requests.cpu': '750m',
      'requests.memory': '256Mi',
      'limits.cpu': '1500m',
      'limits.memory': '512Mi',
      configmaps: String(configmaps),
      services: '1',
      secrets: String((await h.client.resource(({ group: '', version: 'v1', resource: 'secrets' }), ns).list()).items.length),
      resourcequotas: '1',
      'count/deployments.apps': '0',
    });

    await h.client.resource<Pod>(PODS, ns).delete('a', { gracePeriodSeconds: 0 });
    await usedWhere(h, ns, (u) => u['pods'] === '1' && u['requests.cpu'] === '500m');

    await h.client.resource<ResourceQuota>(QUOTAS, ns).patch('quota', 'json', [{ op: 'replace', path: '/spec/hard', value: { pods: '20' } }]);
    const after = await usedWhere(h, ns, (u) => Object.keys(u).length === 1);
    assert.deepEqual(after.status?.hard, { pods: '20' });
    assert.deepEqual(after.status?.used, { pods: '1' });
  } finally {
    await h.close();
  }
});

test('scoped quotas count only the pods in scope', async () => {
  const h = await startControllerHarness();
  const ns = 'scoped';
  try {
    await h.client.resource(NAMESPACES).create({ metadata: { name: ns } });
    h.start(resourceQuotaController);
    await h.client.resource<ResourceQuota>(QUOTAS, ns).create({ metadata: { name: 'quota' }, spec: { hard: { pods: '5', configmaps: '3' }, scopes: ['BestEffort'] } });
    await usedWhere(h, ns, (u) => u['pods'] === '0');
    await createPod(h, ns, 'best-effort', {});
    await createPod(h, ns, 'burstable', { requests: { cpu: '100m' } });
    const q = await usedWhere(h, ns, (u) => u['pods'] === '1');
    assert.deepEqual(q.status?.used, { pods: '1' });
  } finally {
    await h.close();
  }
});
