import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../../informer/clock.js';
import { startControllerHarness, type ControllerHarness } from '../testing.js';
import { configurePodGc } from './podgc.js';

const PODS = { group: '', version: 'v1', resource: 'pods' };
const NODES = { group: '', version: 'v1', resource: 'nodes' };

async function eventually<T>(probe: () => Promise<T | undefined>, what: string, step?: () => void): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    step?.();
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function createPod(h: ControllerHarness, name: string, options: { node?: string; phase?: string; finalizer?: boolean } = {}): Promise<void> {
  const pods = h.client.resource<Pod>(PODS, 'default');
  await pods.create({
    metadata: { name, finalizers: options.finalizer ? ['example.com/hold'] : undefined },
    spec: { nodeName: options.node, containers: [{ name: 'c', image: 'busybox' }] },
  });
  if (options.phase) await pods.patch(name, 'merge', { status: { phase: options.phase } }, { subresource: 'status' });
}

async function names(h: ControllerHarness): Promise<string[]> {
  return (await h.client.resource<Pod>(PODS, 'default').list()).items.map((p) => p.metadata?.name ?? '').sort();
}

test('terminated pods beyond the threshold are deleted, oldest first', async () => {
  const h = await startControllerHarness({ controllerOptions: { terminatedPodGcThreshold: 2 } });
  try {
    await h.client.resource<Node>(NODES).create({ metadata: { name: 'node-1' } });
    for (const n of ['old-1', 'old-2']) await createPod(h, n, { node: 'node-1', phase: 'Succeeded' });
    await new Promise((r) => setTimeout(r, 1100)); // creationTimestamp has one-second resolution
    for (const n of ['new-1', 'new-2']) await createPod(h, n, { node: 'node-1', phase: 'Failed' });
    await createPod(h, 'running', { node: 'node-1', phase: 'Running' });
    h.start(configurePodGc({ checkPeriodMs: 50 }));
    const left = await eventually(async () => {
      const n = await names(h);
      return n.length === 3 ? n : undefined;
    }, 'two pods collected');
    assert.deepEqual(left, ['new-1', 'new-2', 'running']);
  } finally {
    await h.close();
  }
});

test('pods on a node that no longer exists go after the quarantine, marked Failed with DisruptionTarget first', async () => {
  const clock = new FakeClock();
  const h = await startControllerHarness({ clock });
  try {
    await h.client.resource<Node>(NODES).create({ metadata: { name: 'node-1' } });
    await createPod(h, 'on-gone', { node: 'node-gone', phase: 'Running', finalizer: true });
    await createPod(h, 'on-live', { node: 'node-1', phase: 'Running' });
    h.start(configurePodGc({ checkPeriodMs: 1_000, quarantineMs: 40_000 }));
    await new Promise((r) => setTimeout(r, 100));
    clock.advance(30_000);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await h.client.resource<Pod>(PODS, 'default').get('on-gone')).metadata?.deletionTimestamp, undefined, 'still quarantined');
    // The finalizer keeps the deleted pod readable, so its last status can be checked.
    const pod = await eventually(async () => {
      const p = await h.client.resource<Pod>(PODS, 'default').get('on-gone');
      return p.metadata?.deletionTimestamp ? p : undefined;
    }, 'orphan deleted', () => clock.advance(1_000));
    assert.equal(pod.status?.phase, 'Failed');
    const c = pod.status?.conditions?.find((x) => x.type === 'DisruptionTarget');
    assert.deepEqual([c?.reason, c?.message], ['DeletionByPodGC', 'PodGC: node no longer exists']);
    assert.equal(pod.metadata?.deletionGracePeriodSeconds, 0);
    assert.equal((await h.client.resource<Pod>(PODS, 'default').get('on-live')).metadata?.deletionTimestamp, undefined);
  } finally {
    await h.close();
  }
});

test('a terminating pod that was never scheduled is force-deleted', async () => {
  const h = await startControllerHarness();
  try {
    await createPod(h, 'unscheduled', { finalizer: true });
    await createPod(h, 'pending');
    const pods = h.client.resource<Pod>(PODS, 'default');
    // The finalizer keeps the terminating pod readable after the collector deletes it.
    await pods.delete('unscheduled');
    h.start(configurePodGc({ checkPeriodMs: 50 }));
    const p = await eventually(async () => {
      const x = await pods.get('unscheduled');
      return x.status?.phase === 'Failed' ? x : undefined;
    }, 'marked Failed');
    assert.equal(p.metadata?.deletionGracePeriodSeconds, 0);
    assert.equal((await pods.get('pending')).metadata?.deletionTimestamp, undefined);
  } finally {
    await h.close();
  }
});
