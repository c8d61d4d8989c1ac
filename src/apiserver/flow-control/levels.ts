// Which priority level a request waits in, after the configuration Kubernetes ships by default
// (flowcontrol.apiserver.k8s.io/v1 "suggested" FlowSchemas and PriorityLevelConfigurations,
// Kubernetes 1.29+): a fixed table here, not API objects. The shares are Kubernetes'
// nominalConcurrencyShares; a level's share of the dispatches under contention is its shares
// over the sum of the shares of the levels that have requests waiting.
import type { UserInfo } from '../authn/user.js';
import { isHealthPath } from '../routing.js';

export type PriorityLevelName = 'exempt' | 'node-high' | 'system' | 'workload-high' | 'workload-low' | 'global-default' | 'catch-all';

/** nominalConcurrencyShares of each limited level (`exempt` is never queued). */
export const LEVEL_SHARES: Readonly<Record<Exclude<PriorityLevelName, 'exempt'>, number>> = {
  'node-high': 40,
  system: 30,
  'workload-high': 40,
  'workload-low': 100,
  'global-default': 20,
  'catch-all': 5,
};

export interface Classification {
  level: PriorityLevelName;
  /** Requests of one flow are served in order; different flows of a level take turns (Kubernetes' ByUser distinguisher). */
  flow: string;
}

/** What `system-node-high` selects: a node's own Node object and its Lease (heartbeats must not starve). */
const NODE_HEARTBEAT = /^\/(api\/v1\/nodes|apis\/coordination\.k8s\.io\/v1\/namespaces\/kube-node-lease\/leases)(\/|$)/;
const CONTROL_PLANE_USERS = new Set(['system:kube-controller-manager', 'system:kube-scheduler']);

/** The FlowSchemas in precedence order, reduced to what they match on (`url` may carry a query). */
export function classify(user: UserInfo | undefined, url: string): Classification {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const flow = user?.username ?? 'system:anonymous';
  const groups = user?.groups ?? [];
  // exempt (1) and probes (2)
  if (groups.includes('system:masters') || isHealthPath(path)) return { level: 'exempt', flow };
  if (groups.includes('system:nodes')) {
    // system-node-high (400), system-nodes (500)
    return { level: NODE_HEARTBEAT.test(path) ? 'node-high' : 'system', flow };
  }
  // kube-controller-manager and kube-scheduler (800), kube-system-service-accounts (900)
  if (CONTROL_PLANE_USERS.has(flow) || flow.startsWith('system:serviceaccount:kube-system:')) return { level: 'workload-high', flow };
  // service-accounts (9000)
  if (groups.includes('system:serviceaccounts')) return { level: 'workload-low', flow };
  // global-default (9900) for every authenticated user, catch-all (10000) for the rest
  return { level: user && user.username !== 'system:anonymous' ? 'global-default' : 'catch-all', flow };
}
