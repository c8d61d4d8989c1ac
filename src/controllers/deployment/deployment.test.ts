// The Deployment controller with the ReplicaSet controller and a fake kubelet, against a real
// API server: rollouts, rollbacks, Recreate, pause/resume, proportional scaling, history
// cleanup and the progress deadline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ResourceClient } from '../../client/resource-client.js';
import { replicaSetController } from '../replicaset/replicaset.js';
import { startControllerHarness, type ControllerHarness } from '../testing.js';
import { deploymentController } from './deployment.js';
import { startFakeKubelet, type FakeKubeletOptions } from './fake-kubelet.js';
import { POD_TEMPLATE_HASH_LABEL } from './pod-template-hash.js';
import { deployment, DEPLOYMENTS, isReady, livePods, NS, PODS, REPLICASETS, replicaSetsOf, rolledOut, rolloutStatus, waitFor } from './test-support.js';

interface Env {
  h: ControllerHarness;
  deployments: ResourceClient<Deployment>;
  rss: ResourceClient<ReplicaSet>;
}

async function start(t: { after(fn: () => Promise<void> | void): void }, kubelet: FakeKubeletOptions = {}): Promise<Env> {
  const h = await startControllerHarness();
  h.start(deploymentController, replicaSetController);
  const k = startFakeKubelet(h.client, h.context.informers, kubelet);
  t.after(async () => {
    k.stop();
    await h.close();
  });
  return { h, deployments: h.client.resource<Deployment>(DEPLOYMENTS, NS), rss: h.client.resource<ReplicaSet>(REPLICASETS, NS) };
}

const setImage = (image: string): unknown => ({ spec: { template: { spec: { containers: [{ name: 'web', image }] } } } });

function byRevision(rss: ReplicaSet[]): ReplicaSet[] {
  return [...rss].sort((a, b) => Number(a.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? 0) - Number(b.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? 0));
}

test('a Deployment of 3 gets a ReplicaSet named by the template hash, 3 ready pods and a finished rollout', { timeout: 30_000 }, async (t) => {
  const { h, deployments } = await start(t);
  await deployments.create(deployment('web', 3));
  const d = await rolledOut(h.client, 'web');
  const [rs, ...more] = await replicaSetsOf(h.client, 'web');
  assert.equal(more.length, 0);
  const hash = rs?.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] ?? '';
  assert.match(hash, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  assert.equal(rs?.metadata?.name, `web-${hash}`);
  assert.deepEqual(rs?.spec?.selector?.matchLabels, { app: 'web', [POD_TEMPLATE_HASH_LABEL]: hash });
  assert.deepEqual(rs?.spec?.template?.metadata?.labels, { app: 'web', [POD_TEMPLATE_HASH_LABEL]: hash });
  assert.deepEqual(rs?.metadata?.ownerReferences?.map((r) => [r.kind, r.name, r.uid, r.controller, r.blockOwnerDeletion]), [
    ['Deployment', 'web', d.metadata?.uid, true, true],
  ]);
  assert.deepEqual(
    {
      revision: rs?.metadata?.annotations?.['deployment.kubernetes.io/revision'],
      desired: rs?.metadata?.annotations?.['deployment.kubernetes.io/desired-replicas'],
      max: rs?.metadata?.annotations?.['deployment.kubernetes.io/max-replicas'],
      deploymentRevision: d.metadata?.annotations?.['deployment.kubernetes.io/revision'],
    },
    { revision: '1', desired: '3', max: '4', deploymentRevision: '1' },
  );
  const pods = await livePods(h.client, 'web');
  assert.equal(pods.length, 3);
  assert.ok(pods.every((p) => isReady(p) && p.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] === hash));
  const s = d.status ?? {};
  assert.deepEqual([s.replicas, s.updatedReplicas, s.readyReplicas, s.availableReplicas, s.unavailableReplicas], [3, 3, 3, 3, undefined]);
  const available = s.conditions?.find((c) => c.type === 'Available');
  assert.deepEqual([available?.status, available?.reason, available?.message], ['True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.']);
  const progressing = await waitFor('NewReplicaSetAvailable', async () => {
    const c = (await deployments.get('web')).status?.conditions?.find((x) => x.type === 'Progressing');
    return c?.reason === 'NewReplicaSetAvailable' ? c : undefined;
  });
  assert.equal(progressing.message, `ReplicaSet "web-${hash}" has successfully progressed.`);
  assert.ok(h.events.some((e) => e.reason === 'ScalingReplicaSet' && e.message === `Scaled up replica set web-${hash} from 0 to 3`));
});

