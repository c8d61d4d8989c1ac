import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ControllerRevision, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { startControllerHarness, type ControllerHarness } from '../testing.js';
import { CONTROLLER_REVISIONS, PODS, PVCS, STATEFULSETS, statefulSetController } from './statefulset.js';

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function statefulSet(name: string, spec: Partial<NonNullable<StatefulSet['spec']>> = {}): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: 'default' },
    spec: {
      serviceName: 'nginx',
      replicas: 3,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] } },
      ...spec,
    },
  };
}

const podNames = async (h: ControllerHarness): Promise<string[]> =>
  (await h.client.resource<Pod>(PODS, 'default').list()).items.filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata?.name ?? '').sort();
const getPod = (h: ControllerHarness, name: string): Promise<Pod> => h.client.resource<Pod>(PODS, 'default').get(name);
const getSet = (h: ControllerHarness, name: string): Promise<StatefulSet> => h.client.resource<StatefulSet>(STATEFULSETS, 'default').get(name);

/** Plays the kubelet: the pod runs and is ready. */
async function markReady(h: ControllerHarness, name: string): Promise<void> {
  const t = new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  await h.client.resource<Pod>(PODS, 'default').patch(
    name,
    'merge',
    { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: t }] } },
    { subresource: 'status' },
  );
}

test('OrderedReady: pods created one at a time in order with stable identity and claims', async () => {
  const h = await startControllerHarness();
  try {
    h.start(statefulSetController);
    await h.client.resource<StatefulSet>(STATEFULSETS, 'default').create(
      statefulSet('web', {
        volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      }),
    );
    for (let i = 0; i < 3; i++) {
      await waitFor(`web-${i}`, async () => (await podNames(h)).length === i + 1);
      assert.deepEqual(await podNames(h), Array.from({ length: i + 1 }, (_, j) => `web-${j}`), 'only the next ordinal appears');
      await markReady(h, `web-${i}`);
    }
    const pod = await getPod(h, 'web-1');
    assert.equal(pod.spec?.hostname, 'web-1');
    assert.equal(pod.spec?.subdomain, 'nginx');
    assert.equal(pod.metadata?.labels?.['statefulset.kubernetes.io/pod-name'], 'web-1');
    assert.equal(pod.metadata?.labels?.['apps.kubernetes.io/pod-index'], '1');
    assert.deepEqual(pod.spec?.volumes?.find((v) => v.name === 'www')?.persistentVolumeClaim, { claimName: 'www-web-1' });
    const claims = (await h.client.resource<PersistentVolumeClaim>(PVCS, 'default').list()).items.map((c) => c.metadata?.name).sort();
    assert.deepEqual(claims, ['www-web-0', 'www-web-1', 'www-web-2']);
    const set = await waitFor('status', async () => {
      const s = await getSet(h, 'web');
      return s.status?.readyReplicas === 3 && s;
    });
    assert.equal(set.status?.replicas, 3);
    assert.equal(set.status?.availableReplicas, 3);
    assert.equal(set.status?.currentReplicas, 3);
    assert.equal(set.status?.updatedReplicas, 3);
    assert.equal(set.status?.observedGeneration, 1);
    assert.equal(set.status?.currentRevision, set.status?.updateRevision);
    assert.match(set.status?.currentRevision ?? '', /^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.equal(pod.metadata?.labels?.['controller-revision-hash'], set.status?.currentRevision);
    assert.ok(h.events.some((e) => e.reason === 'SuccessfulCreate' && e.message === 'create Pod web-0 in StatefulSet web successful'));
    assert.ok(h.events.some((e) => e.reason === 'SuccessfulCreate' && e.message === 'create Claim www-web-0 Pod web-0 in StatefulSet web success'));

    // Scale down: highest ordinal first; claims are retained.
    await h.client.resource<StatefulSet>(STATEFULSETS, 'default').patch('web', 'merge', { spec: { replicas: 1 } });
    await waitFor('scaled down', async () => (await podNames(h)).join() === 'web-0');
    const deletes = h.events.filter((e) => e.reason === 'SuccessfulDelete').map((e) => e.message);
    assert.deepEqual(deletes, ['delete Pod web-2 in StatefulSet web successful', 'delete Pod web-1 in StatefulSet web successful']);
    assert.equal((await h.client.resource<PersistentVolumeClaim>(PVCS, 'default').list()).items.length, 3);
  } finally {
    await h.close();
  }
});

test('Parallel creates every pod at once', async () => {
  const h = await startControllerHarness();
  try {
    h.start(statefulSetController);
    await h.client.resource<StatefulSet>(STATEFULSETS, 'default').create(statefulSet('par', { podManagementPolicy: 'Parallel' }));
    await waitFor('3 pods without readiness', async () => (await podNames(h)).length === 3);
  } finally {
    await h.close();
  }
});

test('RollingUpdate with partition updates from the highest ordinal down to the partition', async () => {
  const h = await startControllerHarness();
  try {
    h.start(statefulSetController);
    const sets = h.client.resource<StatefulSet>(STATEFULSETS, 'default');
    await sets.create(statefulSet('db', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } }));
    for (let i = 0; i < 3; i++) {
      await waitFor(`db-${i}`, async () => (await podNames(h)).includes(`db-${i}`));
      await markReady(h, `db-${i}`);
    }
    const before = await waitFor('ready', async () => {
      const s = await getSet(h, 'db');
      return s.status?.readyReplicas === 3 && s;
    });
    await sets.patch('db', 'merge', { spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.26' }] } } } });
    const updateRevision = await waitFor('new revision', async () => {
      const s = await getSet(h, 'db');
      return s.status?.updateRevision !== before.status?.updateRevision && s.status?.updateRevision;
    });
    for (const name of ['db-2', 'db-1']) {
      const pod = await waitFor(`${name} recreated`, async () => {
        const p = await getPod(h, name).catch(() => undefined);
        return p?.metadata?.labels?.['controller-revision-hash'] === updateRevision && p;
      });
      assert.equal(pod.spec?.containers[0]?.image, 'nginx:1.26');
      await markReady(h, name);
    }
    const set = await waitFor('updated 2', async () => {
      const s = await getSet(h, 'db');
      return s.status?.updatedReplicas === 2 && s.status.readyReplicas === 3 && s;
    });
    assert.equal((await getPod(h, 'db-0')).spec?.containers[0]?.image, 'nginx:1.25', 'below the partition stays');
    assert.equal(set.status?.currentRevision, before.status?.currentRevision);
    assert.equal(set.status?.currentReplicas, 1);
    const revs = (await h.client.resource<ControllerRevision>(CONTROLLER_REVISIONS, 'default').list()).items;
    assert.deepEqual(revs.map((r) => r.revision).sort(), [1, 2]);

    // Partition 0 finishes the rollout and the update revision becomes current.
    await sets.patch('db', 'merge', { spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } });
    await waitFor('db-0 recreated', async () => (await getPod(h, 'db-0').catch(() => undefined))?.metadata?.labels?.['controller-revision-hash'] === updateRevision);
    await markReady(h, 'db-0');
    await waitFor('rollout done', async () => {
      const s = await getSet(h, 'db');
      return s.status?.currentRevision === updateRevision && s.status.updatedReplicas === 3 && s.status.currentReplicas === 3;
    });
  } finally {
    await h.close();
  }
});

