import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { DomainCountsSpec } from './domain-counts.js';
import type { NodeInfo } from './node-info.js';
import { PodInfo } from './pod-info.js';
import { Snapshot } from './snapshot.js';
import { makeNode, makePod, onNode } from './testing.js';

const ZONE = 'topology.kubernetes.io/zone';

/** A small deterministic generator, so a failure names the seed that reproduces it. */
function rng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

const specs: Record<string, DomainCountsSpec> = {
  blueInA: { namespace: 'a', topologyKey: ZONE, matches: (l) => l['color'] === 'blue', includes: () => true },
  anyInB: { namespace: 'b', topologyKey: ZONE, matches: () => true, includes: () => true },
  untainted: { namespace: 'a', topologyKey: ZONE, matches: () => true, includes: (n) => (n.node.spec?.taints ?? []).length === 0 },
  hostname: { namespace: 'a', topologyKey: 'kubernetes.io/hostname', matches: (l) => l['color'] !== undefined, includes: () => true },
};

/** What the index must equal: a walk over every known node, as the plugin did before it. */
function walk(s: Snapshot, spec: DomainCountsSpec): Map<string, number> {
  const out = new Map<string, number>();
  for (const ni of s.list() as NodeInfo[]) {
    const v = ni.labels[spec.topologyKey];
    if (v === undefined || !spec.includes(ni)) continue;
    let n = out.get(v) ?? 0;
    for (const p of ni.pods) if (p.namespace === spec.namespace && !p.terminating && spec.matches(p.labels)) n++;
    out.set(v, n);
  }
  return out;
}

const sorted = (m: ReadonlyMap<string, number>): [string, number][] => [...m].sort(([a], [b]) => a.localeCompare(b));

test('domain counts stay equal to a full walk through random pod and node changes', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const r = rng(seed);
    const s = new Snapshot();
    const zones = ['z1', 'z2', 'z3', undefined];
    const pods = new Map<string, Pod>();
    let nextPod = 0;
    const node = (i: number): void => {
      const zone = zones[r(zones.length)];
      s.addNode(makeNode(`n${i}`, { labels: zone ? { [ZONE]: zone } : {}, ...(r(4) === 0 ? { taints: [{ key: 'k', effect: 'NoSchedule' as const }] } : {}) }));
    };
    for (let i = 0; i < 6; i++) node(i);
    const registered = new Set<string>(['blueInA']);
    s.domainCounts('blueInA', () => specs['blueInA'] as DomainCountsSpec);
    for (let step = 0; step < 400; step++) {
      const op = r(10);
      if (op <= 3) {
        const name = `p${nextPod++}`;
        const colors = ['blue', 'red', undefined];
        const color = colors[r(colors.length)];
        const pod = onNode(makePod(name, { namespace: r(2) === 0 ? 'a' : 'b', labels: color ? { color } : {} }), `n${r(8)}`);
        pods.set(name, pod);
        if (r(3) === 0) s.assume(new PodInfo({ ...pod, spec: { ...pod.spec, containers: pod.spec?.containers ?? [], nodeName: undefined } }), `n${r(8)}`);
        else s.addPod(new PodInfo(pod));
      } else if (op === 4 && pods.size > 0) {
        const name = [...pods.keys()][r(pods.size)] as string;
        const pod = pods.get(name) as Pod;
        s.removePod(new PodInfo(pod).key);
        pods.delete(name);
      } else if (op === 5 && pods.size > 0) {
        const name = [...pods.keys()][r(pods.size)] as string;
        const pod = pods.get(name) as Pod;
        const terminating: Pod = { ...pod, metadata: { ...pod.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } };
        pods.set(name, terminating);
        s.updatePod(new PodInfo(terminating));
      } else if (op === 6) node(r(8));
      else if (op === 7) s.removeNode(`n${r(8)}`);
      else if (op === 8 && pods.size > 0) {
        const name = [...pods.keys()][r(pods.size)] as string;
        s.forget(new PodInfo(pods.get(name) as Pod).key);
      } else {
        const id = Object.keys(specs)[r(Object.keys(specs).length)] as string;
        registered.add(id);
      }
      for (const id of registered) {
        const spec = specs[id] as DomainCountsSpec;
        assert.deepEqual(sorted(s.domainCounts(id, () => spec).counts), sorted(walk(s, spec)), `seed ${seed}, step ${step}, ${id}`);
      }
    }
  }
});
