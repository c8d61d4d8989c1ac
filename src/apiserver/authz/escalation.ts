// RBAC privilege-escalation prevention, as Kubernetes' policy-based RBAC storage
// (pkg/registry/rbac): nobody grants permissions they do not hold.
// - A Role or ClusterRole may be written only by a user who holds every permission in its rules
//   (in its namespace; cluster-wide for a ClusterRole) or may `escalate` roles/clusterroles.
//   Setting, changing or dropping an aggregationRule needs `*` on everything besides.
// - A RoleBinding or ClusterRoleBinding may be written only by a user who holds every
//   permission of the role it refers to (in its namespace) or may `bind` that role.
// Members of system:masters (the API server's own writes, the admin, the in-process
// controllers) are exempt, and updates touching only ownerReferences/finalizers pass unchecked.
// Deviation: Kubernetes checks before validation, so an invalid object from a user lacking the
// permissions is refused as Forbidden there and as Invalid here (this hook runs after validation).
import { ApiError } from '../../api/errors.js';
import { isPlainObject, type KubeObject } from '../../api/object.js';
import { findResource, type ResourceInfo } from '../../api/resources.js';
import { jsonEqual } from '../../api/validation/equal.js';
import type { UserInfo } from '../authn/user.js';
import { NO_TRANSACTION, type HookContext, type HookTransaction, type WriteHooks } from '../registry/hooks.js';
import type { Registries } from '../registry/registries.js';
import { isSuperuser, type Authorizer } from './authorizer.js';
import { escalationMessage, uncovered } from './escalation-covers.js';
import type { RbacIndex } from './rbac-index.js';
import { bindingOf, rulesOf, type RoleRef } from './rbac-objects.js';
import type { PolicyRule } from './rules.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

function rbacResource(plural: string): ResourceInfo {
  const r = findResource(RBAC_GROUP, 'v1', plural);
  if (!r) throw new Error(`${plural} missing from the resource table`);
  return r;
}

const ROLES = rbacResource('roles');
const CLUSTER_ROLES = rbacResource('clusterroles');

/** What setting an aggregationRule takes: everything, as cluster-admin holds it. */
const FULL_AUTHORITY: readonly PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

export interface EscalationDeps {
  /** Decides `escalate` and `bind`. */
  authorizer: Authorizer;
  /** The bindings that tell what a user holds. */
  index: RbacIndex;
  /** Reads the role a binding refers to (storage, so a role written just before is seen). */
  registries: Registries;
}

type Target =
  | { kind: 'role'; resource: 'roles' | 'clusterroles' }
  | { kind: 'binding'; resource: 'rolebindings' | 'clusterrolebindings' };

function targetOf(r: ResourceInfo): Target | undefined {
  if (r.group !== RBAC_GROUP) return undefined;
  switch (r.plural) {
    case 'roles':
    case 'clusterroles':
      return { kind: 'role', resource: r.plural };
    case 'rolebindings':
    case 'clusterrolebindings':
      return { kind: 'binding', resource: r.plural };
    default:
      return undefined;
  }
}

/** `roles.rbac.authorization.k8s.io "x" is forbidden: <why>`, as Kubernetes' NewForbidden. */
function forbiddenWrite(resource: string, name: string, why: string): ApiError {
  const qualified = `${resource}.${RBAC_GROUP}`;
  const message = name ? `${qualified} ${JSON.stringify(name)} is forbidden: ${why}` : `${qualified} is forbidden: ${why}`;
  return new ApiError('Forbidden', message, { ...(name ? { name } : {}), group: RBAC_GROUP, kind: resource });
}

const GC_FIELDS = ['ownerReferences', 'finalizers', 'managedFields', 'resourceVersion', 'selfLink'] as const;

function withoutGcFields(obj: KubeObject): KubeObject {
  const metadata = { ...obj.metadata };
  for (const f of GC_FIELDS) delete metadata[f];
  return { ...obj, metadata };
}

/** Kubernetes' IsOnlyMutatingGCFields: the update changes nothing the garbage collector does not own. */
function onlyGcFieldsChanged(old: KubeObject, next: KubeObject): boolean {
  return jsonEqual(withoutGcFields(old), withoutGcFields(next));
}

function hasAggregationRule(obj: KubeObject): boolean {
  const rule = obj['aggregationRule'];
  return isPlainObject(rule) && Array.isArray(rule['clusterRoleSelectors']) && rule['clusterRoleSelectors'].length > 0;
}

export class EscalationCheck {
  /** `deps` is read at write time: the index and authorizer are built after the registries. */
  constructor(private readonly deps: () => EscalationDeps | undefined) {}

