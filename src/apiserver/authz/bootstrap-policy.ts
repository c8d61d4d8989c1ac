// The default roles and bindings, created when the API server starts if they are missing, as
// Kubernetes' RBAC bootstrap policy (labelled `kubernetes.io/bootstrapping: rbac-defaults`,
// annotated `rbac.authorization.kubernetes.io/autoupdate: "true"`). k8ts keeps the subset its
// users and components need. Deviation: Kubernetes reconciles changed defaults back on every
// start; k8ts only creates what is missing. Deviation: Kubernetes authorizes kubelets with its
// Node authorizer; k8ts binds a `system:node` ClusterRole to group `system:nodes` instead,
// granting what a k8ts agent (kubelet, proxy, network policy, ingress) uses.
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { findResource } from '../../api/resources.js';
import { selectorMatches } from '../../api/selectors/labels.js';
import type { Registries } from '../registry/registries.js';
import type { PolicyRule } from './rules.js';
import { createIfMissing } from '../registry/system-writes.js';

const RBAC = 'rbac.authorization.k8s.io';
const RBAC_V1 = `${RBAC}/v1`;
const BOOTSTRAP_LABELS = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
const AUTOUPDATE = { 'rbac.authorization.kubernetes.io/autoupdate': 'true' };
const AGGREGATE_TO = (role: 'admin' | 'edit' | 'view'): string => `${RBAC}/aggregate-to-${role}`;

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const READ_WRITE = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function rule(verbs: string[], apiGroups: string[], resources: string[], resourceNames?: string[]): PolicyRule {
  return { verbs, apiGroups, resources, ...(resourceNames ? { resourceNames } : {}) };
}

function urls(verbs: string[], nonResourceURLs: string[]): PolicyRule {
  return { verbs, nonResourceURLs };
}

interface RoleSpec {
  name: string;
  rules?: PolicyRule[];
  /** Aggregation label values this role carries. */
  aggregateTo?: ('admin' | 'edit' | 'view')[];
  /** The label its rules are aggregated from. */
  aggregateFrom?: 'admin' | 'edit' | 'view';
}

