// Whether a webhook's rules match a request, as Kubernetes' rules.Matcher and its
// matchPolicy: Exact compares the requested group/version/resource only; Equivalent also
// tries the other versions the same resource is served at (k8ts has no renamed resources or
// moved groups, so a resource's versions are all its equivalents).
import type { GroupVersionKind } from '../../../api/object.js';
import { kindAt, requestResource, type Attributes, type GroupVersionResource } from './attributes.js';
import type { Rule, Webhook } from './webhook.js';

/** What a matching webhook is sent: the resource and kind its rule matched (maybe an equivalent version). */
export interface Invocation {
  webhook: Webhook;
  resource: GroupVersionResource;
  kind: GroupVersionKind;
}

function exactOrWildcard(items: readonly string[] | undefined, requested: string): boolean {
  return (items ?? []).some((i) => i === '*' || i === requested);
}

/** "pods/status" → ["pods", "status"]; "*" has no subresource part, so it never matches one. */
function splitResource(text: string): [string, string] {
  const slash = text.indexOf('/');
  return slash < 0 ? [text, ''] : [text.slice(0, slash), text.slice(slash + 1)];
}

function scopeMatches(scope: string | undefined, a: Attributes): boolean {
  if (scope === undefined || scope === '*') return true;
  // A namespace object is cluster-scoped although the request carries its name as namespace.
  const isNamespace = a.resource.group === '' && a.resource.plural === 'namespaces';
  if (scope === 'Namespaced') return !isNamespace && a.namespace !== '';
  if (scope === 'Cluster') return isNamespace || a.namespace === '';
  return false;
}

export function ruleMatches(rule: Rule, a: Attributes, gvr: GroupVersionResource): boolean {
  if (!scopeMatches(rule.scope, a)) return false;
  if (!(rule.operations ?? []).some((op) => op === '*' || op === a.operation)) return false;
  if (!exactOrWildcard(rule.apiGroups, gvr.group)) return false;
  if (!exactOrWildcard(rule.apiVersions, gvr.version)) return false;
  return (rule.resources ?? []).some((r) => {
    const [res, sub] = splitResource(r);
    return (res === '*' || res === gvr.resource) && (sub === '*' || sub === a.subresource);
  });
}

/** The invocation of `webhook` for this request, or undefined when no rule matches. */
export function matchRules(webhook: Webhook, a: Attributes): Invocation | undefined {
  const requested = requestResource(a);
  if (webhook.rules.some((r) => ruleMatches(r, a, requested))) {
    return { webhook, resource: requested, kind: kindAt(a, requested.version) };
  }
  if (webhook.matchPolicy !== 'Equivalent') return undefined;
  const versions = [a.resource.version, ...(a.resource.alsoServedAt ?? [])].filter((v) => v !== requested.version);
  // Earlier rules first, as Kubernetes honours them.
  for (const rule of webhook.rules) {
    for (const version of versions) {
      const gvr = { ...requested, version };
      if (ruleMatches(rule, a, gvr)) return { webhook, resource: gvr, kind: kindAt(a, version) };
    }
  }
  return undefined;
}