  /** The hooks for one of the four RBAC resources; undefined for any other. */
  hooksFor(resource: ResourceInfo): WriteHooks | undefined {
    const target = targetOf(resource);
    if (!target) return undefined;
    return {
      beforeCreate: async (obj, ctx) => this.check(target, obj, undefined, ctx),
      beforeUpdate: async (old, next, ctx) => (onlyGcFieldsChanged(old, next) ? NO_TRANSACTION : this.check(target, next, old, ctx)),
    };
  }

  private async check(target: Target, obj: KubeObject, old: KubeObject | undefined, ctx: HookContext): Promise<HookTransaction> {
    const deps = this.deps();
    const user = ctx.request?.user;
    // No request: a server-side write of the API server's own, as system:masters is.
    if (!deps || !user || isSuperuser(user)) return NO_TRANSACTION;
    if (target.kind === 'role') this.checkRole(deps, target.resource, user, obj, old);
    else await this.checkBinding(deps, target.resource, user, obj);
    return NO_TRANSACTION;
  }

  private checkRole(deps: EscalationDeps, resource: 'roles' | 'clusterroles', user: UserInfo, obj: KubeObject, old: KubeObject | undefined): void {
    const name = obj.metadata?.name ?? '';
    const namespace = resource === 'roles' ? (obj.metadata?.namespace ?? '') : '';
    // Kubernetes authorizes `escalate` with the request's name, which a create does not have.
    const escalate = deps.authorizer.authorize(user, {
      kind: 'resource',
      verb: 'escalate',
      apiGroup: RBAC_GROUP,
      apiVersion: '*',
      resource,
      subresource: '',
      namespace,
      name: old ? name : '',
    });
    if (escalate.allowed) return;
    confirmNoEscalation(deps.index, user, namespace, rulesOf(obj), (why) => forbiddenWrite(resource, name, why));
    if (resource === 'clusterroles' && (hasAggregationRule(obj) || (old !== undefined && hasAggregationRule(old)))) {
      confirmNoEscalation(deps.index, user, namespace, FULL_AUTHORITY, () =>
        forbiddenWrite(resource, name, 'must have cluster-admin privileges to use the aggregationRule'),
      );
    }
  }

  private async checkBinding(deps: EscalationDeps, resource: 'rolebindings' | 'clusterrolebindings', user: UserInfo, obj: KubeObject): Promise<void> {
    const binding = bindingOf(obj, resource === 'rolebindings' ? 'RoleBinding' : 'ClusterRoleBinding');
    // Validation has refused a binding without a usable roleRef already.
    if (!binding) return;
    const namespace = binding.namespace;
    const ref = binding.roleRef;
    const roleResource = ref.kind === 'Role' ? 'roles' : 'clusterroles';
    // `bind` is asked in the binding's namespace ('' for a ClusterRoleBinding), naming the role.
    const bind = deps.authorizer.authorize(user, {
      kind: 'resource',
      verb: 'bind',
      // roleRef.apiGroup, which validation holds to this group.
      apiGroup: RBAC_GROUP,
      apiVersion: '*',
      resource: roleResource,
      subresource: '',
      namespace,
      name: ref.name,
    });
    if (bind.allowed) return;
    const rules = await referencedRules(deps.registries, ref, namespace);
    confirmNoEscalation(deps.index, user, namespace, rules, (why) => forbiddenWrite(resource, binding.name, why));
  }
}

/** The rules of the role a binding refers to; NotFound (Kubernetes answers 404) when it does not exist. */
async function referencedRules(registries: Registries, ref: RoleRef, namespace: string): Promise<PolicyRule[]> {
  const resource = ref.kind === 'Role' ? ROLES : CLUSTER_ROLES;
  const stored = await registries.for(resource).get(ref.kind === 'Role' ? namespace : undefined, ref.name);
  return rulesOf(stored.obj);
}

/** Throws `refuse(message)` unless the rules `user` holds in `namespace` cover `wanted` (Kubernetes' ConfirmNoEscalation). */
function confirmNoEscalation(index: RbacIndex, user: UserInfo, namespace: string, wanted: readonly PolicyRule[], refuse: (why: string) => ApiError): void {
  const held: PolicyRule[] = [];
  const errors: string[] = [];
  index.visit(user, namespace, ({ binding, rules }) => {
    if (rules) held.push(...rules);
    // Kubernetes reads roles through its registry: the error names the plural resource.
    else errors.push(`${binding.roleRef.kind === 'Role' ? 'roles' : 'clusterroles'}.${RBAC_GROUP} ${JSON.stringify(binding.roleRef.name)} not found`);
    return true;
  });
  const missing = uncovered(held, wanted);
  if (missing.length > 0) throw refuse(escalationMessage(user, missing, errors));
}
