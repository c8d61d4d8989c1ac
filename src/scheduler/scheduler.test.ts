import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { harness, makeNode, makePod } from './testing.js';
import { numFeasibleNodesToFind, PodNotPendingError, Scheduler } from './scheduler.js';
import { parseMilli } from './resources.js';

const CONTROL_PLANE_TAINT = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };

test('resources fit, then spill over to the next node, then nothing fits', async () => {
  const h = harness({ nodes: [makeNode('n1', { cpu: '2' }), makeNode('n2', { cpu: '2' })] });
  h.add(...[1, 2, 3, 4, 5].map((i) => makePod(`p${i}`, { cpu: '1' })));
  const results = await h.drain();
  assert.equal(results.filter((r) => r.kind === 'scheduled').length, 4);
  const perNode = [...h.bindings.values()].reduce((m, n) => m.set(n, (m.get(n) ?? 0) + 1), new Map<string, number>());
  assert.deepEqual(Object.fromEntries(perNode), { n1: 2, n2: 2 });
  const last = results.at(-1);
  assert.equal(last?.kind, 'unschedulable');
  assert.equal(
    last?.kind === 'unschedulable' && last.message,
    '0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod..',
  );
  const failed = h.events.find((e) => e.reason === 'FailedScheduling');
  assert.equal(failed?.type, 'Warning');
  assert.equal(failed?.regarding.metadata?.name, 'p5');
  const cond = h.statusUpdates.find((u) => u.pod === 'p5')?.update.condition;
  assert.deepEqual(cond && { type: cond.type, status: cond.status, reason: cond.reason }, { type: 'PodScheduled', status: 'False', reason: 'Unschedulable' });
  const scheduled = h.events.find((e) => e.reason === 'Scheduled');
  assert.match(scheduled?.note ?? '', /^Successfully assigned default\/p\d to n\d$/);
  assert.equal(h.scheduler.queue.whereIs(h.pods.get('p5')?.metadata?.uid ?? ''), 'unschedulable');
});

test('failure message in Kubernetes form: taints, unresolvable cpu, preemption not helpful', async () => {
  const h = harness({
    nodes: [makeNode('cp', { cpu: '8', taints: [CONTROL_PLANE_TAINT] }), makeNode('w1', { cpu: '2' }), makeNode('w2', { cpu: '2' })],
  });
  h.add(makePod('big', { cpu: '4' }));
  const [r] = await h.drain();
  assert.equal(r?.kind, 'unschedulable');
  // Kubernetes appends the postFilter message (itself ending in ".") with " %v.", hence "..".
  assert.equal(
    r?.kind === 'unschedulable' && r.message,
    '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..',
  );
});

test('nodeSelector picks the labelled node; an unmatched selector fails with its reason', async () => {
  const h = harness({ nodes: [makeNode('a', { labels: { disk: 'hdd' } }), makeNode('b', { labels: { disk: 'ssd' } })] });
  h.add(makePod('fast', { nodeSelector: { disk: 'ssd' } }), makePod('gpu', { nodeSelector: { gpu: 'yes' } }));
  const results = await h.drain();
  assert.equal(h.bindings.get('fast'), 'b');
  const gpu = results.find((r) => r.pod.metadata?.name === 'gpu');
  assert.equal(gpu?.kind === 'unschedulable' && gpu.message.split('. preemption')[0], "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector");
  // A node with the label arrives: the pod is requeued (NodeAffinity registered Node/Add) and fits.
  h.scheduler.addNode(makeNode('c', { labels: { gpu: 'yes' } }));
  h.clock.advance(1000);
  await h.drain();
  assert.equal(h.bindings.get('gpu'), 'c');
});

test('required anti-affinity spreads replicas one per node; the extra replica waits', async () => {
  const h = harness({ nodes: [makeNode('n1'), makeNode('n2'), makeNode('n3')] });
  const replica = (i: number): Pod =>
    makePod(`web-${i}`, {
      labels: { app: 'web' },
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' }],
        },
      },
    });
  h.add(replica(1), replica(2), replica(3), replica(4));
  const results = await h.drain();
  assert.deepEqual(new Set(h.bindings.values()), new Set(['n1', 'n2', 'n3']));
  const extra = results.find((r) => r.kind === 'unschedulable');
  assert.equal(
    extra?.kind === 'unschedulable' && extra.message,
    "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod..",
  );
});

test('topology spread across zones keeps the skew within maxSkew', async () => {
  const zones = ['a', 'b', 'c'];
  const nodes = zones.flatMap((z) => [1, 2].map((i) => makeNode(`${z}${i}`, { labels: { 'topology.kubernetes.io/zone': z } })));
  const h = harness({ nodes });
  for (let i = 0; i < 9; i++) {
    h.add(
      makePod(`s${i}`, {
        labels: { app: 's' },
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 's' } } }],
      }),
    );
  }
  await h.drain();
  const perZone = new Map<string, number>();
  for (const node of h.bindings.values()) perZone.set(node.slice(0, 1), (perZone.get(node.slice(0, 1)) ?? 0) + 1);
  assert.deepEqual(Object.fromEntries(perZone), { a: 3, b: 3, c: 3 });
});

