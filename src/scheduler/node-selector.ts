// Node selection rules of a pod: spec.nodeSelector plus required node affinity, compiled once.
// Semantics follow k8s.io/component-helpers/scheduling/corev1/nodeaffinity: terms are ORed,
// requirements inside a term ANDed, an empty term or an invalid requirement matches nothing,
// matchFields supports metadata.name only.
import type { Node, NodeSelectorRequirement, NodeSelectorTerm, Pod } from 'kubernetes-types/core/v1.js';

export type NodeMatcher = (node: Node) => boolean;

const INT = /^[+-]?\d+$/;

function compileRequirement(r: NodeSelectorRequirement, read: (node: Node) => string | undefined): NodeMatcher | undefined {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      if (values.length === 0) return undefined;
      return (n) => {
        const v = read(n);
        return v !== undefined && values.includes(v);
      };
    case 'NotIn':
      if (values.length === 0) return undefined;
      return (n) => {
        const v = read(n);
        return v === undefined || !values.includes(v);
      };
    case 'Exists':
      if (values.length > 0) return undefined;
      return (n) => read(n) !== undefined;
    case 'DoesNotExist':
      if (values.length > 0) return undefined;
      return (n) => read(n) === undefined;
    case 'Gt':
    case 'Lt': {
      const bound = values[0];
      if (values.length !== 1 || bound === undefined || !INT.test(bound)) return undefined;
      const b = BigInt(bound);
      const gt = r.operator === 'Gt';
      return (n) => {
        const v = read(n);
        if (v === undefined || !INT.test(v)) return false;
        return gt ? BigInt(v) > b : BigInt(v) < b;
      };
    }
    default:
      return undefined;
  }
}

const never: NodeMatcher = () => false;

/** A term's matcher, or undefined for an empty term (which matches nothing and is skipped). */
export function compileNodeSelectorTerm(term: NodeSelectorTerm): NodeMatcher | undefined {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return undefined;
  const parts: NodeMatcher[] = [];
  for (const e of exprs) {
    const m = compileRequirement(e, (n) => n.metadata?.labels?.[e.key]);
    if (!m) return never;
    parts.push(m);
  }
  for (const f of fields) {
    const m = f.key === 'metadata.name' ? compileRequirement(f, (n) => n.metadata?.name) : undefined;
    if (!m) return never;
    parts.push(m);
  }
  return (n) => {
    for (const p of parts) if (!p(n)) return false;
    return true;
  };
}

/** ORed terms; zero usable terms match nothing. */
export function compileNodeSelectorTerms(terms: readonly NodeSelectorTerm[]): NodeMatcher {
  const compiled = terms.map(compileNodeSelectorTerm).filter((m): m is NodeMatcher => m !== undefined);
  return (n) => {
    for (const m of compiled) if (m(n)) return true;
    return false;
  };
}

/** nodeSelector AND required node affinity; undefined when the pod states neither. */
export function requiredNodeMatcher(pod: Pod): NodeMatcher | undefined {
  const selector = pod.spec?.nodeSelector;
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!selector && !required) return undefined;
  const selectorEntries = Object.entries(selector ?? {});
  const terms = required ? compileNodeSelectorTerms(required.nodeSelectorTerms ?? []) : undefined;
  return (n) => {
    const labels = n.metadata?.labels;
    for (const [k, v] of selectorEntries) if (labels?.[k] !== v) return false;
    return terms ? terms(n) : true;
  };
}
