import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, ResourceRequirements } from 'kubernetes-types/core/v1.js';
import { CycleState } from '../../framework.js';
import { NodeInfo } from '../../node-info.js';
import { PodInfo } from '../../pod-info.js';
import { nodeResourcesFit } from './node-resources-fit.js';
import { balancedAllocation } from '../balancedallocation/balanced-allocation.js';

const node = (name: string, allocatable: Record<string, string>): NodeInfo => new NodeInfo({ metadata: { name }, status: { allocatable } } as Node);
const pod = (name: string, requests?: Record<string, string>): PodInfo => {
  const resources: ResourceRequirements | undefined = requests ? { requests } : undefined;
  return new PodInfo({ metadata: { name }, spec: { containers: [{ name: 'c', resources }] } });
};

test('filter lists every insufficient resource; over-allocatable is unresolvable', () => {
  const pl = nodeResourcesFit();
  const n = node('n', { cpu: '2', memory: '4Gi', pods: '110', 'example.com/gpu': '1' });
  n.addPod(pod('a', { cpu: '1500m', memory: '1Gi' }));
  const s = pl.filter?.(new CycleState(), pod('b', { cpu: '1', memory: '4Gi' }), n);
  assert.equal(s?.code, 'Unschedulable');
  assert.deepEqual(s?.reasons, ['Insufficient cpu', 'Insufficient memory']);
  assert.equal(pl.filter?.(new CycleState(), pod('c', { cpu: '3' }), n)?.code, 'UnschedulableAndUnresolvable');
  assert.deepEqual(pl.filter?.(new CycleState(), pod('d', { 'example.com/gpu': '2' }), n)?.reasons, ['Insufficient example.com/gpu']);
  assert.equal(pl.filter?.(new CycleState(), pod('e', { cpu: '500m' }), n), undefined);
});

test('pod count limit gives "Too many pods"', () => {
  const pl = nodeResourcesFit();
  const n = node('n', { cpu: '2', pods: '1' });
  n.addPod(pod('a'));
  assert.deepEqual(pl.filter?.(new CycleState(), pod('b'), n)?.reasons, ['Too many pods']);
});

test('LeastAllocated prefers emptier nodes; MostAllocated the fuller ones', () => {
  const empty = node('empty', { cpu: '4', memory: '8Gi', pods: '110' });
  const busy = node('busy', { cpu: '4', memory: '8Gi', pods: '110' });
  busy.addPod(pod('x', { cpu: '2', memory: '4Gi' }));
  const p = pod('p', { cpu: '1', memory: '2Gi' });
  const least = nodeResourcesFit();
  // (4000-1000)/4000*100 = 75 for both cpu and memory
  assert.equal(least.score?.(new CycleState(), p, empty), 75);
  assert.equal(least.score?.(new CycleState(), p, busy), 25);
  const most = nodeResourcesFit({ scoringStrategy: { type: 'MostAllocated' } });
  assert.equal(most.score?.(new CycleState(), p, empty), 25);
  assert.equal(most.score?.(new CycleState(), p, busy), 75);
  // Best-effort pods count as 100m/200Mi when scoring.
  assert.equal(least.score?.(new CycleState(), pod('be'), empty), Math.trunc((97 + 97) / 2));
});

test('BalancedAllocation: equal cpu/memory fractions score 100; best-effort pods are skipped', () => {
  const pl = balancedAllocation();
  const n = node('n', { cpu: '4', memory: '8Gi' });
  assert.equal(pl.score?.(new CycleState(), pod('p', { cpu: '2', memory: '4Gi' }), n), 100);
  // cpu 1.0, memory 0.25 → std 0.375 → 62
  assert.equal(pl.score?.(new CycleState(), pod('p', { cpu: '4', memory: '2Gi' }), n), 62);
  assert.equal(pl.preScore?.(new CycleState(), pod('be'), [n])?.code, 'Skip');
});
