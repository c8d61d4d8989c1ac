// rbac.authorization.k8s.io/v1 defaults: role references and User/Group subjects name the
// RBAC API group; ServiceAccount subjects name the core group.
import type { ClusterRoleBinding, RoleBinding, Subject } from 'kubernetes-types/rbac/v1.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

function defaultSubject(s: Subject): void {
  if (s.apiGroup) return;
  if (s.kind === 'ServiceAccount') s.apiGroup = '';
  else if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = RBAC_GROUP;
}

export function defaultRoleBinding(rb: RoleBinding | ClusterRoleBinding): void {
  if (rb.roleRef && !rb.roleRef.apiGroup) rb.roleRef.apiGroup = RBAC_GROUP;
  for (const s of rb.subjects ?? []) defaultSubject(s);
}
