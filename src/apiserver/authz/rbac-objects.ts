// Roles and bindings read from stored objects, narrowed field by field (what storage holds is
// JSON written through the API, not trusted to have every field in shape).
import { isPlainObject, type KubeObject } from '../../api/object.js';
import type { PolicyRule } from './rules.js';

export interface RoleRef {
  kind: 'Role' | 'ClusterRole';
  name: string;
}

export interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

export interface Binding {
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  name: string;
  /** '' for a ClusterRoleBinding. */
  namespace: string;
  roleRef: RoleRef;
  subjects: readonly Subject[];
}

function strings(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : undefined;
}

export function rulesOf(obj: KubeObject): PolicyRule[] {
  const raw = obj['rules'];
  if (!Array.isArray(raw)) return [];
  const out: PolicyRule[] = [];
  for (const r of raw) {
    if (!isPlainObject(r)) continue;
    const rule: PolicyRule = { verbs: strings(r['verbs']) ?? [] };
    const apiGroups = strings(r['apiGroups']);
    const resources = strings(r['resources']);
    const resourceNames = strings(r['resourceNames']);
    const nonResourceURLs = strings(r['nonResourceURLs']);
    if (apiGroups) rule.apiGroups = apiGroups;
    if (resources) rule.resources = resources;
    if (resourceNames) rule.resourceNames = resourceNames;
    if (nonResourceURLs) rule.nonResourceURLs = nonResourceURLs;
    out.push(rule);
  }
  return out;
}

export function bindingOf(obj: KubeObject, kind: Binding['kind']): Binding | undefined {
  const ref = obj['roleRef'];
  if (!isPlainObject(ref) || (ref['kind'] !== 'Role' && ref['kind'] !== 'ClusterRole') || typeof ref['name'] !== 'string') return undefined;
  const subjects: Subject[] = [];
  const raw = obj['subjects'];
  if (Array.isArray(raw)) {
    for (const s of raw) {
      if (!isPlainObject(s) || typeof s['kind'] !== 'string' || typeof s['name'] !== 'string') continue;
      subjects.push({ kind: s['kind'], name: s['name'], ...(typeof s['namespace'] === 'string' && s['namespace'] ? { namespace: s['namespace'] } : {}) });
    }
  }
  return {
    kind,
    name: obj.metadata?.name ?? '',
    namespace: kind === 'RoleBinding' ? (obj.metadata?.namespace ?? '') : '',
    roleRef: { kind: ref['kind'], name: ref['name'] },
    subjects,
  };
}

/**
 * The user or group key a subject stands for: a ServiceAccount subject is the user
 * `system:serviceaccount:<ns>:<name>`, its namespace defaulting to the binding's (as
 * Kubernetes does for RoleBindings; a ClusterRoleBinding's must name one). Unknown kinds match nobody.
 */
export function subjectKey(s: Subject, bindingNamespace: string): string | undefined {
  switch (s.kind) {
    case 'User':
      return userKey(s.name);
    case 'Group':
      return groupKey(s.name);
    case 'ServiceAccount': {
      const ns = s.namespace ?? bindingNamespace;
      return ns ? userKey(`system:serviceaccount:${ns}:${s.name}`) : undefined;
    }
    default:
      return undefined;
  }
}

export const userKey = (name: string): string => `u:${name}`;
export const groupKey = (name: string): string => `g:${name}`;

/** How Kubernetes names a subject in an "allowed by" reason. */
export function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `ServiceAccount ${JSON.stringify(`${s.name}/${s.namespace ?? bindingNamespace}`)}`;
  return `${s.kind} ${JSON.stringify(s.name)}`;
}

/** How Kubernetes names a binding and its role in an "allowed by" reason. */
export function describeBinding(b: Binding, s: Subject): string {
  const name = b.kind === 'RoleBinding' ? `${b.name}/${b.namespace}` : b.name;
  return `${b.kind} ${JSON.stringify(name)} of ${b.roleRef.kind} ${JSON.stringify(b.roleRef.name)} to ${describeSubject(s, b.namespace)}`;
}
