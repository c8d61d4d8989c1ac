// HorizontalPodAutoscaler (autoscaling/v2), as Kubernetes v1.33 validates it.
import type { HorizontalPodAutoscaler, HPAScalingRules, MetricSpec, MetricTarget } from 'kubernetes-types/autoscaling/v2.js';
import type { FieldError } from '../errors.js';
import { list } from './container.js';
import { invalid, notSupported, required } from './field.js';
import { inclusiveRangeError, nameIsPathSegment } from './names.js';
import { parseQuantityExact, quantityText } from './quantity.js';
import { validateLabelSelector } from './objectmeta.js';

const METRIC_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];

function validateTarget(t: MetricTarget | undefined, path: string): FieldError[] {
  if (!t) return [required(path)];
  const errs: FieldError[] = [];
  if (!t.type) errs.push(required(`${path}.type`));
  else if (!['Utilization', 'Value', 'AverageValue'].includes(t.type))
    errs.push(notSupported(`${path}.type`, t.type, ['AverageValue', 'Utilization', 'Value']));
  if (t.averageUtilization !== undefined && t.averageUtilization < 1)
    errs.push(invalid(`${path}.averageUtilization`, t.averageUtilization, 'must be greater than 0'));
  for (const f of ['value', 'averageValue'] as const) {
    const text = quantityText(t[f]);
    if (text === undefined) continue;
    const q = parseQuantityExact(text);
    if (q && q.nanos <= 0n) errs.push(invalid(`${path}.${f}`, text, 'must be positive'));
  }
  if (t.type === 'Utilization' && t.averageUtilization === undefined)
    errs.push(required(`${path}.averageUtilization`, 'must set averageUtilization when type is Utilization'));
  if (t.type === 'Value' && t.value === undefined) errs.push(required(`${path}.value`, 'must set value when type is Value'));
  if (t.type === 'AverageValue' && t.averageValue === undefined)
    errs.push(required(`${path}.averageValue`, 'must set averageValue when type is AverageValue'));
  return errs;
}

function validateMetric(m: MetricSpec, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!m.type) return [required(`${path}.type`, 'must specify a metric source type')];
  if (!METRIC_TYPES.includes(m.type)) return [notSupported(`${path}.type`, m.type, METRIC_TYPES)];
  switch (m.type) {
    case 'Resource':
      if (!m.resource) return [required(`${path}.resource`, 'must populate information for the given metric source')];
      if (!m.resource.name) errs.push(required(`${path}.resource.name`, 'must specify a resource name'));
      errs.push(...validateTarget(m.resource.target, `${path}.resource.target`));
      break;
    case 'ContainerResource':
      if (!m.containerResource) return [required(`${path}.containerResource`, 'must populate information for the given metric source')];
      if (!m.containerResource.name) errs.push(required(`${path}.containerResource.name`, 'must specify a resource name'));
      if (!m.containerResource.container) errs.push(required(`${path}.containerResource.container`, 'must specify a container'));
      errs.push(...validateTarget(m.containerResource.target, `${path}.containerResource.target`));
      break;
    case 'Pods':
      if (!m.pods) return [required(`${path}.pods`, 'must populate information for the given metric source')];
      if (!m.pods.metric?.name) errs.push(required(`${path}.pods.metric.name`, 'must specify a metric name'));
      errs.push(...validateTarget(m.pods.target, `${path}.pods.target`));
      break;
    case 'Object':
      if (!m.object) return [required(`${path}.object`, 'must populate information for the given metric source')];
      if (!m.object.metric?.name) errs.push(required(`${path}.object.metric.name`, 'must specify a metric name'));
      errs.push(...validateTarget(m.object.target, `${path}.object.target`));
      break;
    case 'External':
      if (!m.external) return [required(`${path}.external`, 'must populate information for the given metric source')];
      if (!m.external.metric?.name) errs.push(required(`${path}.external.metric.name`, 'must specify a metric name'));
      if (m.external.metric?.selector) errs.push(...validateLabelSelector(m.external.metric.selector, `${path}.external.metric.selector`));
      errs.push(...validateTarget(m.external.target, `${path}.external.target`));
      break;
  }
  return errs;
}

const MAX_PERIOD_SECONDS = 1800;
const MAX_STABILIZATION_WINDOW_SECONDS = 3600;

function validateScalingRules(r: HPAScalingRules | undefined, path: string): FieldError[] {
  if (!r) return [];
  const errs: FieldError[] = [];
  const sp = r.selectPolicy;
  if (sp !== undefined && !['Disabled', 'Max', 'Min'].includes(sp)) errs.push(notSupported(`${path}.selectPolicy`, sp, ['Disabled', 'Max', 'Min']));
  const sw = r.stabilizationWindowSeconds;
  if (sw !== undefined && (sw < 0 || sw > MAX_STABILIZATION_WINDOW_SECONDS))
    errs.push(invalid(`${path}.stabilizationWindowSeconds`, sw, inclusiveRangeError(0, MAX_STABILIZATION_WINDOW_SECONDS)));
  const policies = list(r.policies);
  if (r.policies !== undefined && policies.length === 0) errs.push(required(`${path}.policies`, 'must specify at least one Policy'));
  policies.forEach((p, i) => {
    const pp = `${path}.policies[${i}]`;
    if (p.type !== 'Pods' && p.type !== 'Percent') errs.push(notSupported(`${pp}.type`, p.type, ['Percent', 'Pods']));
    if (!(p.value > 0)) errs.push(invalid(`${pp}.value`, p.value, 'must be greater than zero'));
    if (!(p.periodSeconds > 0) || p.periodSeconds > MAX_PERIOD_SECONDS)
      errs.push(invalid(`${pp}.periodSeconds`, p.periodSeconds, inclusiveRangeError(1, MAX_PERIOD_SECONDS)));
  });
  return errs;
}

export function validateHorizontalPodAutoscaler(hpa: HorizontalPodAutoscaler): FieldError[] {
  const spec = hpa.spec;
  if (!spec) return [required('spec')];
  const errs: FieldError[] = [];
  const ref = spec.scaleTargetRef;
  if (!ref?.kind) errs.push(required('spec.scaleTargetRef.kind'));
  else for (const msg of nameIsPathSegment(ref.kind, false)) errs.push(invalid('spec.scaleTargetRef.kind', ref.kind, msg));
  if (!ref?.name) errs.push(required('spec.scaleTargetRef.name'));
  else for (const msg of nameIsPathSegment(ref.name, false)) errs.push(invalid('spec.scaleTargetRef.name', ref.name, msg));
  if (spec.minReplicas !== undefined && spec.minReplicas < 1)
    errs.push(invalid('spec.minReplicas', spec.minReplicas, 'must be greater than or equal to 1'));
  if (!(spec.maxReplicas >= 1)) errs.push(invalid('spec.maxReplicas', spec.maxReplicas ?? 0, 'must be greater than 0'));
  else if (spec.minReplicas !== undefined && spec.maxReplicas < spec.minReplicas)
    errs.push(invalid('spec.maxReplicas', spec.maxReplicas, 'must be greater than or equal to `minReplicas`'));
  list(spec.metrics).forEach((m, i) => errs.push(...validateMetric(m, `spec.metrics[${i}]`)));
  errs.push(...validateScalingRules(spec.behavior?.scaleUp, 'spec.behavior.scaleUp'));
  errs.push(...validateScalingRules(spec.behavior?.scaleDown, 'spec.behavior.scaleDown'));
  return errs;
}
