// The ClusterRole aggregation controller (Kubernetes' "clusterrole-aggregation"): a ClusterRole
// with `aggregationRule.clusterRoleSelectors` gets, as its rules, the rules of every other
// ClusterRole whose labels match one of the selectors (in name order, each rule once). Any
// ClusterRole change may change what an aggregated role should hold, so every change queues
// every aggregated role; a role already holding the right rules is not written.
import type { ClusterRole, PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { ApiError } from '../../api/errors.js';
import { selectorMatches } from '../../api/selectors/labels.js';
import { runWorkers } from '../../informer/workers.js';
import { WorkQueue } from '../../informer/workqueue.js';
import type { ControllerFactory } from '../controller.js';
import { requireResource } from '../shared/resources.js';

const CLUSTER_ROLES = requireResource('rbac.authorization.k8s.io', 'v1', 'clusterroles');

/** The rules `role` should hold, from the ClusterRoles its selectors match (undefined when it aggregates nothing). */
export function aggregatedRules(role: ClusterRole, all: readonly ClusterRole[]): PolicyRule[] | undefined {
  const selectors = role.aggregationRule?.clusterRoleSelectors;
  if (!selectors) return undefined;
  const name = role.metadata?.name;
  const sources = all
    .filter((r) => r.metadata?.name !== name && selectors.some((s) => selectorMatches(s, r.metadata?.labels)))
    .sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1));
  const rules: PolicyRule[] = [];
  const seen = new Set<string>();
  for (const source of sources) {
    for (const rule of source.rules ?? []) {
      const key = JSON.stringify(rule);
      if (seen.has(key)) continue;
      seen.add(key);
      rules.push(rule);
    }
  }
  return rules;
}

export const clusterRoleAggregationController: ControllerFactory = (ctx) => ({
  name: 'clusterrole-aggregation',
  async run(signal) {
    const roles = ctx.informers.informerFor<ClusterRole>(CLUSTER_ROLES);
    const api = ctx.client.resource<ClusterRole>(CLUSTER_ROLES);
    const queue = new WorkQueue({ clock: ctx.clock });
    const enqueueAggregated = (): void => {
      for (const role of roles.cache.list()) if (role.aggregationRule && role.metadata?.name) queue.add(role.metadata.name);
    };
    roles.addEventHandler({ onAdd: enqueueAggregated, onUpdate: enqueueAggregated, onDelete: enqueueAggregated });
    if (!(await roles.waitForSync(signal))) return;

    const reconcile = async (name: string): Promise<void> => {
      const role = roles.cache.get(name);
      if (!role) return;
      const rules = aggregatedRules(role, roles.cache.list());
      if (!rules || JSON.stringify(rules) === JSON.stringify(role.rules ?? [])) return;
      try {
        await api.update({ ...role, rules });
        ctx.log.debug(`clusterrole ${name}: ${rules.length} aggregated rules`);
      } catch (err) {
        // Changed meanwhile: the informer brings the new version, which is queued again.
        if (err instanceof ApiError && (err.code === 409 || err.code === 404)) return;
        throw err;
      }
    };
    enqueueAggregated();
    await runWorkers(queue, reconcile, { workers: 1, signal, log: ctx.log });
  },
});
