// Whether one RBAC PolicyRule allows a request, as Kubernetes' RBAC authorizer matches it:
// `*` matches any verb, group, resource or path; a resource rule names `resource/subresource`
// (or `*/subresource`); resourceNames, when set, must contain the request's name; a
// nonResourceURL ending in `*` matches every path it is a prefix of.
import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { combinedResource, type RequestAttributes } from './attributes.js';

export type { PolicyRule };

const ALL = '*';

function hasOrAll(list: readonly string[] | undefined, value: string): boolean {
  if (!list) return false;
  for (const item of list) if (item === ALL || item === value) return true;
  return false;
}

export function ruleAllows(a: RequestAttributes, rule: PolicyRule): boolean {
  if (!hasOrAll(rule.verbs, a.verb)) return false;
  if (a.kind === 'nonResource') return nonResourceUrlMatches(rule.nonResourceURLs, a.path);
  return (
    hasOrAll(rule.apiGroups, a.apiGroup) &&
    resourceMatches(rule.resources, combinedResource(a), a.subresource) &&
    resourceNameMatches(rule.resourceNames, a.name)
  );
}

function resourceMatches(resources: readonly string[] | undefined, combined: string, subresource: string): boolean {
  for (const r of resources ?? []) {
    if (r === ALL || r === combined) return true;
    if (subresource !== '' && r.length === subresource.length + 2 && r.startsWith('*/') && r.endsWith(subresource)) return true;
  }
  return false;
}

function resourceNameMatches(names: readonly string[] | undefined, name: string): boolean {
  return !names || names.length === 0 || names.includes(name);
}

/** Whether a nonResourceURLs entry covers `path`: equal, or a prefix ending in `*` (`*` alone: every path). */
export function urlMatches(pattern: string, path: string): boolean {
  return pattern === path || (pattern.endsWith('*') && path.startsWith(pattern.replace(/\*+$/, '')));
}

function nonResourceUrlMatches(urls: readonly string[] | undefined, path: string): boolean {
  return (urls ?? []).some((u) => urlMatches(u, path));
}
