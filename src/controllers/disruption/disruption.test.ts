import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { startControllerHarness, type ControllerHarness } from '../testing.js';
import { disruptionController } from './disruption.js';
import { scaledValue } from './budget.js';

const PODS = { group: '', version: 'v1', resource: 'pods' };
const PDBS = { group: 'policy', version: 'v1', resource: 'poddisruptionbudgets' };

async function statusWhere(h: ControllerHarness, name: string, ok: (p: PodDisruptionBudget) => boolean): Promise<PodDisruptionBudget> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const p = await h.client.resource<PodDisruptionBudget>(PDBS, 'default').get(name);
    if (ok(p)) return p;
    if (Date.now() > deadline) throw new Error(`timed out; last status ${JSON.stringify(p.status)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function createPod(h: ControllerHarness, name: string, ready: boolean, owner?: OwnerReference): Promise<void> {
  const pods = h.client.resource<Pod>(PODS, 'default');
  await pods.create({ metadata: { name, labels: { app: 'web' }, ownerReferences: owner ? [owner] : undefined }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
  await setReady(h, name, ready);
}

async function setReady(h: ControllerHarness, name: string, ready: boolean): Promise<void> {
  await h.client.resource<Pod>(PODS, 'default').patch(name, 'merge', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } }, { subresource: 'status' });
}

const condition = (p: PodDisruptionBudget): [string, string] | undefined => {
  const c = p.status?.conditions?.find((x) => x.type === 'DisruptionAllowed');
  return c ? [c.status, c.reason] : undefined;
};

test('minAvailable as a number: counts against the matched pods; an unready pod uses up the budget', async () => {
  const h = await startControllerHarness();
  try {
    h.start(disruptionController);
    for (const n of ['a', 'b', 'c']) await createPod(h, n, true);
    const created = await h.client.resource<PodDisruptionBudget>(PDBS, 'default').create({ metadata: { name: 'web' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } } });
    let pdb = await statusWhere(h, 'web', (p) => p.status?.disruptionsAllowed === 1);
    assert.deepEqual(
      [pdb.status?.currentHealthy, pdb.status?.desiredHealthy, pdb.status?.expectedPods, pdb.status?.observedGeneration],
      [3, 2, 3, created.metadata?.generation],
    );
    assert.deepEqual(condition(pdb), ['True', 'SufficientPods']);

    await setReady(h, 'b', false);
    pdb = await statusWhere(h, 'web', (p) => p.status?.currentHealthy === 2);
    assert.equal(pdb.status?.disruptionsAllowed, 0);
    assert.deepEqual(condition(pdb), ['False', 'InsufficientPods']);
  } finally {
    await h.close();
  }
});

test('maxUnavailable as a percentage: expected pods come from the Deployment above the ReplicaSet', async () => {
  const h = await startControllerHarness();
  try {
    h.start(disruptionController);
    const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
    const d = await h.client.resource<Deployment>({ group: 'apps', version: 'v1', resource: 'deployments' }, 'default').create({
      metadata: { name: 'web' },
      spec: { replicas: 4, selector: { matchLabels: { app: 'web' } }, template },
    });
    const rs = await h.client.resource<ReplicaSet>({ group: 'apps', version: 'v1', resource: 'replicasets' }, 'default').create({
      metadata: { name: 'web-1', labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d.metadata?.uid ?? '', controller: true }] },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template },
    });
    const owner: OwnerReference = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: rs.metadata?.uid ?? '', controller: true };
    for (const n of ['a', 'b', 'c']) await createPod(h, n, true, owner);
    await h.client.resource<PodDisruptionBudget>(PDBS, 'default').create({ metadata: { name: 'web' }, spec: { maxUnavailable: '50%', selector: { matchLabels: { app: 'web' } } } });
    const pdb = await statusWhere(h, 'web', (p) => p.status?.expectedPods === 4);
    assert.deepEqual([pdb.status?.currentHealthy, pdb.status?.desiredHealthy, pdb.status?.disruptionsAllowed], [3, 2, 1]);
  } finally {
    await h.close();
  }
});

test('a percentage with pods that have no controller cannot be computed: SyncFailed and no disruptions', async () => {
  const h = await startControllerHarness();
  try {
    h.start(disruptionController);
    await createPod(h, 'a', true);
    await h.client.resource<PodDisruptionBudget>(PDBS, 'default').create({ metadata: { name: 'web' }, spec: { minAvailable: '50%', selector: { matchLabels: { app: 'web' } } } });
    const pdb = await statusWhere(h, 'web', (p) => condition(p)?.[1] === 'SyncFailed');
    assert.equal(pdb.status?.disruptionsAllowed, 0);
    assert.ok(h.events.some((e) => e.reason === 'CalculateExpectedPodCountFailed'));
  } finally {
    await h.close();
  }
});

test('percentages round up', () => {
  assert.equal(scaledValue('50%', 3), 2);
  assert.equal(scaledValue('10%', 4), 1);
  assert.equal(scaledValue(2, 10), 2);
});

test('conditions others write to a budget stay when the controller updates it (conformance: PDB status)', async () => {
  const h = await startControllerHarness();
  try {
    h.start(disruptionController);
    await createPod(h, 'a', true);
    const pdbs = h.client.resource<PodDisruptionBudget>(PDBS, 'default');
    await pdbs.create({ metadata: { name: 'kept' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } });
    const pdb = await statusWhere(h, 'kept', (p) => p.status?.expectedPods === 1);
    const custom = { type: 'StatusUpdate', status: 'True', reason: 'E2E', message: 'Set from an e2e test', lastTransitionTime: '2024-01-01T00:00:00Z' };
    await pdbs.patch('kept', 'merge', { status: { conditions: [...(pdb.status?.conditions ?? []), custom] } }, { subresource: 'status' });
    await createPod(h, 'b', true);
    const after = await statusWhere(h, 'kept', (p) => p.status?.expectedPods === 2 && p.status.currentHealthy === 2);
    assert.deepEqual(after.status?.conditions?.find((c) => c.type === 'StatusUpdate'), custom);
    assert.deepEqual(condition(after), ['True', 'SufficientPods']);
  } finally {
    await h.close();
  }
});
