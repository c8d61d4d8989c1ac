// Authorizers: RBAC (Kubernetes' default) and AlwaysAllow, behind one interface that the
// request path, impersonation and the access reviews share.
import type { UserInfo } from '../authn/user.js';
import type { RequestAttributes } from './attributes.js';
import type { RbacIndex } from './rbac-index.js';
import { describeBinding } from './rbac-objects.js';
import { ruleAllows, type PolicyRule } from './rules.js';

export type AuthorizationMode = 'RBAC' | 'AlwaysAllow';
export const AUTHORIZATION_MODES: readonly AuthorizationMode[] = ['RBAC', 'AlwaysAllow'];

/** Kubernetes' superuser group: every request of its members is allowed, whatever RBAC says. */
export const SYSTEM_MASTERS = 'system:masters';

export interface Decision {
  allowed: boolean;
  /** Why, as Kubernetes words it ('' when there is nothing to say). */
  reason: string;
}

/** What a user may do in a namespace, as a SelfSubjectRulesReview answers it. */
export interface UserRules {
  resourceRules: PolicyRule[];
  nonResourceRules: PolicyRule[];
  incomplete: boolean;
  evaluationError?: string;
}

export interface Authorizer {
  authorize(user: UserInfo, attributes: RequestAttributes): Decision;
  rulesFor(user: UserInfo, namespace: string): UserRules;
}

const EVERYTHING: UserRules = {
  resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
  nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
  incomplete: false,
};

export const alwaysAllow: Authorizer = {
  authorize: () => ({ allowed: true, reason: '' }),
  rulesFor: () => EVERYTHING,
};

export function isSuperuser(user: UserInfo): boolean {
  return user.groups.includes(SYSTEM_MASTERS);
}

function missingRole(kind: 'Role' | 'ClusterRole', name: string): string {
  return `${kind.toLowerCase()}.rbac.authorization.k8s.io ${JSON.stringify(name)} not found`;
}

/** Errors joined as Kubernetes' error aggregate prints them: one alone, several in brackets. */
function aggregate(errors: readonly string[]): string {
  return errors.length === 1 ? (errors[0] ?? '') : `[${errors.join(', ')}]`;
}

export class RbacAuthorizer implements Authorizer {
  constructor(private readonly index: RbacIndex) {}

  authorize(user: UserInfo, a: RequestAttributes): Decision {
    // Kubernetes puts a privileged-group authorizer before RBAC; it allows without a reason.
    if (isSuperuser(user)) return { allowed: true, reason: '' };
    let reason: string | undefined;
    const errors: string[] = [];
    this.index.visit(user, a.kind === 'resource' ? a.namespace : '', ({ binding, subject, rules }) => {
      if (!rules) {
        errors.push(missingRole(binding.roleRef.kind, binding.roleRef.name));
        return true;
      }
      for (const rule of rules) {
        if (ruleAllows(a, rule)) {
          reason = `RBAC: allowed by ${describeBinding(binding, subject)}`;
          return false;
        }
      }
      return true;
    });
    if (reason !== undefined) return { allowed: true, reason };
    // RBAC has no opinion: the request is refused (denied stays false in reviews).
    return { allowed: false, reason: errors.length > 0 ? `RBAC: ${aggregate(errors)}` : '' };
  }

  rulesFor(user: UserInfo, namespace: string): UserRules {
    const resourceRules: PolicyRule[] = [];
    const nonResourceRules: PolicyRule[] = [];
    const errors: string[] = [];
    if (isSuperuser(user)) return EVERYTHING;
    this.index.visit(user, namespace, ({ binding, rules }) => {
      if (!rules) errors.push(missingRole(binding.roleRef.kind, binding.roleRef.name));
      for (const rule of rules ?? []) {
        if (rule.nonResourceURLs && rule.nonResourceURLs.length > 0) nonResourceRules.push({ verbs: rule.verbs, nonResourceURLs: rule.nonResourceURLs });
        if (rule.resources && rule.resources.length > 0) resourceRules.push(resourceRule(rule));
      }
      return true;
    });
    return {
      resourceRules,
      nonResourceRules,
      incomplete: errors.length > 0,
      ...(errors.length > 0 ? { evaluationError: aggregate(errors) } : {}),
    };
  }
}

function resourceRule(rule: PolicyRule): PolicyRule {
  return {
    verbs: rule.verbs,
    ...(rule.apiGroups ? { apiGroups: rule.apiGroups } : {}),
    ...(rule.resources ? { resources: rule.resources } : {}),
    ...(rule.resourceNames && rule.resourceNames.length > 0 ? { resourceNames: rule.resourceNames } : {}),
  };
}
