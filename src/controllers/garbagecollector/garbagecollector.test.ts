// The garbage collector against a real API server: background, foreground and orphan
// propagation, and dependents of owners that never existed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { ConfigMap, Pod } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { ApiError } from '../../api/errors.js';
import { findResource } from '../../api/resources.js';
import { startControllerHarness, type ControllerHarness } from '../testing.js';
import { garbageCollectorController } from './garbagecollector.js';

const replicaSets = findResource('apps', 'v1', 'replicasets') ?? assert.fail('replicasets');
const pods = findResource('', 'v1', 'pods') ?? assert.fail('pods');
const configMaps = findResource('', 'v1', 'configmaps') ?? assert.fail('configmaps');
const NS = 'default';

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function exists(get: () => Promise<unknown>): Promise<boolean> {
  try {
    await get();
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return false;
    throw err;
  }
}

async function createReplicaSet(h: ControllerHarness, name: string): Promise<ReplicaSet> {
  return h.client.resource<ReplicaSet>(replicaSets, NS).create({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
    },
  });
}

function ownerRef(rs: ReplicaSet): OwnerReference {
  return { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata?.name ?? '', uid: rs.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true };
}

async function createPod(h: ControllerHarness, name: string, owners: OwnerReference[], finalizers?: string[]): Promise<Pod> {
  return h.client.resource<Pod>(pods, NS).create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'x' }, ownerReferences: owners, finalizers },
    spec: { containers: [{ name: 'c', image: 'nginx' }] },
  });
}

const podNames = async (h: ControllerHarness): Promise<string[]> => (await h.client.resource<Pod>(pods, NS).list()).items.map((p) => p.metadata?.name ?? '').sort();

test('deleting a ReplicaSet in the background deletes its pods', async () => {
  const h = await startControllerHarness();
  try {
    h.start(garbageCollectorController);
    const rs = await createReplicaSet(h, 'web');
    await createPod(h, 'web-1', [ownerRef(rs)]);
    await createPod(h, 'web-2', [ownerRef(rs)]);
    await createPod(h, 'unowned', []);
    await h.client.resource(replicaSets, NS).delete('web');
    await until('the pods to go', async () => (await podNames(h)).length === 1);
    assert.deepEqual(await podNames(h), ['unowned']);
  } finally {
    await h.close();
  }
});

test('foreground deletion keeps the owner until its blocking dependents are gone', async () => {
  const h = await startControllerHarness();
  try {
    h.start(garbageCollectorController);
    const rs = await createReplicaSet(h, 'fg');
    // The finalizer keeps this pod (deleting) until the test lets it go.
    await createPod(h, 'fg-held', [ownerRef(rs)], ['test.k8ts.io/hold']);
    await createPod(h, 'fg-free', [ownerRef(rs)]);
    const podClient = h.client.resource<Pod>(pods, NS);
    const rsClient = h.client.resource<ReplicaSet>(replicaSets, NS);
    await rsClient.delete('fg', { propagationPolicy: 'Foreground' });
    await until('the held pod to be deleting', async () => (await podClient.get('fg-held')).metadata?.deletionTimestamp !== undefined);
    await until('the free pod to go', async () => !(await exists(() => podClient.get('fg-free'))));
    const owner = await rsClient.get('fg');
    assert.ok(owner.metadata?.deletionTimestamp);
    assert.deepEqual(owner.metadata?.finalizers, ['foregroundDeletion']);

    await podClient.patch('fg-held', 'merge', { metadata: { finalizers: null } });
    await until('the owner to go', async () => !(await exists(() => rsClient.get('fg'))));
    assert.deepEqual(await podNames(h), []);
  } finally {
    await h.close();
  }
});

test('orphan deletion keeps the dependents and removes their reference to the owner', async () => {
  const h = await startControllerHarness();
  try {
    h.start(garbageCollectorController);
    const rs = await createReplicaSet(h, 'orph');
    await createPod(h, 'orph-1', [ownerRef(rs)]);
    const cm = await h.client.resource<ConfigMap>(configMaps, NS).create({ metadata: { name: 'other-owner' } });
    const cmRef: OwnerReference = { apiVersion: 'v1', kind: 'ConfigMap', name: 'other-owner', uid: cm.metadata?.uid ?? '' };
    await createPod(h, 'orph-2', [ownerRef(rs), cmRef]);
    const rsClient = h.client.resource<ReplicaSet>(replicaSets, NS);
    await rsClient.delete('orph', { propagationPolicy: 'Orphan' });
    await until('the owner to go', async () => !(await exists(() => rsClient.get('orph'))));
    const podClient = h.client.resource<Pod>(pods, NS);
    assert.equal((await podClient.get('orph-1')).metadata?.ownerReferences, undefined);
    assert.deepEqual((await podClient.get('orph-2')).metadata?.ownerReferences?.map((r) => r.name), ['other-owner']);
  } finally {
    await h.close();
  }
});

