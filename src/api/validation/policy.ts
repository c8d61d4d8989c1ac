// PodDisruptionBudget (policy/v1), LimitRange and ResourceQuota (v1): the quantity and
// selector checks kubectl users meet.
import type { LimitRange, ResourceQuota } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { FieldError } from '../errors.js';
import { list, readQuantities } from './container.js';
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

export function validateLimitRange(lr: LimitRange): FieldError[] {
  const errs: FieldError[] = [];
  list(lr.spec?.limits).forEach((l, i) => {
    const p = `spec.limits[${i}]`;
    if (!['Pod', 'Container', 'PersistentVolumeClaim'].includes(l.type))
      errs.push(notSupported(`${p}.type`, l.type, ['Container', 'PersistentVolumeClaim', 'Pod']));
    for (const f of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const) readQuantities(l[f], `${p}.${f}`, errs);
  });
  return errs;
}

export function validateResourceQuota(rq: ResourceQuota): FieldError[] {
  const errs: FieldError[] = [];
  readQuantities(rq.spec?.hard, 'spec.hard', errs);
  return errs;
}
