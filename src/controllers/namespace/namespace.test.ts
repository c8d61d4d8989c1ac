// The namespace controller against a real API server: deleting a namespace deletes what is in
// it, reports what holds it up, and finally lets the namespace go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { ConfigMap, Namespace, Pod } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../api/errors.js';
import { findResource } from '../../api/resources.js';
import { startControllerHarness, type ControllerHarness } from '../testing.js';
import { namespacedResources, type ContentReport } from './content.js';
import { conditionsFor, namespaceController } from './namespace.js';

const namespaces = findResource('', 'v1', 'namespaces') ?? assert.fail('namespaces');
const configMaps = findResource('', 'v1', 'configmaps') ?? assert.fail('configmaps');
const pods = findResource('', 'v1', 'pods') ?? assert.fail('pods');
const deployments = findResource('apps', 'v1', 'deployments') ?? assert.fail('deployments');

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function gone(h: ControllerHarness, name: string): Promise<boolean> {
  try {
    await h.client.resource(namespaces).get(name);
    return false;
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return true;
    throw err;
  }
}

async function fill(h: ControllerHarness, ns: string): Promise<void> {
  await h.client.resource(namespaces).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await h.client.resource<ConfigMap>(configMaps, ns).create({ metadata: { name: 'cm-1' }, data: { a: '1' } });
  await h.client.resource<ConfigMap>(configMaps, ns).create({ metadata: { name: 'cm-2' } });
  // Without spec.nodeName a pod is deleted at once (no kubelet has to finish it).
  await h.client.resource<Pod>(pods, ns).create({ metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
  await h.client.resource<Deployment>(deployments, ns).create({
    metadata: { name: 'web' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
    },
  });
}

test('deleting a namespace deletes its configmaps, pods and deployments, then the namespace', async () => {
  const h = await startControllerHarness();
  try {
    h.start(namespaceController);
    await fill(h, 'doomed');
    await h.client.resource(namespaces).delete('doomed');
    const terminating = await h.client.resource<Namespace>(namespaces).get('doomed');
    assert.equal(terminating.status?.phase, 'Terminating');
    await until('the namespace to go', () => gone(h, 'doomed'));
    for (const r of [configMaps, pods, deployments]) assert.equal((await h.client.resource(r, 'doomed').list()).items.length, 0);
  } finally {
    await h.close();
  }
});

test('a namespace goes as soon as its last terminating pod is gone, not after the grace-period estimate', async () => {
  const h = await startControllerHarness();
  try {
    h.start(namespaceController);
    await h.client.resource(namespaces).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'quick' } });
    // Bound to a node: deleting it only starts its 30 s grace period, the kubelet finishes it.
    const podsOf = h.client.resource<Pod>(pods, 'quick');
    await podsOf.create({ metadata: { name: 'p' }, spec: { nodeName: 'n1', terminationGracePeriodSeconds: 30, containers: [{ name: 'c', image: 'nginx' }] } });
    await h.client.resource(namespaces).delete('quick');
    await until('the pod to be terminating', async () => (await podsOf.get('p')).metadata?.deletionTimestamp !== undefined);
    // The kubelet's part: the containers stopped early, the deletion is finished.
    await podsOf.delete('p', { gracePeriodSeconds: 0 });
    await until('the namespace to go', () => gone(h, 'quick'), 5_000);
  } finally {
    await h.close();
  }
});

test('content held by a finalizer keeps the namespace, and the conditions say why', async () => {
  const h = await startControllerHarness();
  try {
    h.start(namespaceController);
    await fill(h, 'held');
    const cms = h.client.resource<ConfigMap>(configMaps, 'held');
    await cms.patch('cm-1', 'merge', { metadata: { finalizers: ['example.com/hold'] } });
    await h.client.resource(namespaces).delete('held');
    const condition = async (type: string): Promise<string | undefined> =>
      (await h.client.resource<Namespace>(namespaces).get('held')).status?.conditions?.find((c) => c.type === type && c.status === 'True')?.message;
    await until('the finalizer condition', async () => (await condition('NamespaceFinalizersRemaining')) !== undefined);
    assert.equal(await condition('NamespaceFinalizersRemaining'), 'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances');
    assert.equal(await condition('NamespaceContentRemaining'), 'Some resources are remaining: configmaps. has 1 resource instances');
    assert.deepEqual((await cms.list()).items.map((c) => c.metadata?.name), ['cm-1']);

    await cms.patch('cm-1', 'merge', { metadata: { finalizers: null } });
    await until('the namespace to go', () => gone(h, 'held'));
  } finally {
    await h.close();
  }
});

test('conditions keep their transition time while their status holds', () => {
  const empty: ContentReport = { remaining: new Map(), finalizers: new Map(), errors: [], estimateSeconds: 0 };
  const first = conditionsFor({ ...empty, remaining: new Map([['pods.', 2]]) }, [], 't1');
  assert.deepEqual(first.map((c) => [c.type, c.status, c.reason]), [
    ['NamespaceDeletionDiscoveryFailure', 'False', 'ResourcesDiscovered'],
    ['NamespaceDeletionGroupVersionParsingFailure', 'False', 'ParsedGroupVersions'],
    ['NamespaceDeletionContentFailure', 'False', 'ContentDeleted'],
    ['NamespaceContentRemaining', 'True', 'SomeResourcesRemain'],
    ['NamespaceFinalizersRemaining', 'False', 'ContentHasNoFinalizers'],
  ]);
  const second = conditionsFor(empty, first, 't2');
  assert.equal(second.find((c) => c.type === 'NamespaceContentRemaining')?.lastTransitionTime, 't2');
  assert.equal(second.find((c) => c.type === 'NamespaceDeletionDiscoveryFailure')?.lastTransitionTime, 't1');
});

test('pods are deleted before everything else', () => {
  const order = namespacedResources().map((r) => r.plural);
  assert.equal(order[0], 'pods');
  assert.ok(order.includes('configmaps') && order.includes('deployments') && !order.includes('namespaces'));
});

test('deleting a namespace deletes the custom resources of established CRDs in it', async () => {
  const h = await startControllerHarness();
  try {
    h.start(namespaceController);
    const crds = findResource('apiextensions.k8s.io', 'v1', 'customresourcedefinitions') ?? assert.fail('crds');
    await h.client.resource(crds).create({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    });
    const widgets = { group: 'example.com', version: 'v1', resource: 'widgets' };
    await until('the CRD to be established', async () => {
      const crd = await h.client.resource<{ metadata?: { name?: string }; status?: { conditions?: { type: string; status: string }[] } }>(crds).get('widgets.example.com');
      return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
    });
    await h.client.resource(namespaces).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'crns' } });
    await until('the widget to be created', async () => {
      try {
        await h.client.resource(widgets, 'crns').create({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } });
        return true;
      } catch (err) {
        if (err instanceof ApiError && err.code === 404) return false; // served a moment after Established
        throw err;
      }
    });
    await h.client.resource(namespaces).delete('crns');
    await until('the namespace to go', () => gone(h, 'crns'));
    assert.equal((await h.client.resource(widgets, 'crns').list()).items.length, 0);
  } finally {
    await h.close();
  }
});