test('a taint keeps pods off until the pod tolerates it', async () => {
  const h = harness({ nodes: [makeNode('tainted', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] })] });
  const pod = makePod('db-0');
  h.add(pod);
  const [first] = await h.drain();
  assert.equal(first?.kind === 'unschedulable' && first.message.split('. preemption')[0], '0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: db}');
  const key = pod.metadata?.uid ?? '';
  assert.equal(h.scheduler.queue.whereIs(key), 'unschedulable');
  // An unrelated update does not requeue it.
  const relabelled: Pod = { ...pod, metadata: { ...pod.metadata, annotations: { x: 'y' } } };
  h.scheduler.updatePod(pod, relabelled);
  assert.equal(h.scheduler.queue.whereIs(key), 'unschedulable');
  const tolerant: Pod = { ...relabelled, spec: { containers: [], ...relabelled.spec, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }] } };
  h.scheduler.updatePod(relabelled, tolerant);
  assert.notEqual(h.scheduler.queue.whereIs(key), 'unschedulable');
  h.clock.advance(1000);
  await h.drain();
  assert.equal(h.bindings.get('db-0'), 'tainted');
});

test('removing the taint from the node requeues the pod', async () => {
  const tainted = makeNode('n', { taints: [{ key: 'maintenance', effect: 'NoExecute' }] });
  const h = harness({ nodes: [tainted] });
  h.add(makePod('p'));
  await h.drain();
  h.scheduler.updateNode(tainted, makeNode('n'));
  h.clock.advance(1000);
  await h.drain();
  assert.equal(h.bindings.get('p'), 'n');
});

test('preemption evicts the fewest lower-priority pods and nominates the node', async () => {
  const h = harness({ nodes: [makeNode('n1', { cpu: '3' })] });
  h.add(makePod('low-a', { cpu: '1', priority: 10 }), makePod('low-b', { cpu: '1', priority: 20 }), makePod('low-c', { cpu: '1', priority: 30 }));
  await h.drain();
  assert.equal(h.bindings.size, 3);
  h.add(makePod('vip', { cpu: '1500m', priority: 1000 }));
  const [r] = await h.drain();
  assert.equal(r?.kind, 'unschedulable');
  assert.equal(r?.kind === 'unschedulable' && r.nominatedNodeName, 'n1');
  // 1.5 cpu needs two victims; the lowest priorities go, the most important (low-c) stays.
  assert.deepEqual(h.evicted.sort(), ['low-a', 'low-b']);
  assert.equal(r?.kind === 'unschedulable' && r.message, '0/1 nodes are available: 1 Insufficient cpu.');
  assert.deepEqual(
    h.events.filter((e) => e.reason === 'Preempted').map((e) => e.regarding.metadata?.name).sort(),
    ['low-a', 'low-b'],
  );
  assert.equal(h.statusUpdates.find((u) => u.pod === 'vip')?.update.nominatedNodeName, 'n1');
  // The victims' deletion requeued the pod; it now fits on the nominated node.
  h.clock.advance(2000);
  await h.drain();
  assert.equal(h.bindings.get('vip'), 'n1');
});

test('a nominated pod keeps its room against lower-priority pods', async () => {
  const h = harness({ nodes: [makeNode('n1', { cpu: '2' })] });
  h.add(makePod('low', { cpu: '2', priority: 1 }));
  await h.drain();
  h.add(makePod('vip', { cpu: '2', priority: 100 }));
  await h.drain();
  assert.deepEqual(h.evicted, ['low']);
  // Before vip retries, a new low-priority pod arrives first in the queue: it must not take the room.
  h.add(makePod('sneaky', { cpu: '1', priority: 1 }));
  const results = await h.drain();
  h.clock.advance(2000);
  await h.drain();
  assert.equal(h.bindings.get('vip'), 'n1');
  assert.equal(h.bindings.has('sneaky'), false);
  assert.ok(results.some((r) => r.pod.metadata?.name === 'sneaky' && r.kind === 'unschedulable'));
});

test('preemptionPolicy Never is respected', async () => {
  const h = harness({ nodes: [makeNode('n1', { cpu: '1' })] });
  h.add(makePod('low', { cpu: '1', priority: 1 }));
  await h.drain();
  h.add(makePod('polite', { cpu: '1', priority: 100, preemptionPolicy: 'Never' }));
  const [r] = await h.drain();
  assert.equal(r?.kind === 'unschedulable' && r.message, '0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never..');
  assert.deepEqual(h.evicted, []);
});

