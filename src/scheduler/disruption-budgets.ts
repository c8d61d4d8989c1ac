// PodDisruptionBudgets as preemption weighs them (kube-scheduler v1.33): a victim "violates" a
// budget when a budget in its namespace selects it (an empty selector selects nothing), does
// not already count it as disrupted, and allows no more disruptions. Preemption prefers
// victims that violate nothing but may still pick others; the API does not block it.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { labelSelectorFromObject, type LabelMatcher } from '../api/selectors/labels.js';
import type { DisruptionChecker } from './framework.js';

/** `budgetsIn(namespace)` reads the informer cache at call time. */
export function disruptionChecker(budgetsIn: (namespace: string) => readonly PodDisruptionBudget[]): DisruptionChecker {
  return {
    violates: (victim) => budgetsViolated(victim.pod, budgetsIn(victim.namespace)) > 0,
  };
}

/** How many of `budgets` evicting `pod` would violate. */
export function budgetsViolated(pod: Pod, budgets: readonly PodDisruptionBudget[]): number {
  const labels = pod.metadata?.labels ?? {};
  const name = pod.metadata?.name ?? '';
  let n = 0;
  for (const pdb of budgets) {
    const sel = pdb.spec?.selector;
    let matcher: LabelMatcher;
    try {
      matcher = labelSelectorFromObject(sel);
    } catch {
      continue; // validation keeps such budgets out; one that slips through selects nothing
    }
    if (!sel || matcher.empty || !matcher.matches(labels)) continue;
    if (pdb.status?.disruptedPods?.[name] !== undefined) continue;
    if ((pdb.status?.disruptionsAllowed ?? 0) <= 0) n++;
  }
  return n;
}
