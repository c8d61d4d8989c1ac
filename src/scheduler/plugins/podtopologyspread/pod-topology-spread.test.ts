import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import { CycleState } from '../../framework.js';
import { PodInfo } from '../../pod-info.js';
import { Snapshot } from '../../snapshot.js';
import { bareHandle, makeNode, makePod, onNode, place } from '../../testing.js';
import { ERR_REASON_CONSTRAINTS_NOT_MATCH, ERR_REASON_NODE_LABEL_NOT_MATCH, podTopologySpread } from './pod-topology-spread.js';

const ZONE = 'topology.kubernetes.io/zone';

function cluster(): Snapshot {
  const s = new Snapshot();
  s.addNode(makeNode('a1', { labels: { [ZONE]: 'a' } }));
  s.addNode(makeNode('b1', { labels: { [ZONE]: 'b' } }));
  s.addNode(makeNode('c1', { labels: { [ZONE]: 'c', dedicated: 'x' } }));
  s.addNode(makeNode('nozone'));
  return s;
}

const spread = (c: Partial<TopologySpreadConstraint>, extra: Partial<Pod['spec']> = {}): Pod =>
  makePod('new', {
    labels: { app: 'w' },
    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'w' } }, ...c }],
    ...extra,
  });

function filterAll(s: Snapshot, pod: Pod): Record<string, string> {
  const pl = podTopologySpread(bareHandle(s));
  const state = new CycleState();
  const pi = new PodInfo(pod);
  pl.preFilter?.(state, pi, s.list());
  return Object.fromEntries(s.list().map((n) => [n.name, pl.filter?.(state, pi, n)?.message ?? 'ok']));
}

test('maxSkew counts matching pods per zone against the global minimum', () => {
  const s = cluster();
  place(s, onNode(makePod('w1', { labels: { app: 'w' } }), 'a1'), onNode(makePod('w2', { labels: { app: 'w' } }), 'b1'));
  place(s, onNode(makePod('other', { labels: { app: 'other' } }), 'c1'));
  assert.deepEqual(filterAll(s, spread({})), {
    a1: ERR_REASON_CONSTRAINTS_NOT_MATCH,
    b1: ERR_REASON_CONSTRAINTS_NOT_MATCH,
    c1: 'ok',
    nozone: ERR_REASON_NODE_LABEL_NOT_MATCH,
  });
  assert.deepEqual(filterAll(s, spread({ maxSkew: 2 }))['a1'], 'ok');
});

test('minDomains: fewer eligible domains than required makes the minimum 0', () => {
  const s = cluster();
  place(s, onNode(makePod('w1', { labels: { app: 'w' } }), 'a1'), onNode(makePod('w2', { labels: { app: 'w' } }), 'b1'), onNode(makePod('w3', { labels: { app: 'w' } }), 'c1'));
  assert.equal(filterAll(s, spread({}))['a1'], 'ok');
  assert.equal(filterAll(s, spread({ minDomains: 4 }))['a1'], ERR_REASON_CONSTRAINTS_NOT_MATCH);
});

test('nodeAffinityPolicy Honor (default) ignores domains the pod cannot use; Ignore counts them', () => {
  const s = cluster();
  place(s, onNode(makePod('w1', { labels: { app: 'w' } }), 'a1'), onNode(makePod('w2', { labels: { app: 'w' } }), 'b1'));
  const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'dedicated', operator: 'DoesNotExist' }] }] } } };
  // Zone c is excluded by the pod's node affinity: minimum is 1 (zones a, b), so a1 is fine.
  assert.equal(filterAll(s, spread({}, { affinity }))['a1'], 'ok');
  assert.equal(filterAll(s, spread({ nodeAffinityPolicy: 'Ignore' }, { affinity }))['a1'], ERR_REASON_CONSTRAINTS_NOT_MATCH);
});

test('nodeTaintsPolicy Honor leaves out domains whose taints the pod does not tolerate', () => {
  const s = new Snapshot();
  s.addNode(makeNode('a1', { labels: { [ZONE]: 'a' } }));
  s.addNode(makeNode('b1', { labels: { [ZONE]: 'b' }, taints: [{ key: 'k', effect: 'NoSchedule' }] }));
  place(s, onNode(makePod('w1', { labels: { app: 'w' } }), 'a1'));
  assert.equal(filterAll(s, spread({}))['a1'], ERR_REASON_CONSTRAINTS_NOT_MATCH);
  assert.equal(filterAll(s, spread({ nodeTaintsPolicy: 'Honor' }))['a1'], 'ok');
});

test('ScheduleAnyway scores emptier zones higher', () => {
  const s = cluster();
  place(s, onNode(makePod('w1', { labels: { app: 'w' } }), 'a1'), onNode(makePod('w2', { labels: { app: 'w' } }), 'a1'), onNode(makePod('w3', { labels: { app: 'w' } }), 'b1'));
  const pl = podTopologySpread(bareHandle(s));
  const pi = new PodInfo(spread({ whenUnsatisfiable: 'ScheduleAnyway' }));
  const nodes = s.list();
  const state = new CycleState();
  assert.equal(pl.preScore?.(state, pi, nodes), undefined);
  const scores = nodes.map((n) => pl.score?.(state, pi, n) ?? -1);
  pl.normalizeScore?.(state, pi, nodes, scores);
  const byName = Object.fromEntries(nodes.map((n, i) => [n.name, scores[i]]));
  assert.ok((byName['c1'] ?? 0) > (byName['b1'] ?? 0) && (byName['b1'] ?? 0) > (byName['a1'] ?? 0), JSON.stringify(byName));
  assert.equal(byName['nozone'], 0);
});
