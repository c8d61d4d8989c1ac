import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, PodAffinityTerm } from 'kubernetes-types/core/v1.js';
import { CycleState, type Plugin } from '../../framework.js';
import { PodInfo } from '../../pod-info.js';
import { Snapshot } from '../../snapshot.js';
import { Status } from '../../status.js';
import { bareHandle, makeNode, makePod, onNode, place } from '../../testing.js';
import { ERR_REASON_AFFINITY, ERR_REASON_ANTI_AFFINITY, ERR_REASON_EXISTING_ANTI_AFFINITY, interPodAffinity } from './inter-pod-affinity.js';

const ZONE = 'topology.kubernetes.io/zone';
const term = (labels: Record<string, string>, topologyKey: string, extra: Partial<PodAffinityTerm> = {}): PodAffinityTerm => ({
  labelSelector: { matchLabels: labels },
  topologyKey,
  ...extra,
});

function setup(): { snapshot: Snapshot; pl: Plugin } {
  const snapshot = new Snapshot();
  snapshot.addNode(makeNode('a1', { labels: { [ZONE]: 'a' } }));
  snapshot.addNode(makeNode('a2', { labels: { [ZONE]: 'a' } }));
  snapshot.addNode(makeNode('b1', { labels: { [ZONE]: 'b' } }));
  snapshot.addNode(makeNode('nozone'));
  return { snapshot, pl: interPodAffinity(bareHandle(snapshot)) };
}

function filterAll(snapshot: Snapshot, pl: Plugin, pod: Pod): Record<string, string> {
  const state = new CycleState();
  const pi = new PodInfo(pod);
  const pre = pl.preFilter?.(state, pi, snapshot.list());
  const out: Record<string, string> = {};
  for (const n of snapshot.list()) {
    if (pre instanceof Status && pre.code === 'Skip') out[n.name] = 'ok';
    else out[n.name] = pl.filter?.(state, pi, n)?.message ?? 'ok';
  }
  return out;
}

test('required affinity: only domains with a matching pod; the first pod of a self-affine group goes anywhere labelled', () => {
  const { snapshot, pl } = setup();
  const db = makePod('web', { labels: { app: 'web' }, affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' }, ZONE)] } } });
  assert.deepEqual(filterAll(snapshot, pl, db), { a1: ERR_REASON_AFFINITY, a2: ERR_REASON_AFFINITY, b1: ERR_REASON_AFFINITY, nozone: ERR_REASON_AFFINITY });
  place(snapshot, onNode(makePod('db-0', { labels: { app: 'db' } }), 'a2'));
  assert.deepEqual(filterAll(snapshot, pl, db), { a1: 'ok', a2: 'ok', b1: ERR_REASON_AFFINITY, nozone: ERR_REASON_AFFINITY });
  const self = makePod('s', { labels: { app: 's' }, affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 's' }, ZONE)] } } });
  assert.deepEqual(filterAll(snapshot, pl, self), { a1: 'ok', a2: 'ok', b1: 'ok', nozone: ERR_REASON_AFFINITY });
});

test('required anti-affinity keeps the pod out of domains with matching pods, and existing pods keep matching pods out', () => {
  const { snapshot, pl } = setup();
  place(snapshot, onNode(makePod('web-0', { labels: { app: 'web' } }), 'a1'));
  const web = makePod('web-1', { labels: { app: 'web' }, affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' }, ZONE)] } } });
  assert.deepEqual(filterAll(snapshot, pl, web), { a1: ERR_REASON_ANTI_AFFINITY, a2: ERR_REASON_ANTI_AFFINITY, b1: 'ok', nozone: 'ok' });
  // Symmetry: a loner already in zone b refuses app=web pods near it.
  place(snapshot, onNode(makePod('loner', { labels: { app: 'loner' }, affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' }, ZONE)] } } }), 'b1'));
  assert.deepEqual(filterAll(snapshot, pl, makePod('web-2', { labels: { app: 'web' } })), { a1: 'ok', a2: 'ok', b1: ERR_REASON_EXISTING_ANTI_AFFINITY, nozone: 'ok' });
});

test('namespaces: own namespace by default, listed namespaces, or a namespaceSelector', () => {
  const { snapshot, pl } = setup();
  snapshot.setNamespace({ metadata: { name: 'prod', labels: { env: 'prod' } } });
  place(snapshot, onNode(makePod('x', { labels: { app: 'x' }, namespace: 'prod' }), 'a1'));
  const anti = (extra: Partial<PodAffinityTerm>): Pod =>
    makePod('p', { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'x' }, 'kubernetes.io/hostname', extra)] } } });
  assert.equal(filterAll(snapshot, pl, anti({}))['a1'], 'ok');
  assert.equal(filterAll(snapshot, pl, anti({ namespaces: ['prod'] }))['a1'], ERR_REASON_ANTI_AFFINITY);
  assert.equal(filterAll(snapshot, pl, anti({ namespaceSelector: { matchLabels: { env: 'prod' } } }))['a1'], ERR_REASON_ANTI_AFFINITY);
  assert.equal(filterAll(snapshot, pl, anti({ namespaceSelector: {} }))['a1'], ERR_REASON_ANTI_AFFINITY);
});

test('preferred affinity scores domains with matching pods higher', () => {
  const { snapshot, pl } = setup();
  place(snapshot, onNode(makePod('cache', { labels: { app: 'cache' } }), 'b1'));
  const pod = new PodInfo(
    makePod('p', { affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, podAffinityTerm: term({ app: 'cache' }, ZONE) }] } } }),
  );
  const nodes = snapshot.list();
  const state = new CycleState();
  assert.equal(pl.preScore?.(state, pod, nodes), undefined);
  const scores = nodes.map((n) => pl.score?.(state, pod, n) ?? -1);
  pl.normalizeScore?.(state, pod, nodes, scores);
  assert.deepEqual(Object.fromEntries(nodes.map((n, i) => [n.name, scores[i]])), { a1: 0, b1: 100, nozone: 0, a2: 0 });
});
