import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, NodeSelectorRequirement, PodSpec } from 'kubernetes-types/core/v1.js';
import { CycleState } from '../../framework.js';
import { NodeInfo } from '../../node-info.js';
import { PodInfo } from '../../pod-info.js';
import { Status } from '../../status.js';
import { nodeAffinity, ERR_REASON_POD } from './node-affinity.js';

const node = (name: string, labels: Record<string, string>): NodeInfo => new NodeInfo({ metadata: { name, labels } } as Node);
const pod = (spec: Partial<PodSpec>): PodInfo => new PodInfo({ metadata: { name: 'p' }, spec: { containers: [], ...spec } });
const required = (...matchExpressions: NodeSelectorRequirement[]): Partial<PodSpec> => ({
  affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions }] } } },
});

function fits(p: PodInfo, n: NodeInfo): boolean {
  const pl = nodeAffinity();
  const state = new CycleState();
  const pre = pl.preFilter?.(state, p, [n]);
  if (pre instanceof Status && pre.code === 'Skip') return true;
  return pl.filter?.(state, p, n) === undefined;
}

test('nodeSelector must match every label', () => {
  const n = node('n', { disk: 'ssd', zone: 'a' });
  assert.equal(fits(pod({ nodeSelector: { disk: 'ssd' } }), n), true);
  assert.equal(fits(pod({ nodeSelector: { disk: 'hdd' } }), n), false);
  const s = nodeAffinity().filter?.(new CycleState(), pod({ nodeSelector: { disk: 'hdd' } }), n);
  assert.equal(s?.code, 'UnschedulableAndUnresolvable');
  assert.equal(s?.message, ERR_REASON_POD);
});

test('required affinity operators In NotIn Exists DoesNotExist Gt Lt', () => {
  const n = node('n', { zone: 'a', cores: '8' });
  assert.equal(fits(pod(required({ key: 'zone', operator: 'In', values: ['a', 'b'] })), n), true);
  assert.equal(fits(pod(required({ key: 'zone', operator: 'NotIn', values: ['a'] })), n), false);
  assert.equal(fits(pod(required({ key: 'missing', operator: 'NotIn', values: ['a'] })), n), true);
  assert.equal(fits(pod(required({ key: 'zone', operator: 'Exists' })), n), true);
  assert.equal(fits(pod(required({ key: 'zone', operator: 'DoesNotExist' })), n), false);
  assert.equal(fits(pod(required({ key: 'cores', operator: 'Gt', values: ['4'] })), n), true);
  assert.equal(fits(pod(required({ key: 'cores', operator: 'Lt', values: ['4'] })), n), false);
  assert.equal(fits(pod(required({ key: 'zone', operator: 'Gt', values: ['1'] })), n), false);
});

test('terms are ORed; an empty term matches nothing', () => {
  const n = node('n', { zone: 'a' });
  const spec: Partial<PodSpec> = {
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }, { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }],
        },
      },
    },
  };
  assert.equal(fits(pod(spec), n), true);
  assert.equal(fits(pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{}] } } } }), n), false);
});

test('matchFields metadata.name narrows the candidate nodes in preFilter', () => {
  const p = pod({
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] }] },
      },
    },
  });
  const out = nodeAffinity().preFilter?.(new CycleState(), p, []);
  assert.ok(out && !(out instanceof Status));
  assert.deepEqual([...out.nodeNames], ['n2']);
  assert.equal(fits(p, node('n1', {})), false);
  assert.equal(fits(p, node('n2', {})), true);
});

test('preferred terms score by summed weight, normalized to 100', () => {
  const pl = nodeAffinity();
  const p = pod({
    affinity: {
      nodeAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 10, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } },
          { weight: 30, preference: { matchExpressions: [{ key: 'disk', operator: 'Exists' }] } },
        ],
      },
    },
  });
  const nodes = [node('a', { zone: 'a' }), node('b', { disk: 'x' }), node('c', {})];
  const state = new CycleState();
  assert.equal(pl.preScore?.(state, p, nodes), undefined);
  const scores = nodes.map((n) => pl.score?.(state, p, n) ?? -1);
  assert.deepEqual(scores, [10, 30, 0]);
  pl.normalizeScore?.(state, p, nodes, scores);
  assert.deepEqual(scores, [33, 100, 0]);
});
