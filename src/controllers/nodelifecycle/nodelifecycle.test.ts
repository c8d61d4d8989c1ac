import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, Pod, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../api/errors.js';
import { FakeClock } from '../../informer/clock.js';
import type { ControllerOptions } from '../controller.js';
import { startControllerHarness, type ControllerHarness } from '../testing.js';
import { nodeLifecycleController } from './nodelifecycle.js';

const NODES = { group: '', version: 'v1', resource: 'nodes' };
const PODS = { group: '', version: 'v1', resource: 'pods' };
const LEASES = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' };

let tick = 0;
/** A MicroTime that differs on every call. */
function microNow(): string {
  tick += 1;
  return new Date(Date.now() + tick).toISOString().replace('Z', '000Z');
}

async function eventually<T>(probe: () => Promise<T | undefined>, what: string, step?: () => Promise<void>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    if (step) await step();
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Cluster {
  h: ControllerHarness;
  clock: FakeClock;
  /** Moves fake time on, renewing the leases of the nodes still alive first. */
  advance(ms: number): Promise<void>;
  alive: Set<string>;
}

async function startCluster(options: Partial<ControllerOptions>, nodes: string[]): Promise<Cluster> {
  const clock = new FakeClock(1_000_000);
  const h = await startControllerHarness({ clock, controllerOptions: options });
  for (const name of nodes) {
    await h.client.resource<Node>(NODES).create({ metadata: { name } });
    await setReady(h, name, 'True');
    await h.client.resource<Lease>(LEASES, 'kube-node-lease').create({
      metadata: { name },
      spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: microNow() },
    });
  }
  const alive = new Set(nodes);
  const cluster: Cluster = {
    h,
    clock,
    alive,
    async advance(ms) {
      for (const name of alive) await h.client.resource<Lease>(LEASES, 'kube-node-lease').patch(name, 'merge', { spec: { renewTime: microNow() } });
      await new Promise((r) => setTimeout(r, 20));
      clock.advance(ms);
    },
  };
  h.start(nodeLifecycleController);
  return cluster;
}

async function setReady(h: ControllerHarness, name: string, status: 'True' | 'False'): Promise<void> {
  const now = new Date().toISOString().replace(/\.[0-9]+Z$/, 'Z');
  const condition = { type: 'Ready', status, reason: status === 'True' ? 'KubeletReady' : 'KubeletNotReady', lastHeartbeatTime: now, lastTransitionTime: now };
  await h.client.resource<Node>(NODES).patch(name, 'merge', { status: { conditions: [condition] } }, { subresource: 'status' });
}

async function createPod(h: ControllerHarness, name: string, node: string, tolerations: Toleration[] = []): Promise<void> {
  const pods = h.client.resource<Pod>(PODS, 'default');
  await pods.create({ metadata: { name }, spec: { nodeName: node, tolerations, containers: [{ name: 'c', image: 'nginx' }] } });
  await pods.patch(name, 'merge', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }, { subresource: 'status' });
}

async function getPod(h: ControllerHarness, name: string): Promise<Pod | undefined> {
  try {
    return await h.client.resource<Pod>(PODS, 'default').get(name);
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return undefined;
    throw err;
  }
}

/** Deleted, or marked for deletion (pods on a node wait for their kubelet). */
async function isEvicted(h: ControllerHarness, name: string): Promise<boolean> {
  const pod = await getPod(h, name);
  return !pod || pod.metadata?.deletionTimestamp !== undefined;
}

const taintKeys = (n: Node): string[] => (n.spec?.taints ?? []).map((t: Taint) => `${t.key}:${t.effect}`).sort();
const unreachable = (seconds: number): Toleration => ({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });

