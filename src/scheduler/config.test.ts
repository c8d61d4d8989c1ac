import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPluginSet, IN_TREE_PLUGINS, resolveConfiguration } from './config.js';
import { Snapshot } from './snapshot.js';
import { bareHandle, harness, makeNode, makePod } from './testing.js';
import { Status } from './status.js';
import { FakeClock } from './clock.js';
import { Scheduler } from './scheduler.js';

const handle = bareHandle(new Snapshot());

test('the default profile has Kubernetes order and score weights', () => {
  const cfg = resolveConfiguration();
  const p = cfg.profiles[0];
  assert.ok(p);
  assert.equal(p.schedulerName, 'default-scheduler');
  const set = buildPluginSet(p.plugins, p.args, handle, IN_TREE_PLUGINS);
  assert.deepEqual(set.filter.map((x) => x.name), ['NodeUnschedulable', 'NodeName', 'TaintToleration', 'NodeAffinity', 'NodePorts', 'NodeResourcesFit', 'VolumeRestrictions', 'VolumeBinding', 'PodTopologySpread', 'InterPodAffinity']);
  assert.deepEqual(
    Object.fromEntries(set.score.map((s) => [s.plugin.name, s.weight])),
    { TaintToleration: 3, NodeAffinity: 2, NodeResourcesFit: 1, PodTopologySpread: 2, InterPodAffinity: 2, NodeResourcesBalancedAllocation: 1, ImageLocality: 1 },
  );
  assert.deepEqual(set.postFilter.map((x) => x.name), ['DefaultPreemption']);
  assert.deepEqual(set.bind.map((x) => x.name), ['DefaultBinder']);
  assert.equal(cfg.podInitialBackoffMs, 1000);
  assert.equal(cfg.podMaxBackoffMs, 10_000);
});

test('profiles disable, re-weight and configure plugins', () => {
  const cfg = resolveConfiguration({
    profiles: [
      {
        schedulerName: 'packer',
        plugins: { score: { disabled: [{ name: '*' }], enabled: [{ name: 'NodeResourcesFit', weight: 5 }] }, multiPoint: { disabled: [{ name: 'DefaultPreemption' }] } },
        pluginConfig: [{ name: 'NodeResourcesFit', args: { scoringStrategy: { type: 'MostAllocated' } } }],
      },
    ],
  });
  const p = cfg.profiles[0];
  assert.ok(p);
  const set = buildPluginSet(p.plugins, p.args, handle, IN_TREE_PLUGINS);
  assert.deepEqual(set.score.map((s) => [s.plugin.name, s.weight]), [['NodeResourcesFit', 5]]);
  assert.deepEqual(set.postFilter, []);
  assert.throws(() => resolveConfiguration({ profiles: [{}, {}] }), /duplicate schedulerName/);
  assert.throws(() => resolveConfiguration({ percentageOfNodesToScore: 101 }), /range/);
  const bad = resolveConfiguration({ profiles: [{ plugins: { filter: { enabled: [{ name: 'Nope' }] } } }] }).profiles[0];
  assert.ok(bad);
  assert.throws(() => buildPluginSet(bad.plugins, bad.args, handle, IN_TREE_PLUGINS), /plugin "Nope" does not exist/);
});

test('MostAllocated profile packs pods onto the fuller node', async () => {
  const h = harness({
    nodes: [makeNode('a', { cpu: '4' }), makeNode('b', { cpu: '4' })],
    config: { profiles: [{ pluginConfig: [{ name: 'NodeResourcesFit', args: { scoringStrategy: { type: 'MostAllocated' } } }] }] },
  });
  h.add(makePod('seed', { cpu: '2', nodeName: 'b' }), makePod('p', { cpu: '1' }));
  await h.drain();
  assert.equal(h.bindings.get('p'), 'b');
});

test('an out-of-tree permit plugin can hold a pod until allowed, or time it out', async () => {
  const clock = new FakeClock();
  const bound: string[] = [];
  const s = new Scheduler({
    clock,
    binder: async (pod) => {
      bound.push(pod.metadata?.name ?? '');
    },
    config: { profiles: [{ plugins: { permit: { enabled: [{ name: 'Gate' }] } } }] },
    plugins: { Gate: () => ({ name: 'Gate', permit: () => ({ status: new Status('Wait'), timeoutMs: 5000 }) }) },
  });
  s.addNode(makeNode('n1'));
  const pod = makePod('held');
  s.addPod(pod);
  const pending = s.scheduleOne();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(bound, []);
  assert.equal(s.framework()?.allow(pod.metadata?.uid ?? '', 'Gate'), true);
  const r = await pending;
  assert.equal(r?.kind, 'scheduled');
  assert.deepEqual(bound, ['held']);

  s.addPod(makePod('late'));
  const timing = s.scheduleOne();
  await new Promise((r) => setImmediate(r));
  clock.advance(5000);
  const t = await timing;
  assert.equal(t?.kind, 'unschedulable');
  assert.equal(t?.kind === 'unschedulable' && t.message, 'rejected due to timeout after waiting 5s at plugin Gate');
  assert.equal(s.snapshot.get('n1')?.pods.length, 1, 'the timed-out pod was forgotten');
});
