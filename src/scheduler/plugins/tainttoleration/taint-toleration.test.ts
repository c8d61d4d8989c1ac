import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { CycleState } from '../../framework.js';
import { NodeInfo } from '../../node-info.js';
import { PodInfo } from '../../pod-info.js';
import { taintToleration } from './taint-toleration.js';

const node = (name: string, taints: Taint[]): NodeInfo => new NodeInfo({ metadata: { name }, spec: { taints } });
const pod = (tolerations: Toleration[] = []): PodInfo => new PodInfo({ metadata: { name: 'p' }, spec: { containers: [], tolerations } });

test('untolerated NoSchedule taint rejects with the Kubernetes message', () => {
  const pl = taintToleration();
  const cp = node('cp', [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]);
  const s = pl.filter?.(new CycleState(), pod(), cp);
  assert.equal(s?.code, 'UnschedulableAndUnresolvable');
  assert.equal(s?.message, 'node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }');
  assert.equal(pl.filter?.(new CycleState(), pod([{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists' }]), cp), undefined);
  // Value must match for Equal; an empty key with Exists tolerates everything.
  const gpu = node('g', [{ key: 'gpu', value: 'true', effect: 'NoExecute' }]);
  assert.ok(pl.filter?.(new CycleState(), pod([{ key: 'gpu', value: 'false' }]), gpu));
  assert.equal(pl.filter?.(new CycleState(), pod([{ operator: 'Exists' }]), gpu), undefined);
  // PreferNoSchedule never rejects.
  assert.equal(pl.filter?.(new CycleState(), pod(), node('s', [{ key: 'x', effect: 'PreferNoSchedule' }])), undefined);
});

test('score prefers nodes with fewer untolerated PreferNoSchedule taints', () => {
  const pl = taintToleration();
  const nodes = [
    node('a', []),
    node('b', [{ key: 'x', effect: 'PreferNoSchedule' }]),
    node('c', [
      { key: 'x', effect: 'PreferNoSchedule' },
      { key: 'y', effect: 'PreferNoSchedule' },
    ]),
  ];
  const state = new CycleState();
  const p = pod([{ key: 'y', operator: 'Exists', effect: 'PreferNoSchedule' }]);
  pl.preScore?.(state, p, nodes);
  const scores = nodes.map((n) => pl.score?.(state, p, n) ?? -1);
  assert.deepEqual(scores, [0, 1, 1]);
  pl.normalizeScore?.(state, p, nodes, scores);
  assert.deepEqual(scores, [100, 0, 0]);
});
