import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod, Taint } from 'kubernetes-types/core/v1.js';
import { startControllerHarness, type ControllerHarness } from '../testing.js';
import { DAEMONSETS, daemonSetController, NODES, PODS } from './daemonset.js';
import { placementOn, targetNode } from './placement.js';

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function node(name: string, options: { labels?: Record<string, string>; taints?: Taint[] } = {}): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...options.labels } },
    spec: { taints: options.taints },
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

function daemonSet(name: string, spec: Partial<NonNullable<DaemonSet['spec']>> = {}): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'agent', image: 'agent:1' }] } },
      ...spec,
    },
  };
}

const livePods = async (h: ControllerHarness): Promise<Pod[]> =>
  (await h.client.resource<Pod>(PODS, 'default').list()).items.filter((p) => !p.metadata?.deletionTimestamp);

/** Plays scheduler and kubelet: binds the pod where its affinity pins it, running and ready. */
async function runPod(h: ControllerHarness, pod: Pod): Promise<void> {
  const t = new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  await h.client.resource<Pod>(PODS, 'default').patch(
    pod.metadata?.name ?? '',
    'merge',
    { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: t }] } },
    { subresource: 'status' },
  );
}

test('one pod per eligible node, pinned by node affinity, with the daemon tolerations', async () => {
  const h = await startControllerHarness();
  try {
    const nodes = h.client.resource<Node>(NODES);
    await nodes.create(node('node-a'));
    await nodes.create(node('node-b'));
    await nodes.create(node('node-c', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] }));
    h.start(daemonSetController);
    await h.client.resource<DaemonSet>(DAEMONSETS, 'default').create(daemonSet('agent'));
    const pods = await waitFor('2 pods', async () => {
      const p = await livePods(h);
      return p.length === 2 && p;
    });
    assert.deepEqual(pods.map((p) => targetNode(p)).sort(), ['node-a', 'node-b'], 'the tainted node is skipped');
    const pod = pods[0] as Pod;
    const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    assert.equal(terms?.length, 1);
    assert.deepEqual(terms?.[0]?.matchFields, [{ key: 'metadata.name', operator: 'In', values: [targetNode(pod)] }]);
    const keys = (pod.spec?.tolerations ?? []).map((t) => `${t.key ?? ''}:${t.effect ?? ''}`).sort();
    assert.deepEqual(keys, [
      'node.kubernetes.io/disk-pressure:NoSchedule',
      'node.kubernetes.io/memory-pressure:NoSchedule',
      'node.kubernetes.io/not-ready:NoExecute',
      'node.kubernetes.io/pid-pressure:NoSchedule',
      'node.kubernetes.io/unreachable:NoExecute',
      'node.kubernetes.io/unschedulable:NoSchedule',
    ]);
    assert.ok(pod.metadata?.labels?.['controller-revision-hash']);
    assert.equal(pod.metadata?.labels?.['pod-template-generation'], '1');
    assert.match(h.events.find((e) => e.reason === 'SuccessfulCreate')?.message ?? '', /^Created pod: agent-[a-z0-9]{5}$/);

    for (const p of pods) await runPod(h, p);
    const ds = await waitFor('status', async () => {
      const d = await h.client.resource<DaemonSet>(DAEMONSETS, 'default').get('agent');
      return d.status?.numberReady === 2 && d;
    });
    assert.deepEqual(
      { ...ds.status, conditions: undefined },
      {
        conditions: undefined,
        currentNumberScheduled: 2,
        desiredNumberScheduled: 2,
        numberMisscheduled: 0,
        numberReady: 2,
        numberAvailable: 2,
        updatedNumberScheduled: 2,
        observedGeneration: 1,
      },
    );

    // A node that joins later gets its pod.
    await nodes.create(node('node-d'));
    await waitFor('pod on node-d', async () => (await livePods(h)).some((p) => targetNode(p) === 'node-d'));
  } finally {
    await h.close();
  }
});

test('RollingUpdate with maxUnavailable 1 replaces one node at a time', async () => {
  const h = await startControllerHarness();
  try {
    const nodes = h.client.resource<Node>(NODES);
    for (const n of ['n1', 'n2', 'n3']) await nodes.create(node(n));
    h.start(daemonSetController);
    const sets = h.client.resource<DaemonSet>(DAEMONSETS, 'default');
    await sets.create(daemonSet('roll'));
    const first = await waitFor('3 pods', async () => {
      const p = await livePods(h);
      return p.length === 3 && p;
    });
    for (const p of first) await runPod(h, p);
    await waitFor('ready', async () => (await sets.get('roll')).status?.numberReady === 3);
    const oldHash = first[0]?.metadata?.labels?.['controller-revision-hash'];
    await sets.patch('roll', 'merge', { spec: { template: { spec: { containers: [{ name: 'agent', image: 'agent:2' }] } } } });
    for (let updated = 1; updated <= 3; updated++) {
      const fresh = await waitFor(`${updated} updated`, async () => {
        const pods = await livePods(h);
        const news = pods.filter((p) => p.metadata?.labels?.['controller-revision-hash'] !== oldHash);
        return news.length === updated && pods.length === 3 && news;
      });
      const pods = await livePods(h);
      const unavailable = pods.filter((p) => p.status?.phase !== 'Running').length;
      assert.ok(unavailable <= 1, `at most one unavailable, saw ${unavailable}`);
      for (const p of fresh) if (p.status?.phase !== 'Running') await runPod(h, p);
    }
    const ds = await waitFor('rolled out', async () => {
      const d = await sets.get('roll');
      return d.status?.updatedNumberScheduled === 3 && d.status.numberAvailable === 3 && d;
    });
    assert.equal(ds.status?.observedGeneration, 2);
    assert.ok((await livePods(h)).every((p) => p.spec?.containers[0]?.image === 'agent:2'));
  } finally {
    await h.close();
  }
});

test('placement: nodeSelector, required affinity, NoExecute taints', () => {
  const spec = { containers: [], nodeSelector: { disk: 'ssd' } };
  assert.equal(placementOn(node('x', { labels: { disk: 'ssd' } }), spec).shouldRun, true);
  assert.equal(placementOn(node('x', { labels: { disk: 'hdd' } }), spec).shouldRun, false);
  const affinity = {
    nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }] } },
  };
  assert.equal(placementOn(node('x', { labels: { zone: 'b' } }), { containers: [], affinity }).shouldRun, true);
  assert.equal(placementOn(node('x', { labels: { zone: 'c' } }), { containers: [], affinity }).shouldRun, false);
  const evicting = node('x', { taints: [{ key: 'gone', effect: 'NoExecute' }] });
  assert.deepEqual(placementOn(evicting, { containers: [] }), { shouldRun: false, shouldContinueRunning: false });
  assert.deepEqual(placementOn(evicting, { containers: [], tolerations: [{ key: 'gone', operator: 'Exists' }] }), { shouldRun: true, shouldContinueRunning: true });
  const unschedulable = node('x', { taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] });
  assert.equal(placementOn(unschedulable, { containers: [] }).shouldRun, true, 'daemon pods tolerate cordoned nodes');
});