test('a failed bind forgets the assumed pod and retries with backoff', async () => {
  let fail = true;
  const h = harness({ nodes: [makeNode('n1', { cpu: '1' })], bindFails: () => fail });
  const pod = makePod('p', { cpu: '1' });
  h.add(pod);
  const [r] = await h.drain();
  assert.equal(r?.kind, 'error');
  assert.equal(h.scheduler.snapshot.get('n1')?.requested.milliCPU, 0);
  assert.equal(h.scheduler.queue.whereIs(pod.metadata?.uid ?? ''), 'backoff');
  fail = false;
  h.clock.advance(999);
  assert.equal((await h.drain()).length, 0);
  h.clock.advance(1);
  await h.drain();
  assert.equal(h.bindings.get('p'), 'n1');
});

test('a bind answered "no longer pending" frees the node quietly: no retry, no FailedScheduling', async () => {
  const h = harness({ nodes: [makeNode('n1', { cpu: '1' })], bindFails: () => new PodNotPendingError('pod p is already assigned to node "n2"') });
  const pod = makePod('p', { cpu: '1' });
  h.add(pod);
  const [r] = await h.drain();
  assert.equal(r?.kind, 'skipped');
  assert.equal(h.scheduler.snapshot.get('n1')?.requested.milliCPU, 0);
  assert.equal(h.scheduler.queue.whereIs(pod.metadata?.uid ?? ''), undefined);
  assert.deepEqual(h.events.map((e) => e.reason), []);
  assert.deepEqual(h.statusUpdates, []);
});

test('a burst of 1,100 pods onto 10 nodes never oversubscribes a node', async () => {
  const nodes = Array.from({ length: 10 }, (_, i) => makeNode(`n${i}`, { cpu: '10', memory: '64Gi', pods: '110' }));
  const bound = new Map<string, Pod>();
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => (release = r));
  const scheduler = new Scheduler({
    // Binds complete only after every pod has been through a scheduling cycle.
    binder: async (pod, nodeName) => {
      await gate;
      bound.set(pod.metadata?.name ?? '', { ...pod, spec: { containers: [], ...pod.spec, nodeName } });
    },
  });
  for (const n of nodes) scheduler.addNode(n);
  for (let i = 0; i < 1100; i++) scheduler.addPod(makePod(`b${i}`, { cpu: '100m', memory: '100Mi' }));
  const controller = new AbortController();
  const results: string[] = [];
  const running = scheduler.run({ signal: controller.signal, onResult: (r) => results.push(r.kind) });
  const deadline = Date.now() + 20_000;
  while (scheduler.queue.counts.active > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  release();
  while (results.length < 1100 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  controller.abort();
  await running;
  assert.equal(results.filter((k) => k === 'scheduled').length, 1000);
  assert.equal(results.filter((k) => k === 'unschedulable').length, 100);
  const perNode = new Map<string, number>();
  for (const p of bound.values()) {
    const n = p.spec?.nodeName ?? '';
    perNode.set(n, (perNode.get(n) ?? 0) + (parseMilli(p.spec?.containers[0]?.resources?.requests?.['cpu']) ?? 0));
  }
  for (const [n, milli] of perNode) assert.ok(milli <= 10_000, `${n} holds ${milli}m of 10000m`);
  assert.equal(perNode.size, 10);
});

test('percentageOfNodesToScore: adaptive default, floor 5 %, at least 100 nodes', () => {
  assert.equal(numFeasibleNodesToFind(undefined, 50), 50);
  assert.equal(numFeasibleNodesToFind(undefined, 1000), 420);
  assert.equal(numFeasibleNodesToFind(undefined, 5000), 500);
  assert.equal(numFeasibleNodesToFind(undefined, 6000), 300);
  assert.equal(numFeasibleNodesToFind(undefined, 20_000), 1000);
  assert.equal(numFeasibleNodesToFind(1, 5000), 100);
  assert.equal(numFeasibleNodesToFind(100, 5000), 5000);
});

test('pods for another scheduler are ignored; scheduling gates hold pods back', async () => {
  const h = harness({ nodes: [makeNode('n1')] });
  h.add(makePod('other', { schedulerName: 'custom' }));
  const gated = makePod('gated', { schedulingGates: [{ name: 'wait' }] });
  h.add(gated);
  assert.equal((await h.drain()).length, 0);
  const released: Pod = { ...gated, spec: { containers: [], ...gated.spec, schedulingGates: [] } };
  h.scheduler.updatePod(gated, released);
  await h.drain();
  assert.equal(h.bindings.get('gated'), 'n1');
  assert.equal(h.bindings.has('other'), false);
});

test('no nodes at all', async () => {
  const h = harness();
  h.add(makePod('p'));
  const [r] = await h.drain();
  assert.equal(r?.kind === 'unschedulable' && r.message, 'no nodes available to schedule pods');
});
