// RBAC kinds (rbac.authorization.k8s.io/v1): rules, role references and subjects.
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef, Subject } from 'kubernetes-types/rbac/v1.js';
import type { FieldError } from '../errors.js';
import { list } from './container.js';
import { jsonEqual } from './equal.js';
import { invalid, notSupported, required } from './field.js';
import { GoLiteral, goStringSliceText } from './gosyntax.js';
import { isDNS1123Label, nameIsDNSSubdomain, nameIsPathSegment } from './names.js';
import { validateLabelSelector } from './objectmeta.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

interface RuleScope {
  namespaced: boolean;
}

function validateRule(rule: PolicyRule, path: string, scope: RuleScope): FieldError[] {
  const errs: FieldError[] = [];
  if (list(rule.verbs).length === 0) errs.push(required(`${path}.verbs`, 'verbs must contain at least one value'));
  const urls = list(rule.nonResourceURLs);
  if (urls.length > 0) {
    const value = new GoLiteral(goStringSliceText(urls), urls);
    if (scope.namespaced) errs.push(invalid(`${path}.nonResourceURLs`, value, 'namespaced rules cannot apply to non-resource URLs'));
    if (list(rule.apiGroups).length > 0 || list(rule.resources).length > 0 || list(rule.resourceNames).length > 0)
      errs.push(invalid(`${path}.nonResourceURLs`, value, 'rules cannot apply to both regular resources and non-resource URLs'));
    return errs;
  }
  if (list(rule.apiGroups).length === 0) errs.push(required(`${path}.apiGroups`, 'resource rules must supply at least one api group'));
  if (list(rule.resources).length === 0) errs.push(required(`${path}.resources`, 'resource rules must supply at least one resource'));
  return errs;
}

export function validateRole(role: Role): FieldError[] {
  return list(role.rules).flatMap((r, i) => validateRule(r, `rules[${i}]`, { namespaced: true }));
}

export function validateClusterRole(role: ClusterRole): FieldError[] {
  const errs = list(role.rules).flatMap((r, i) => validateRule(r, `rules[${i}]`, { namespaced: false }));
  if (role.aggregationRule) {
    const selectors = list(role.aggregationRule.clusterRoleSelectors);
    if (selectors.length === 0) errs.push(required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
    selectors.forEach((s, i) => errs.push(...validateLabelSelector(s, `aggregationRule.clusterRoleSelectors[${i}]`)));
  }
  return errs;
}

function validateRoleRef(ref: RoleRef | undefined, kinds: string[]): FieldError[] {
  const errs: FieldError[] = [];
  if (ref?.apiGroup !== RBAC_GROUP) errs.push(notSupported('roleRef.apiGroup', ref?.apiGroup ?? '', [RBAC_GROUP]));
  if (!ref?.kind || !kinds.includes(ref.kind)) errs.push(notSupported('roleRef.kind', ref?.kind ?? '', kinds));
  if (!ref?.name) errs.push(required('roleRef.name'));
  else for (const msg of nameIsPathSegment(ref.name, false)) errs.push(invalid('roleRef.name', ref.name, msg));
  return errs;
}

function validateSubject(s: Subject, path: string, scope: RuleScope): FieldError[] {
  const errs: FieldError[] = [];
  if (!s.name) errs.push(required(`${path}.name`));
  switch (s.kind) {
    case 'ServiceAccount':
      if (s.name) for (const msg of nameIsDNSSubdomain(s.name, false)) errs.push(invalid(`${path}.name`, s.name, msg));
      if (s.apiGroup) errs.push(notSupported(`${path}.apiGroup`, s.apiGroup, ['']));
      if (!scope.namespaced && !s.namespace) errs.push(required(`${path}.namespace`));
      if (s.namespace) for (const msg of isDNS1123Label(s.namespace)) errs.push(invalid(`${path}.namespace`, s.namespace, msg));
      break;
    case 'User':
    case 'Group':
      if (s.apiGroup !== RBAC_GROUP) errs.push(notSupported(`${path}.apiGroup`, s.apiGroup ?? '', [RBAC_GROUP]));
      break;
    default:
      errs.push(notSupported(`${path}.kind`, s.kind ?? '', ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

export function validateRoleBinding(rb: RoleBinding): FieldError[] {
  return [
    ...validateRoleRef(rb.roleRef, ['Role', 'ClusterRole']),
    ...list(rb.subjects).flatMap((s, i) => validateSubject(s, `subjects[${i}]`, { namespaced: true })),
  ];
}

export function validateClusterRoleBinding(crb: ClusterRoleBinding): FieldError[] {
  return [
    ...validateRoleRef(crb.roleRef, ['ClusterRole']),
    ...list(crb.subjects).flatMap((s, i) => validateSubject(s, `subjects[${i}]`, { namespaced: false })),
  ];
}

/** Bindings may not be repointed at another role. */
export function validateRoleRefUpdate(now: RoleRef | undefined, before: RoleRef | undefined): FieldError[] {
  if (jsonEqual(now, before)) return [];
  const text = `rbac.RoleRef{APIGroup:${JSON.stringify(now?.apiGroup ?? '')}, Kind:${JSON.stringify(now?.kind ?? '')}, Name:${JSON.stringify(now?.name ?? '')}}`;
  return [invalid('roleRef', new GoLiteral(text, now ?? null), 'cannot change roleRef')];
}
