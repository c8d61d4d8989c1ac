// The ReplicaSet and ReplicationController controllers against a real API server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../api/errors.js';
import type { Transport } from '../../client/client.js';
import { createClient } from '../../client/client.js';
import { SharedInformerFactory } from '../../informer/shared.js';
import { startControllerHarness, type ControllerHarness } from '../testing.js';
import { replicaSetController, replicationControllerController } from './replicaset.js';
import type { ReplicatedObject } from './replicated-kind.js';
import { livePods, markRunning, NS, PODS, RCS, REPLICASETS, replicaSet, waitFor } from './test-support.js';

const NAME_PATTERN = /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/;

async function harness(t: { after(fn: () => Promise<void>): void }): Promise<ControllerHarness> {
  const h = await startControllerHarness();
  t.after(() => h.close());
  return h;
}

async function statusOf(h: ControllerHarness, name: string): Promise<ReplicatedObject> {
  return h.client.resource<ReplicatedObject>(REPLICASETS, NS).get(name);
}

async function podCount(h: ControllerHarness, app: string, n: number): Promise<Pod[]> {
  return waitFor(`${n} pods of ${app}`, async () => {
    const pods = await livePods(h.client, app);
    return pods.length === n ? pods : undefined;
  });
}

test('a ReplicaSet of 3 gets 3 pods named from it, owned by it, with events and status', { timeout: 20_000 }, async (t) => {
  const h = await harness(t);
  h.start(replicaSetController);
  const rs = await h.client.resource<ReplicatedObject>(REPLICASETS, NS).create(replicaSet('web', 3));
  const pods = await podCount(h, 'web', 3);
  for (const pod of pods) {
    assert.match(pod.metadata?.name ?? '', NAME_PATTERN);
    assert.deepEqual(pod.metadata?.labels, { app: 'web', tier: 'web' });
    assert.deepEqual(pod.metadata?.ownerReferences, [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata?.uid, controller: true, blockOwnerDeletion: true },
    ]);
  }
  const created = h.events.filter((e) => e.reason === 'SuccessfulCreate');
  assert.deepEqual(created.map((e) => e.message).sort(), pods.map((p) => `Created pod: ${p.metadata?.name ?? ''}`).sort());
  assert.ok(created.every((e) => e.type === 'Normal' && e.object.metadata?.name === 'web'));
  const status = await waitFor('status', async () => {
    const s = (await statusOf(h, 'web')).status;
    return s?.replicas === 3 && s.observedGeneration === 1 ? s : undefined;
  });
  assert.equal(status.fullyLabeledReplicas, 3);
  assert.equal(status.readyReplicas, undefined);
});

test('a deleted pod is replaced; scaling up and down follows spec.replicas, not-ready pods go first', { timeout: 20_000 }, async (t) => {
  const h = await harness(t);
  h.start(replicaSetController);
  const rsClient = h.client.resource<ReplicatedObject>(REPLICASETS, NS);
  const podClient = h.client.resource<Pod>(PODS, NS);
  await rsClient.create(replicaSet('web', 3));
  const pods = await podCount(h, 'web', 3);
  const victim = pods[0]?.metadata?.name ?? '';
  await podClient.delete(victim);
  const replaced = await waitFor('a replacement', async () => {
    const now = await livePods(h.client, 'web');
    return now.length === 3 && !now.some((p) => p.metadata?.name === victim) ? now : undefined;
  });

  await rsClient.patch('web', 'merge', { spec: { replicas: 5 } });
  const five = await podCount(h, 'web', 5);
  const ready = five.slice(0, 2);
  for (const p of ready) await markRunning(podClient, p, { ready: true });
  await waitFor('2 ready', async () => ((await statusOf(h, 'web')).status?.readyReplicas === 2 ? true : undefined));

  await rsClient.patch('web', 'merge', { spec: { replicas: 2 } });
  const kept = await podCount(h, 'web', 2);
  assert.deepEqual(kept.map((p) => p.metadata?.name).sort(), ready.map((p) => p.metadata?.name).sort());
  const deleted = h.events.filter((e) => e.reason === 'SuccessfulDelete').map((e) => e.message);
  assert.equal(deleted.length, 3);
  assert.ok(deleted.every((m) => /^Deleted pod: web-[a-z0-9]{5}$/.test(m)));
  assert.ok(replaced.length === 3);
});

test('orphans matching the selector are adopted; owned pods that stop matching are released', { timeout: 20_000 }, async (t) => {
  const h = await harness(t);
  const podClient = h.client.resource<Pod>(PODS, NS);
  const orphan = await podClient.create({
    metadata: { name: 'orphan', namespace: NS, labels: { app: 'web' } },
    spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] },
  });
  const rs = await h.client.resource<ReplicatedObject>(REPLICASETS, NS).create(replicaSet('web', 2));
  h.start(replicaSetController);
  const pods = await podCount(h, 'web', 2);
  const adopted = await podClient.get('orphan');
  assert.equal(adopted.metadata?.ownerReferences?.[0]?.uid, rs.metadata?.uid);
  assert.equal(adopted.metadata?.uid, orphan.metadata?.uid);
  assert.equal(h.events.filter((e) => e.reason === 'SuccessfulCreate').length, 1);

  const other = pods.find((p) => p.metadata?.name !== 'orphan');
  await podClient.patch(other?.metadata?.name ?? '', 'merge', { metadata: { labels: { app: 'elsewhere' } } });
  const released = await waitFor('release', async () => {
    const p = await podClient.get(other?.metadata?.name ?? '');
    return (p.metadata?.ownerReferences ?? []).length === 0 ? p : undefined;
  });
  assert.equal(released.metadata?.labels?.['app'], 'elsewhere');
  await podCount(h, 'web', 2);
});