test('OrderedReady: a scale-down halts while a pod above the first unhealthy one is unhealthy', async () => {
  const h = await startControllerHarness();
  try {
    h.start(statefulSetController);
    const sets = h.client.resource<StatefulSet>(STATEFULSETS, 'default');
    await sets.create(statefulSet('ss'));
    for (let i = 0; i < 3; i++) {
      await waitFor(`ss-${i}`, async () => (await podNames(h)).length === i + 1);
      await markReady(h, `ss-${i}`);
    }
    await waitFor('all ready', async () => (await getSet(h, 'ss')).status?.readyReplicas === 3);
    for (let i = 0; i < 3; i++) {
      await h.client.resource<Pod>(PODS, 'default').patch(`ss-${i}`, 'merge', { status: { conditions: [{ type: 'Ready', status: 'False' }] } }, { subresource: 'status' });
    }
    await sets.patch('ss', 'merge', { spec: { replicas: 0 } });
    // The sync that saw the new replica count has written its status; no pod went.
    await waitFor('scale seen', async () => {
      const s = await getSet(h, 'ss');
      return s.status?.observedGeneration === 2 && s.status.readyReplicas === undefined;
    });
    assert.deepEqual(await podNames(h), ['ss-0', 'ss-1', 'ss-2']);
    for (let i = 0; i < 3; i++) await markReady(h, `ss-${i}`);
    await waitFor('scaled down', async () => (await podNames(h)).length === 0);
    // In order of first deletion (a sync on a cache that has not yet seen a deletion repeats it).
    const deletes = [...new Set(h.events.filter((e) => e.reason === 'SuccessfulDelete').map((e) => e.message))];
    assert.deepEqual(deletes, ['delete Pod ss-2 in StatefulSet ss successful', 'delete Pod ss-1 in StatefulSet ss successful', 'delete Pod ss-0 in StatefulSet ss successful']);
  } finally {
    await h.close();
  }
});

test('conditions others write to a StatefulSet stay when the controller updates its status', async () => {
  const h = await startControllerHarness();
  try {
    h.start(statefulSetController);
    const sets = h.client.resource<StatefulSet>(STATEFULSETS, 'default');
    await sets.create(statefulSet('cond', { replicas: 1 }));
    await waitFor('cond-0', async () => (await podNames(h)).length === 1);
    const custom = { type: 'StatusUpdate', status: 'True', reason: 'E2E', message: 'Set from an e2e test', lastTransitionTime: '2024-01-01T00:00:00Z' };
    await sets.patch('cond', 'merge', { status: { conditions: [custom] } }, { subresource: 'status' });
    await markReady(h, 'cond-0');
    const set = await waitFor('ready', async () => {
      const s = await getSet(h, 'cond');
      return s.status?.readyReplicas === 1 && s;
    });
    assert.deepEqual(set.status?.conditions, [custom]);
  } finally {
    await h.close();
  }
});