test('a node whose lease stops being renewed becomes Unknown and unreachable; its pods are evicted per their tolerations', async () => {
  const c = await startCluster({ nodeMonitorGracePeriodMs: 40_000, nodeMonitorPeriodMs: 5_000 }, ['node-1', 'node-2']);
  const { h } = c;
  try {
    await createPod(h, 'now', 'node-1', [unreachable(0)]);
    await createPod(h, 'two-seconds', 'node-1', [unreachable(2)]);
    await createPod(h, 'default', 'node-1');
    await createPod(h, 'elsewhere', 'node-2', [unreachable(0)]);
    assert.deepEqual((await getPod(h, 'default'))?.spec?.tolerations?.find((t) => t.key === 'node.kubernetes.io/unreachable')?.tolerationSeconds, 300);

    c.alive.delete('node-1');
    const node = await eventually(async () => {
      const n = await h.client.resource<Node>(NODES).get('node-1');
      return taintKeys(n).includes('node.kubernetes.io/unreachable:NoExecute') ? n : undefined;
    }, 'node-1 unreachable', () => c.advance(5_000));
    for (const cond of node.status?.conditions ?? []) {
      assert.equal(cond.status, 'Unknown', cond.type);
      assert.equal(cond.reason, cond.type === 'Ready' ? 'NodeStatusUnknown' : 'NodeStatusNeverUpdated');
    }
    assert.equal(node.status?.conditions?.find((x) => x.type === 'Ready')?.message, 'Kubelet stopped posting node status.');
    assert.deepEqual(taintKeys(node), ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
    assert.ok(node.spec?.taints?.every((t) => typeof t.timeAdded === 'string'));
    assert.deepEqual(taintKeys(await h.client.resource<Node>(NODES).get('node-2')), []);

    await eventually(async () => ((await isEvicted(h, 'now')) ? true : undefined), 'pod "now" evicted');
    const evicted = await getPod(h, 'now');
    const target = evicted?.status?.conditions?.find((x) => x.type === 'DisruptionTarget');
    assert.equal(target?.reason, 'DeletionByTaintManager');
    assert.ok(!(await isEvicted(h, 'two-seconds')), 'tolerated for 2 s: not yet');
    assert.equal((await getPod(h, 'default'))?.status?.conditions?.find((x) => x.type === 'Ready')?.status, 'False', 'marked not ready');

    c.clock.advance(1_000);
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(!(await isEvicted(h, 'two-seconds')), 'still tolerated after 1 s');
    await eventually(async () => ((await isEvicted(h, 'two-seconds')) ? true : undefined), 'pod "two-seconds" evicted', async () => c.clock.advance(500));
    assert.ok(!(await isEvicted(h, 'default')), 'default 300 s toleration still running');
    assert.ok(!(await isEvicted(h, 'elsewhere')), 'pods on healthy nodes stay');
    assert.ok(h.events.some((e) => e.reason === 'TaintManagerEviction' && e.message === 'Marking for deletion Pod default/now'));
    assert.ok(h.events.some((e) => e.reason === 'NodeNotReady' && e.message === 'Node node-1 status is now: NodeNotReady'));
  } finally {
    await h.close();
  }
});

test('fast failover: 5 s detection and a 5 s toleration evict a dead node\'s pods within about 10 s', async () => {
  const c = await startCluster({ nodeMonitorGracePeriodMs: 5_000, nodeMonitorPeriodMs: 1_000 }, ['node-1', 'node-2']);
  const { h } = c;
  try {
    await createPod(h, 'web', 'node-1', [unreachable(5), { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }]);
    await c.advance(0);
    const start = c.clock.now();
    c.alive.delete('node-1');
    await eventually(async () => ((await isEvicted(h, 'web')) ? true : undefined), 'pod evicted', () => c.advance(1_000));
    const elapsed = c.clock.now() - start;
    assert.ok(elapsed > 10_000 - 1 && elapsed <= 13_000, `evicted after ${elapsed} ms of fake time`);
  } finally {
    await h.close();
  }
});

test('Ready=False gives not-ready taints and unready pods; Ready again removes the taints; a NoExecute taint not tolerated evicts at once', async () => {
  const c = await startCluster({}, ['node-1', 'node-2']);
  const { h } = c;
  try {
    await createPod(h, 'web', 'node-1');
    await setReady(h, 'node-1', 'False');
    await eventually(async () => {
      const n = await h.client.resource<Node>(NODES).get('node-1');
      return taintKeys(n).join() === 'node.kubernetes.io/not-ready:NoExecute,node.kubernetes.io/not-ready:NoSchedule' ? n : undefined;
    }, 'not-ready taints');
    await eventually(async () => ((await getPod(h, 'web'))?.status?.conditions?.find((x) => x.type === 'Ready')?.status === 'False' ? true : undefined), 'pod not ready');
    assert.ok(!(await isEvicted(h, 'web')), 'the default toleration keeps the pod for 300 s');

    await setReady(h, 'node-1', 'True');
    await eventually(async () => (taintKeys(await h.client.resource<Node>(NODES).get('node-1')).length === 0 ? true : undefined), 'taints removed');

    await h.client.resource<Node>(NODES).patch('node-1', 'merge', { spec: { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoExecute' }] } });
    await eventually(async () => ((await isEvicted(h, 'web')) ? true : undefined), 'pod evicted by an untolerated taint');
    assert.deepEqual(taintKeys(await h.client.resource<Node>(NODES).get('node-1')), ['dedicated:NoExecute'], 'taints the controller does not own stay');
  } finally {
    await h.close();
  }
});

test('when every node is down (full disruption) only NoSchedule taints are added: no pod is evicted', async () => {
  const c = await startCluster({ nodeMonitorGracePeriodMs: 5_000, nodeMonitorPeriodMs: 1_000 }, ['solo']);
  const { h } = c;
  try {
    await createPod(h, 'web', 'solo', [unreachable(0)]);
    c.alive.clear();
    await eventually(async () => {
      const n = await h.client.resource<Node>(NODES).get('solo');
      return n.status?.conditions?.find((x) => x.type === 'Ready')?.status === 'Unknown' && taintKeys(n).length > 0 ? n : undefined;
    }, 'solo unknown', () => c.advance(1_000));
    await c.advance(3_000);
    assert.deepEqual(taintKeys(await h.client.resource<Node>(NODES).get('solo')), ['node.kubernetes.io/unreachable:NoSchedule']);
    assert.ok(!(await isEvicted(h, 'web')));
  } finally {
    await h.close();
  }
});