test('readyReplicas and availableReplicas follow the pods, minReadySeconds included', { timeout: 20_000 }, async (t) => {
  const h = await harness(t);
  h.start(replicaSetController);
  const podClient = h.client.resource<Pod>(PODS, NS);
  await h.client.resource<ReplicatedObject>(REPLICASETS, NS).create(replicaSet('web', 2, { minReadySeconds: 2 }));
  const pods = await podCount(h, 'web', 2);
  // One became ready long ago (available at once), one just now (available two seconds later).
  await markRunning(podClient, pods[0] as Pod, { ready: true, readySinceMs: Date.now() - 60_000 });
  await markRunning(podClient, pods[1] as Pod, { ready: true, readySinceMs: Date.now() - 1_000 });
  const first = await waitFor('ready 2', async () => {
    const s = (await statusOf(h, 'web')).status;
    return s?.readyReplicas === 2 ? s : undefined;
  });
  assert.ok((first.availableReplicas ?? 0) >= 1);
  await waitFor('available 2 after minReadySeconds', async () => ((await statusOf(h, 'web')).status?.availableReplicas === 2 ? true : undefined));
});

/** A transport whose pod watch events arrive late: the controller's cache lags its own writes. */
function laggingPodWatches(base: Transport, lagMs: number): Transport {
  return {
    request: (req) => base.request(req),
    close: () => base.close(),
    async *watch(path, query, signal) {
      for await (const event of base.watch(path, query, signal)) {
        if (path.endsWith('/pods')) await new Promise((r) => setTimeout(r, lagMs));
        yield event;
      }
    },
  };
}

test('no double creation when events keep coming while the cache lags behind creations', { timeout: 30_000 }, async (t) => {
  const h = await harness(t);
  const client = createClient(laggingPodWatches(h.client.transport, 40));
  const informers = new SharedInformerFactory(client, { log: h.context.log });
  const stop = new AbortController();
  informers.start(stop.signal);
  const run = replicaSetController({ ...h.context, client, informers }).run(stop.signal);
  t.after(async () => {
    stop.abort();
    await run;
  });
  const rsClient = h.client.resource<ReplicatedObject>(REPLICASETS, NS);
  await rsClient.create(replicaSet('web', 12));
  // A burst of owner updates: each queues a sync while pod events are still in flight.
  for (let i = 0; i < 30; i++) await rsClient.patch('web', 'merge', { metadata: { annotations: { touch: String(i) } } });
  await podCount(h, 'web', 12);
  await waitFor('status to settle', async () => ((await statusOf(h, 'web')).status?.replicas === 12 ? true : undefined));
  assert.equal((await livePods(h.client, 'web')).length, 12);
  assert.equal(h.events.filter((e) => e.reason === 'SuccessfulCreate').length, 12);
});

/** Pod creations answer 403 exceeded quota while `failing()` says so. */
function quotaFailures(base: Transport, failing: () => boolean): Transport {
  return {
    request: async (req) => {
      if (req.method === 'POST' && req.path.endsWith('/pods') && failing()) {
        const err = new ApiError('Forbidden', 'pods "web-" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=0, limited: pods=0');
        return { status: 403, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(err.toStatus())) };
      }
      return base.request(req);
    },
    watch: (path, query, signal) => base.watch(path, query, signal),
    close: () => base.close(),
  };
}

test('create errors: one slow-start attempt, a FailedCreate event and a ReplicaFailure condition that clears', { timeout: 20_000 }, async (t) => {
  const h = await harness(t);
  let failing = true;
  let posts = 0;
  const counting = quotaFailures(h.client.transport, () => {
    posts++;
    return failing;
  });
  h.start((ctx) => replicaSetController({ ...ctx, client: createClient(counting) }));
  await h.client.resource<ReplicatedObject>(REPLICASETS, NS).create(replicaSet('web', 4));
  const cond = await waitFor('ReplicaFailure', async () => (await statusOf(h, 'web')).status?.conditions?.find((c) => c.type === 'ReplicaFailure'));
  assert.equal(cond.status, 'True');
  assert.equal(cond.reason, 'FailedCreate');
  assert.match(cond.message ?? '', /exceeded quota/);
  const failed = h.events.find((e) => e.reason === 'FailedCreate');
  assert.equal(failed?.type, 'Warning');
  assert.equal(failed?.message, 'Error creating: pods "web-" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=0, limited: pods=0');
  assert.equal(posts >= 1 && h.events.filter((e) => e.reason === 'FailedCreate').length === posts, true);
  failing = false;
  await podCount(h, 'web', 4);
  await waitFor('condition cleared', async () => {
    const s = (await statusOf(h, 'web')).status;
    return s?.replicas === 4 && !s.conditions?.some((c) => c.type === 'ReplicaFailure') ? true : undefined;
  });
});

test('a ReplicationController keeps its pods by its map selector', { timeout: 20_000 }, async (t) => {
  const h = await harness(t);
  h.start(replicationControllerController);
  const rc = await h.client.resource<ReplicatedObject>(RCS, NS).create({
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name: 'web', namespace: NS },
    spec: { replicas: 2, selector: { app: 'web' }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } } },
  });
  const pods = await podCount(h, 'web', 2);
  assert.ok(pods.every((p) => p.metadata?.ownerReferences?.[0]?.kind === 'ReplicationController' && p.metadata.ownerReferences[0].uid === rc.metadata?.uid));
  await h.client.resource<ReplicatedObject>(RCS, NS).patch('web', 'merge', { spec: { replicas: 0 } });
  await podCount(h, 'web', 0);
  await waitFor('rc status', async () => {
    const s = (await h.client.resource<ReplicatedObject>(RCS, NS).get('web')).status;
    return s?.replicas === 0 && s.observedGeneration === 2 ? true : undefined;
  });
});