const CLUSTER_ROLES: readonly RoleSpec[] = [
  { name: 'cluster-admin', rules: [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])] },
  { name: 'admin', aggregateFrom: 'admin' },
  { name: 'edit', aggregateFrom: 'edit', aggregateTo: ['admin'] },
  { name: 'view', aggregateFrom: 'view', aggregateTo: ['edit'] },
  {
    name: 'system:aggregate-to-admin',
    aggregateTo: ['admin'],
    rules: [rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']), rule(READ_WRITE, [RBAC], ['rolebindings', 'roles'])],
  },
  {
    name: 'system:aggregate-to-edit',
    aggregateTo: ['edit'],
    rules: [
      rule(READ, [''], ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy']),
      rule(['impersonate'], [''], ['serviceaccounts']),
      rule(WRITE, [''], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy']),
      rule(['create'], [''], ['pods/eviction']),
      rule(WRITE, [''], ['configmaps', 'events', 'persistentvolumeclaims', 'replicationcontrollers', 'replicationcontrollers/scale', 'secrets', 'serviceaccounts', 'services', 'services/proxy']),
      rule(['create'], [''], ['serviceaccounts/token']),
      rule(WRITE, ['apps'], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'replicasets', 'replicasets/scale', 'statefulsets', 'statefulsets/scale']),
      rule(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
      rule(WRITE, ['batch'], ['cronjobs', 'jobs']),
      rule(WRITE, ['policy'], ['poddisruptionbudgets']),
      rule(WRITE, ['networking.k8s.io'], ['ingresses', 'networkpolicies']),
      rule(READ_WRITE, ['coordination.k8s.io'], ['leases']),
    ],
  },
  {
    name: 'system:aggregate-to-view',
    aggregateTo: ['view'],
    rules: [
      rule(READ, [''], ['configmaps', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status']),
      rule(READ, [''], ['bindings', 'events', 'limitranges', 'namespaces/status', 'pods/log', 'pods/status', 'replicationcontrollers/status', 'resourcequotas', 'resourcequotas/status']),
      rule(READ, [''], ['namespaces']),
      rule(READ, ['discovery.k8s.io'], ['endpointslices']),
      rule(READ, ['apps'], ['controllerrevisions', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'statefulsets', 'statefulsets/scale', 'statefulsets/status']),
      rule(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
      rule(READ, ['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status']),
      rule(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
      rule(READ, ['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies']),
    ],
  },
  {
    name: 'system:discovery',
    rules: [urls(['get'], ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'])],
  },
  { name: 'system:public-info-viewer', rules: [urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/'])] },
  {
    name: 'system:basic-user',
    rules: [rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']), rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews'])],
  },
  { name: 'system:monitoring', rules: [urls(['get'], ['/healthz', '/healthz/*', '/livez', '/livez/*', '/metrics', '/metrics/slis', '/readyz', '/readyz/*'])] },
  { name: 'system:service-account-issuer-discovery', rules: [urls(['get'], ['/.well-known/openid-configuration', '/.well-known/openid-configuration/', '/openid/v1/jwks', '/openid/v1/jwks/'])] },
  { name: 'system:auth-delegator', rules: [rule(['create'], ['authentication.k8s.io'], ['tokenreviews']), rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews'])] },
  { name: 'system:node-bootstrapper', rules: [rule(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests'])] },
  {
    name: 'system:node-proxier',
    rules: [
      rule(['list', 'watch'], [''], ['endpoints', 'services']),
      rule(READ, [''], ['nodes']),
      rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
      rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
    ],
  },
  {
    // Kubernetes' system:node rules, plus what a k8ts agent's proxy, network policy and
    // ingress read and write (Kubernetes runs those under their own service accounts).
    name: 'system:node',
    rules: [
      rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews', 'subjectaccessreviews']),
      rule(READ, [''], ['services']),
      rule(['create', 'get', 'list', 'watch', 'patch', 'update'], [''], ['nodes']),
      rule(['patch', 'update'], [''], ['nodes/status']),
      rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
      rule(READ, [''], ['pods']),
      rule(['create', 'delete'], [''], ['pods']),
      rule(['patch', 'update'], [''], ['pods/status']),
      rule(['create'], [''], ['pods/eviction']),
      rule(READ, [''], ['configmaps', 'secrets']),
      rule(['get'], [''], ['persistentvolumeclaims', 'persistentvolumes', 'endpoints']),
      rule(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests']),
      rule(['create', 'delete', 'get', 'patch', 'update'], ['coordination.k8s.io'], ['leases']),
      rule(['get'], ['storage.k8s.io'], ['volumeattachments']),
      rule(['create'], [''], ['serviceaccounts/token']),
      rule(['get', 'patch', 'update'], [''], ['persistentvolumeclaims/status']),
      rule(READ, ['storage.k8s.io'], ['csidrivers']),
      rule(['create', 'delete', 'get', 'patch', 'update'], ['storage.k8s.io'], ['csinodes']),
      rule(READ, ['node.k8s.io'], ['runtimeclasses']),
      // k8ts additions: proxy and load balancer status, network policy, ingress.
      rule(READ, ['', 'discovery.k8s.io'], ['endpoints', 'endpointslices', 'namespaces']),
      rule(['get', 'patch', 'update'], [''], ['services/status']),
      rule(READ, ['networking.k8s.io'], ['networkpolicies', 'ingresses', 'ingressclasses']),
      rule(['get', 'patch', 'update'], ['networking.k8s.io'], ['ingresses/status']),
      rule(['get'], [''], ['serviceaccounts']),
    ],
  },
];

interface BindingSpec {
  name: string;
  role: string;
  groups: string[];
}

const CLUSTER_ROLE_BINDINGS: readonly BindingSpec[] = [
  { name: 'cluster-admin', role: 'cluster-admin', groups: ['system:masters'] },
  { name: 'system:discovery', role: 'system:discovery', groups: ['system:authenticated'] },
  { name: 'system:basic-user', role: 'system:basic-user', groups: ['system:authenticated'] },
  { name: 'system:public-info-viewer', role: 'system:public-info-viewer', groups: ['system:authenticated', 'system:unauthenticated'] },
  { name: 'system:monitoring', role: 'system:monitoring', groups: ['system:monitoring'] },
  { name: 'system:service-account-issuer-discovery', role: 'system:service-account-issuer-discovery', groups: ['system:serviceaccounts'] },
  // k8ts: nodes by group (see the deviation above); join-token holders ask for node certificates.
  { name: 'system:node', role: 'system:node', groups: ['system:nodes'] },
  { name: 'k8ts:node-bootstrapper', role: 'system:node-bootstrapper', groups: ['system:bootstrappers'] },
];

function metadata(name: string, extraLabels: Record<string, string> = {}): KubeObject['metadata'] {
  return { name, labels: { ...BOOTSTRAP_LABELS, ...extraLabels }, annotations: { ...AUTOUPDATE } };
}

/** The default ClusterRoles; aggregated ones already carry the rules the aggregation controller would give them. */
export function bootstrapClusterRoles(): KubeObject[] {
  const roles = CLUSTER_ROLES.map((spec): KubeObject => {
    const labels = Object.fromEntries((spec.aggregateTo ?? []).map((to) => [AGGREGATE_TO(to), 'true']));
    return {
      apiVersion: RBAC_V1,
      kind: 'ClusterRole',
      metadata: metadata(spec.name, labels),
      ...(spec.aggregateFrom ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [AGGREGATE_TO(spec.aggregateFrom)]: 'true' } }] } } : {}),
      rules: spec.rules ?? [],
    };
  });
  // view ← aggregate-to-view, then edit ← (view, aggregate-to-edit), then admin ← (edit, aggregate-to-admin).
  const rulesByName = new Map(CLUSTER_ROLES.map((spec) => [spec.name, spec.rules ?? []]));
  for (const target of ['view', 'edit', 'admin'] as const) {
    const role = roles.find((r) => r.metadata?.name === target);
    if (!role) continue;
    const selector = { matchLabels: { [AGGREGATE_TO(target)]: 'true' } };
    const rules: PolicyRule[] = [];
    for (const r of roles) {
      if (r !== role && selectorMatches(selector, r.metadata?.labels)) rules.push(...(rulesByName.get(r.metadata?.name ?? '') ?? []));
    }
    rulesByName.set(target, rules);
    role['rules'] = rules;
  }
  return roles;
}

export function bootstrapClusterRoleBindings(): KubeObject[] {
  return CLUSTER_ROLE_BINDINGS.map((b) => ({
    apiVersion: RBAC_V1,
    kind: 'ClusterRoleBinding',
    metadata: metadata(b.name),
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: b.role },
    subjects: b.groups.map((name) => ({ apiGroup: RBAC, kind: 'Group', name })),
  }));
}

/** Creates the default roles and bindings that do not exist; existing ones are left as they are. */
export async function ensureBootstrapPolicy(registries: Registries): Promise<void> {
  const roles = findResource(RBAC, 'v1', 'clusterroles');
  const bindings = findResource(RBAC, 'v1', 'clusterrolebindings');
  if (!roles || !bindings) return;
  const create = async (resource: typeof roles, obj: KubeObject): Promise<void> => {
    const reg = registries.for(resource);
    try {
      await reg.get(undefined, obj.metadata?.name ?? '');
      return;
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
    }
    await createIfMissing(reg, undefined, obj, undefined);
  };
  for (const role of bootstrapClusterRoles()) await create(roles, role);
  for (const binding of bootstrapClusterRoleBindings()) await create(bindings, binding);
}