/**
 * Follows the app's pods and ReplicaSets through watches and records every moment that breaks
 * the bounds, as Kubernetes defines them: available pods never below `minAvailable`, and the
 * ReplicaSets' replicas together never above `maxTotal` (the pods themselves may exceed it for
 * the moment between a ReplicaSet's scale-down and its controller deleting the pod).
 */
async function watchBounds(env: Env, app: string, bounds: { minAvailable: number; maxTotal: number }): Promise<{ stop(): void; violations: string[]; events: number }> {
  const pods = env.h.client.resource<Pod>(PODS, NS);
  const rss = env.h.client.resource<ReplicaSet>(REPLICASETS, NS);
  const selector = { labelSelector: `app=${app}` };
  const list = await pods.list(selector);
  const rsList = await rss.list(selector);
  const live = new Map<string, Pod>();
  for (const p of list.items) if (!p.metadata?.deletionTimestamp) live.set(p.metadata?.name ?? '', p);
  const replicas = new Map(rsList.items.map((rs) => [rs.metadata?.name ?? '', rs.spec?.replicas ?? 0]));
  const ac = new AbortController();
  const state = { violations: [] as string[], events: 0, stop: () => ac.abort() };
  const failed = (err: unknown): void => {
    if (!ac.signal.aborted) state.violations.push(`watch failed: ${String(err)}`);
  };
  void (async () => {
    for await (const e of pods.watch({ ...selector, resourceVersion: list.metadata.resourceVersion }, ac.signal)) {
      if (e.type === 'ERROR' || e.type === 'BOOKMARK') continue;
      const pod = e.object as Pod;
      const name = pod.metadata?.name ?? '';
      if (e.type === 'DELETED' || pod.metadata?.deletionTimestamp) live.delete(name);
      else live.set(name, pod);
      state.events++;
      const available = [...live.values()].filter(isReady).length;
      if (available < bounds.minAvailable) state.violations.push(`after ${e.type} ${name}: ${live.size} pods, ${available} available`);
    }
  })().catch(failed);
  void (async () => {
    for await (const e of rss.watch({ ...selector, resourceVersion: rsList.metadata.resourceVersion }, ac.signal)) {
      if (e.type === 'ERROR' || e.type === 'BOOKMARK') continue;
      const rs = e.object as ReplicaSet;
      const name = rs.metadata?.name ?? '';
      if (e.type === 'DELETED') replicas.delete(name);
      else replicas.set(name, rs.spec?.replicas ?? 0);
      const total = [...replicas.values()].reduce((a, b) => a + b, 0);
      if (total > bounds.maxTotal) state.violations.push(`after ${e.type} ${name}: ReplicaSets want ${total} pods`);
    }
  })().catch(failed);
  return state;
}

test("a rolling update keeps available ≥ replicas − maxUnavailable and the ReplicaSets' replicas ≤ replicas + maxSurge at every moment", { timeout: 30_000 }, async (t) => {
  const env = await start(t);
  const { h, deployments } = env;
  await deployments.create(deployment('web', 6, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 2, maxUnavailable: 1 } } }));
  await rolledOut(h.client, 'web');
  const watch = await watchBounds(env, 'web', { minAvailable: 5, maxTotal: 8 });
  await deployments.patch('web', 'strategic', setImage('nginx:1.28'));
  const d = await rolledOut(h.client, 'web');
  await waitFor('old pods gone', async () => ((await livePods(h.client, 'web')).length === 6 ? true : undefined));
  watch.stop();
  assert.deepEqual(watch.violations, []);
  assert.ok(watch.events > 6);
  const [old, cur] = byRevision(await replicaSetsOf(h.client, 'web'));
  assert.equal(old?.spec?.replicas, 0);
  assert.equal(cur?.spec?.replicas, 6);
  assert.equal(cur?.spec?.template?.spec?.containers[0]?.image, 'nginx:1.28');
  assert.equal(d.metadata?.annotations?.['deployment.kubernetes.io/revision'], '2');
  const pods = await livePods(h.client, 'web');
  assert.ok(pods.every((p) => p.spec?.containers[0]?.image === 'nginx:1.28'));
  const scaling = h.events.filter((e) => e.reason === 'ScalingReplicaSet').map((e) => e.message);
  assert.ok(scaling.some((m) => m.startsWith(`Scaled down replica set ${old?.metadata?.name ?? ''} from `)));
});

