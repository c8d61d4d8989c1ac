import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterRole } from 'kubernetes-types/rbac/v1.js';
import { startControllerHarness } from '../testing.js';
import { aggregatedRules, clusterRoleAggregationController } from './clusterroleaggregation.js';

const CLUSTER_ROLES = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles' };

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const role = (name: string, labels: Record<string, string>, rules: ClusterRole['rules'], aggregate?: Record<string, string>): ClusterRole => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name, labels },
  rules,
  ...(aggregate ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: aggregate }] } } : {}),
});

test('aggregatedRules: matching roles in name order, each rule once, not the role itself', () => {
  const read = { apiGroups: [''], resources: ['pods'], verbs: ['get'] };
  const write = { apiGroups: [''], resources: ['pods'], verbs: ['create'] };
  const target = role('agg', { x: 'true' }, [], { x: 'true' });
  const all = [role('b', { x: 'true' }, [write, read]), role('a', { x: 'true' }, [read]), role('c', {}, [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]), target];
  assert.deepEqual(aggregatedRules(target, all), [read, write]);
  assert.equal(aggregatedRules(role('plain', {}, []), all), undefined);
});

test('an aggregated ClusterRole follows the roles its selector matches as they come, change and go', async () => {
  const h = await startControllerHarness();
  try {
    h.start(clusterRoleAggregationController);
    const roles = h.client.resource<ClusterRole>(CLUSTER_ROLES);
    const rulesOf = async (name: string) => (await roles.get(name)).rules ?? [];
    await roles.create(role('monitoring', {}, [], { 'example.com/aggregate-to-monitoring': 'true' }));
    const metrics = { apiGroups: ['metrics.k8s.io'], resources: ['pods'], verbs: ['get', 'list'] };
    await roles.create(role('metrics-reader', { 'example.com/aggregate-to-monitoring': 'true' }, [metrics]));
    await waitFor('the rules to be aggregated', async () => ((await rulesOf('monitoring')).length === 1 ? true : undefined));
    assert.deepEqual(await rulesOf('monitoring'), [metrics]);

    const current = await roles.get('metrics-reader');
    const logs = { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] };
    await roles.update({ ...current, rules: [metrics, logs] });
    await waitFor('the changed rules', async () => ((await rulesOf('monitoring')).length === 2 ? true : undefined));
    assert.deepEqual(await rulesOf('monitoring'), [metrics, logs]);

    await roles.delete('metrics-reader');
    await waitFor('the rules to go', async () => ((await rulesOf('monitoring')).length === 0 ? true : undefined));

    // The bootstrap `view` role picks up a custom role labelled for it.
    const crds = { apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get', 'list', 'watch'] };
    await roles.create(role('widgets-view', { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' }, [crds]));
    await waitFor('view to aggregate widgets', async () => ((await rulesOf('view')).some((r) => r.apiGroups?.includes('example.com')) ? true : undefined));
    // … and through edit (which aggregates view's labels via aggregate-to-edit on view) into admin.
    await waitFor('admin to aggregate widgets', async () => ((await rulesOf('admin')).some((r) => r.apiGroups?.includes('example.com')) ? true : undefined));
  } finally {
    await h.close();
  }
});
