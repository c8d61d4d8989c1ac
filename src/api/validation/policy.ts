// PodDisruptionBudget (policy/v1) and ResourceQuota (v1): the quantity and selector checks
// kubectl users meet. LimitRange: limit-range.ts.
import type { ResourceQuota } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { FieldError } from '../errors.js';
import { readQuantities } from './container.js';
import { invalid, notSupported } from './field.js';
import { GoLiteral } from './gosyntax.js';
import { validateLabelSelector } from './objectmeta.js';
import { validatePositiveIntOrPercent } from './workloads.js';

export function validatePodDisruptionBudget(pdb: PodDisruptionBudget): FieldError[] {
  const spec = pdb.spec ?? {};
  const errs: FieldError[] = [];
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined)
    errs.push(invalid('spec', new GoLiteral('policy.PodDisruptionBudgetSpec{...}', spec), 'minAvailable and maxUnavailable cannot be both set'));
  for (const f of ['minAvailable', 'maxUnavailable'] as const) {
    const v = spec[f];
    errs.push(...validatePositiveIntOrPercent(v, `spec.${f}`));
    if (typeof v === 'string' && /^[0-9]+%$/.test(v) && Number(v.slice(0, -1)) > 100)
      errs.push(invalid(`spec.${f}`, new GoLiteral(v, v), 'must not be greater than 100%'));
  }
  if (spec.selector) errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const uhp = spec.unhealthyPodEvictionPolicy;
  if (uhp !== undefined && uhp !== 'IfHealthyBudget' && uhp !== 'AlwaysAllow')
    errs.push(notSupported('spec.unhealthyPodEvictionPolicy', uhp, ['AlwaysAllow', 'IfHealthyBudget']));
  return errs;
}

export function validateResourceQuota(rq: ResourceQuota): FieldError[] {
  const errs: FieldError[] = [];
  readQuantities(rq.spec?.hard, 'spec.hard', errs);
  return errs;
}