test('rolling back to the previous template reuses the old ReplicaSet with a new revision', { timeout: 30_000 }, async (t) => {
  const { h, deployments } = await start(t);
  await deployments.create(deployment('web', 2));
  await rolledOut(h.client, 'web');
  await deployments.patch('web', 'strategic', setImage('nginx:1.28'));
  await rolledOut(h.client, 'web');
  const [first] = byRevision(await replicaSetsOf(h.client, 'web'));
  // What `kubectl rollout undo` sends: the old ReplicaSet's template without the hash label.
  const template = structuredClone(first?.spec?.template ?? {});
  delete template.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL];
  await deployments.patch('web', 'json', [{ op: 'replace', path: '/spec/template', value: template }]);
  const d = await rolledOut(h.client, 'web');
  const after = await waitFor('revision 3', async () => {
    const rss = byRevision(await replicaSetsOf(h.client, 'web'));
    return rss.at(-1)?.metadata?.annotations?.['deployment.kubernetes.io/revision'] === '3' ? rss : undefined;
  });
  assert.equal(after.length, 2);
  const reused = after.at(-1);
  assert.equal(reused?.metadata?.uid, first?.metadata?.uid);
  assert.equal(reused?.metadata?.annotations?.['deployment.kubernetes.io/revision-history'], '1');
  assert.equal(reused?.spec?.replicas, 2);
  assert.equal(after[0]?.spec?.replicas, 0);
  assert.equal(d.metadata?.annotations?.['deployment.kubernetes.io/revision'], '3');
});

test('Recreate scales the old ReplicaSet to 0 and creates new pods only once the old ones are gone', { timeout: 30_000 }, async (t) => {
  const env = await start(t);
  const { h, deployments } = env;
  await deployments.create(deployment('web', 3, { strategy: { type: 'Recreate' } }));
  await rolledOut(h.client, 'web');
  const pods = env.h.client.resource<Pod>(PODS, NS);
  const list = await pods.list({ labelSelector: 'app=web' });
  const oldNames = new Set(list.items.map((p) => p.metadata?.name ?? ''));
  const live = new Set(oldNames);
  const mixed: string[] = [];
  const ac = new AbortController();
  void (async () => {
    for await (const e of pods.watch({ resourceVersion: list.metadata.resourceVersion, labelSelector: 'app=web' }, ac.signal)) {
      if (e.type === 'ERROR' || e.type === 'BOOKMARK') continue;
      const name = e.object.metadata?.name ?? '';
      if (e.type === 'DELETED' || e.object.metadata?.deletionTimestamp) live.delete(name);
      else live.add(name);
      const hasOld = [...live].some((n) => oldNames.has(n));
      const hasNew = [...live].some((n) => !oldNames.has(n));
      if (hasOld && hasNew) mixed.push(name);
    }
  })().catch(() => undefined);
  await deployments.patch('web', 'strategic', setImage('nginx:1.28'));
  await rolledOut(h.client, 'web');
  ac.abort();
  assert.deepEqual(mixed, []);
  const [old, cur] = byRevision(await replicaSetsOf(h.client, 'web'));
  const scaling = h.events.filter((e) => e.reason === 'ScalingReplicaSet').map((e) => e.message);
  assert.ok(scaling.includes(`Scaled down replica set ${old?.metadata?.name ?? ''} from 3 to 0`));
  assert.ok(scaling.includes(`Scaled up replica set ${cur?.metadata?.name ?? ''} from 0 to 3`));
});

test('a paused Deployment scales but does not roll out until resumed', { timeout: 30_000 }, async (t) => {
  const { h, deployments } = await start(t);
  await deployments.create(deployment('web', 2));
  await rolledOut(h.client, 'web');
  await deployments.patch('web', 'merge', { spec: { paused: true } });
  await deployments.patch('web', 'strategic', setImage('nginx:1.28'));
  await deployments.patch('web', 'merge', { spec: { replicas: 4 } });
  const paused = await waitFor('paused and scaled', async () => {
    const d = await deployments.get('web');
    const c = d.status?.conditions?.find((x) => x.type === 'Progressing');
    return d.status?.observedGeneration === d.metadata?.generation && c?.reason === 'DeploymentPaused' && d.status?.availableReplicas === 4 ? d : undefined;
  });
  const c = paused.status?.conditions?.find((x) => x.type === 'Progressing');
  assert.deepEqual([c?.status, c?.message], ['Unknown', 'Deployment is paused']);
  const rss = await replicaSetsOf(h.client, 'web');
  assert.equal(rss.length, 1);
  assert.equal(rss[0]?.spec?.replicas, 4);
  assert.equal(rss[0]?.spec?.template?.spec?.containers[0]?.image, 'nginx:1.27');
  await deployments.patch('web', 'merge', { spec: { paused: false } });
  await rolledOut(h.client, 'web');
  const after = byRevision(await replicaSetsOf(h.client, 'web'));
  assert.equal(after.length, 2);
  assert.equal(after[1]?.spec?.template?.spec?.containers[0]?.image, 'nginx:1.28');
  assert.equal(after[1]?.spec?.replicas, 4);
});

