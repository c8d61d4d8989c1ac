// Whether rules a user holds cover rules they want to grant, as Kubernetes' RBAC escalation check
// (`validation.Covers`): each wanted rule is broken into atoms of one verb, one group, one
// resource (and one resourceName, or one nonResourceURL with one verb), and every atom must be
// covered by a single held rule. What is left uncovered is reported in Kubernetes' words.
import { urlMatches, type PolicyRule } from './rules.js';

const ALL = '*';

/** The atoms of a rule: one verb × group × resource (× resourceName), or one verb × nonResourceURL. */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const atoms: PolicyRule[] = [];
  const names = rule.resourceNames ?? [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs) {
        if (names.length === 0) atoms.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
        else for (const name of names) atoms.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [name] });
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) {
    for (const verb of rule.verbs) atoms.push({ nonResourceURLs: [url], verbs: [verb] });
  }
  return atoms;
}

function hasAll(held: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  const set = new Set(held ?? []);
  return (wanted ?? []).every((w) => set.has(w));
}

function includesAll(held: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  return (held ?? []).includes(ALL) || hasAll(held, wanted);
}

// Held resources cover wanted ones with `*`, the resource itself, or `*/sub` for `resource/sub`.
function resourcesCover(held: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  if (includesAll(held, wanted)) return true;
  const set = new Set(held ?? []);
  return (wanted ?? []).every((w) => {
    if (set.has(w)) return true;
    const slash = w.indexOf('/');
    return slash >= 0 && set.has(`*/${w.slice(slash + 1)}`);
  });
}

/** A held URL covers a wanted one when equal, or when it ends in `*` and the wanted one starts with the rest. */
function urlsCover(held: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  return (wanted ?? []).every((w) => (held ?? []).some((h) => urlMatches(h, w)));
}

/** Whether one held rule covers an atom (Kubernetes' `ruleCovers`). */
export function ruleCovers(held: PolicyRule, atom: PolicyRule): boolean {
  const heldNames = held.resourceNames ?? [];
  const atomNames = atom.resourceNames ?? [];
  // A rule restricted to names covers only those names; an unrestricted one covers any.
  const namesMatch = heldNames.length === 0 || (atomNames.length > 0 && hasAll(heldNames, atomNames));
  return (
    includesAll(held.verbs, atom.verbs) &&
    includesAll(held.apiGroups, atom.apiGroups) &&
    resourcesCover(held.resources, atom.resources) &&
    urlsCover(held.nonResourceURLs, atom.nonResourceURLs) &&
    namesMatch
  );
}

/** The atoms of `wanted` that no rule of `held` covers (none: `held` covers `wanted`). */
export function uncovered(held: readonly PolicyRule[], wanted: readonly PolicyRule[]): PolicyRule[] {
  return wanted.flatMap(breakdownRule).filter((atom) => !held.some((h) => ruleCovers(h, atom)));
}

/**
 * Atoms on the same group, resource and resourceName joined into one rule listing their verbs
 * (Kubernetes' `CompactRules`, which keeps verbs in order, repeats included).
 */
export function compactRules(atoms: readonly PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const atom of atoms) {
    const key = simpleKey(atom);
    if (key === undefined) {
      out.push(atom);
      continue;
    }
    const known = simple.get(key);
    if (known) known.verbs = [...known.verbs, ...atom.verbs];
    else simple.set(key, { ...atom, verbs: [...atom.verbs] });
  }
  return [...out, ...simple.values()];
}

/** The identity of a rule on one group and resource with at most one name; undefined for any other rule. */
function simpleKey(rule: PolicyRule): string | undefined {
  if ((rule.nonResourceURLs ?? []).length > 0 || (rule.resourceNames ?? []).length > 1) return undefined;
  if (rule.apiGroups?.length !== 1 || rule.resources?.length !== 1) return undefined;
  return JSON.stringify([rule.apiGroups[0], rule.resources[0], rule.resourceNames?.[0] ?? null]);
}

/** A string list as Go's `%q` prints it: `["get" "list"]`. (Deviation: JSON quoting, which differs from Go's only for unusual characters.) */
function quotedList(xs: readonly string[]): string {
  return `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;
}

/** A rule as Kubernetes' `CompactString` prints it in escalation errors: `{APIGroups:[""], Resources:["pods"], Verbs:["get"]}`. */
export function compactString(rule: PolicyRule): string {
  const parts: string[] = [];
  const field = (label: string, xs: readonly string[] | undefined): void => {
    if (xs && xs.length > 0) parts.push(`${label}:${quotedList(xs)}`);
  };
  field('APIGroups', rule.apiGroups);
  field('Resources', rule.resources);
  field('NonResourceURLs', rule.nonResourceURLs);
  field('ResourceNames', rule.resourceNames);
  field('Verbs', rule.verbs);
  return `{${parts.join(', ')}}`;
}

/** The missing rules, compacted, printed, de-duplicated and sorted, one per line (as Kubernetes lists them). */
export function describeMissing(atoms: readonly PolicyRule[]): string {
  const lines = [...new Set(compactRules(atoms).map(compactString))];
  return lines.sort().join('\n');
}

/** `user "u" (groups=["a" "b"]) is attempting to grant …`: Kubernetes' ConfirmNoEscalation error. */
export function escalationMessage(user: { username: string; groups: readonly string[] }, missing: readonly PolicyRule[], resolutionErrors: readonly string[]): string {
  const msg = `user ${JSON.stringify(user.username)} (groups=${quotedList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${describeMissing(missing)}`;
  // Kubernetes prints its list of (one aggregated) resolution errors with %v: in brackets.
  if (resolutionErrors.length === 0) return msg;
  const aggregated = resolutionErrors.length === 1 ? (resolutionErrors[0] ?? '') : `[${resolutionErrors.join(', ')}]`;
  return `${msg}; resolution errors: [${aggregated}]`;
}
