// Label selectors: the string form (`a=b,c!=d,e in (x,y),!f,g`) and metav1.LabelSelector
// (matchLabels + matchExpressions), compiled once into a matcher.
import type { LabelSelector } from 'kubernetes-types/meta/v1';

export interface LabelMatcher {
  /** True when the labels satisfy every requirement; an empty selector matches everything. */
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
  /** True for the selector that matches everything. */
  readonly empty: boolean;
  /** Canonical string form, as `kubectl get -l` and Scale.status.selector show it. */
  toString(): string;
}

/** Parses the query-string form; throws ApiError BadRequest naming the problem. */
export function parseLabelSelector(_text: string): LabelMatcher {
  throw new Error('not implemented');
}

/**
 * Compiles a metav1.LabelSelector. `undefined` or `{}` matches everything (as a Service's
 * nil selector does NOT: callers that need "nothing" handle undefined themselves).
 */
export function labelSelectorFromObject(_selector: LabelSelector | undefined): LabelMatcher {
  throw new Error('not implemented');
}