test('scaling mid-rollout shares the new replicas out in proportion', { timeout: 30_000 }, async (t) => {
  // Pods of the new image never become ready, so the rollout stalls half way.
  const { h, deployments } = await start(t, { becomesReady: (p) => p.spec?.containers[0]?.image !== 'nginx:1.28' });
  await deployments.create(deployment('web', 10, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } } }));
  await rolledOut(h.client, 'web');
  await deployments.patch('web', 'strategic', setImage('nginx:1.28'));
  // 10 + 3 surge: the old ReplicaSet goes to 8 (2 unavailable), the new one to 5, then stalls.
  const stalled = await waitFor('stalled rollout 8/5', async () => {
    const [old, cur] = byRevision(await replicaSetsOf(h.client, 'web'));
    return old?.spec?.replicas === 8 && cur?.spec?.replicas === 5 ? [old, cur] : undefined;
  });
  assert.equal(stalled.length, 2);
  await deployments.patch('web', 'merge', { spec: { replicas: 20 } });
  // 23 allowed, 10 to add: 8 → round(8·23/13) = 14, 5 → round(5·23/13) = 9.
  const [old, cur] = await waitFor('proportional scale', async () => {
    const rss = byRevision(await replicaSetsOf(h.client, 'web'));
    return rss[0]?.spec?.replicas === 14 && rss[1]?.spec?.replicas === 9 ? rss : undefined;
  });
  for (const rs of [old, cur]) {
    assert.equal(rs?.metadata?.annotations?.['deployment.kubernetes.io/desired-replicas'], '20');
    assert.equal(rs?.metadata?.annotations?.['deployment.kubernetes.io/max-replicas'], '23');
  }
});

test('old ReplicaSets beyond revisionHistoryLimit are deleted once scaled to 0', { timeout: 40_000 }, async (t) => {
  const { h, deployments } = await start(t);
  await deployments.create(deployment('web', 1, { revisionHistoryLimit: 1 }));
  await rolledOut(h.client, 'web');
  for (const image of ['nginx:1.28', 'nginx:1.29', 'nginx:1.30']) {
    await deployments.patch('web', 'strategic', setImage(image));
    await rolledOut(h.client, 'web');
  }
  const rss = await waitFor('two ReplicaSets left', async () => {
    const list = await replicaSetsOf(h.client, 'web');
    return list.length === 2 ? byRevision(list) : undefined;
  });
  assert.deepEqual(
    rss.map((rs) => [rs.metadata?.annotations?.['deployment.kubernetes.io/revision'], rs.spec?.template?.spec?.containers[0]?.image]),
    [
      ['3', 'nginx:1.29'],
      ['4', 'nginx:1.30'],
    ],
  );
});

test('a rollout whose pods never become ready exceeds its progress deadline', { timeout: 30_000 }, async (t) => {
  const { h, deployments } = await start(t, { becomesReady: () => false });
  await deployments.create(deployment('web', 2, { progressDeadlineSeconds: 1 }));
  const d = await waitFor('ProgressDeadlineExceeded', async () => {
    const cur = await deployments.get('web');
    return cur.status?.conditions?.some((c) => c.reason === 'ProgressDeadlineExceeded') ? cur : undefined;
  });
  const [rs] = await replicaSetsOf(h.client, 'web');
  const c = d.status?.conditions?.find((x) => x.type === 'Progressing');
  assert.deepEqual([c?.status, c?.message], ['False', `ReplicaSet "${rs?.metadata?.name ?? ''}" has timed out progressing.`]);
  const available = d.status?.conditions?.find((x) => x.type === 'Available');
  assert.deepEqual([available?.status, available?.reason], ['False', 'MinimumReplicasUnavailable']);
  assert.deepEqual(rolloutStatus(d), { error: 'deployment "web" exceeded its progress deadline' });
});