test('dependents of owners that never existed are deleted; references to them next to a live owner are removed', async () => {
  const h = await startControllerHarness();
  try {
    const ghost: OwnerReference = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'ghost', uid: '00000000-0000-0000-0000-00000000dead', controller: true, blockOwnerDeletion: true };
    const live = await createReplicaSet(h, 'live');
    const liveRef: OwnerReference = { ...ownerRef(live), controller: false };
    await createPod(h, 'dangling', [ghost]);
    await createPod(h, 'half', [ghost, liveRef]);
    // A ReplicaSet of the same name but another uid is not the owner either.
    const impostor = await createReplicaSet(h, 'impostor');
    await createPod(h, 'wrong-uid', [{ ...ownerRef(impostor), uid: '00000000-0000-0000-0000-00000000beef' }]);
    h.start(garbageCollectorController);
    await until('the dangling pods to go', async () => (await podNames(h)).join() === 'half');
    await until('the dangling reference to go', async () => (await h.client.resource<Pod>(pods, NS).get('half')).metadata?.ownerReferences?.length === 1);
    assert.equal((await h.client.resource<Pod>(pods, NS).get('half')).metadata?.ownerReferences?.[0]?.uid, live.metadata?.uid);
  } finally {
    await h.close();
  }
});

test('custom resources take part: a ConfigMap owned by a custom resource goes with it, and a custom resource owned by a ConfigMap too', async () => {
  const h = await startControllerHarness();
  try {
    h.start(garbageCollectorController);
    const crds = findResource('apiextensions.k8s.io', 'v1', 'customresourcedefinitions') ?? assert.fail('crds');
    await h.client.resource(crds).create({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'gadgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    });
    const gadgets = { group: 'example.com', version: 'v1', resource: 'gadgets' };
    let owner: ObjectLikeWithUid | undefined;
    await until('the first gadget', async () => {
      try {
        owner = (await h.client.resource(gadgets, NS).create({ apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'owner' } })) as ObjectLikeWithUid;
        return true;
      } catch (err) {
        if (err instanceof ApiError && err.code === 404) return false; // served a moment after Established
        throw err;
      }
    });
    const ref: OwnerReference = { apiVersion: 'example.com/v1', kind: 'Gadget', name: 'owner', uid: owner?.metadata?.uid ?? '' };
    await h.client.resource<ConfigMap>(configMaps, NS).create({ metadata: { name: 'owned-by-gadget', ownerReferences: [ref] } });
    const cm = await h.client.resource<ConfigMap>(configMaps, NS).create({ metadata: { name: 'owns-a-gadget' } });
    const cmRef: OwnerReference = { apiVersion: 'v1', kind: 'ConfigMap', name: 'owns-a-gadget', uid: cm.metadata?.uid ?? '' };
    await h.client.resource(gadgets, NS).create({ apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'dependent', ownerReferences: [cmRef] } });

    // Both owners present: nothing is collected.
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(await exists(() => h.client.resource<ConfigMap>(configMaps, NS).get('owned-by-gadget')));
    assert.ok(await exists(() => h.client.resource(gadgets, NS).get('dependent')));

    await h.client.resource(gadgets, NS).delete('owner');
    await until('the ConfigMap owned by the gadget to go', async () => !(await exists(() => h.client.resource<ConfigMap>(configMaps, NS).get('owned-by-gadget'))));
    await h.client.resource<ConfigMap>(configMaps, NS).delete('owns-a-gadget');
    await until('the gadget owned by the ConfigMap to go', async () => !(await exists(() => h.client.resource(gadgets, NS).get('dependent'))));
  } finally {
    await h.close();
  }
});

interface ObjectLikeWithUid {
  metadata?: { uid?: string };
}
