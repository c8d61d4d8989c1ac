// The replica count an HPA's metrics ask for (Kubernetes' computeReplicasForMetrics): each
// metric proposes a count, the largest wins; when every metric fails — or some fail and the
// rest would scale down — nothing is proposed and the first failure becomes the ScalingActive
// condition. k8ts serves no custom or external metrics API, so Pods, Object and External
// metrics always fail here, with a message that says so.
import type { HorizontalPodAutoscaler, MetricSpec, MetricStatus, MetricTarget, MetricValueStatus } from 'kubernetes-types/autoscaling/v2.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { formatExactQuantity } from '../../api/validation/quantity.js';
import type { ConditionChange } from './conditions.js';
import type { MetricsSource, PodMetricsObject } from './metrics-source.js';
import { resourceMetrics } from './metrics-source.js';
import { averageValueReplicas, milliValue, utilizationReplicas, type CalculationInput, type CalculatorOptions, type PodMetrics } from './replica-calculator.js';

export interface MetricContext {
  hpa: HorizontalPodAutoscaler;
  namespace: string;
  /** The scale's spec.replicas. */
  currentReplicas: number;
  /** The scale's status.selector, already validated. */
  selector: string;
  /** The pods the selector matches (from the informer cache). */
  pods: readonly Pod[];
  source: MetricsSource;
  options: CalculatorOptions;
  nowMs: number;
  /** Records a Warning event on the HPA. */
  warn(reason: string, message: string): void;
  signal?: AbortSignal;
}

export type MetricsOutcome =
  | { ok: true; replicas: number; metricName: string; statuses: MetricStatus[]; condition: ConditionChange; partialError?: string }
  | { ok: false; statuses: MetricStatus[]; condition: ConditionChange; error: string };

type OneMetric = { ok: true; replicas: number; metricName: string; status: MetricStatus } | { ok: false; error: string; condition: ConditionChange };

export async function replicasForMetrics(syncCtx: MetricContext, specs: readonly MetricSpec[]): Promise<MetricsOutcome> {
  // One read of the pods' metrics serves every Resource/ContainerResource metric of this sync.
  let fetched: Promise<PodMetricsObject[]> | undefined;
  const ctx: MetricContext = { ...syncCtx, source: { podMetrics: (ns, selector, signal) => (fetched ??= syncCtx.source.podMetrics(ns, selector, signal)) } };
  const statuses: MetricStatus[] = [];
  let replicas = 0;
  let metricName = '';
  let invalid = 0;
  let first: { error: string; condition: ConditionChange } | undefined;
  for (const spec of specs) {
    const r = await replicasForMetric(ctx, spec);
    if (!r.ok) {
      // Kubernetes keeps a zero-valued status in the slot of a failed metric.
      statuses.push({ type: spec.type });
      first ??= r;
      invalid++;
      continue;
    }
    statuses.push(r.status);
    if (replicas === 0 || r.replicas > replicas) {
      replicas = r.replicas;
      metricName = r.metricName;
    }
  }
  const error = first ? `invalid metrics (${invalid} invalid out of ${specs.length}), first error is: ${first.error}` : undefined;
  if (first && (invalid >= specs.length || replicas < ctx.currentReplicas)) return { ok: false, statuses, condition: first.condition, error: error ?? '' };
  return {
    ok: true,
    replicas,
    metricName,
    statuses,
    condition: { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound', message: `the HPA was able to successfully calculate a replica count from ${metricName}` },
    ...(error ? { partialError: error } : {}),
  };
}

/** The condition Kubernetes sets when a metric cannot be computed; it also records the event. */
function unable(ctx: MetricContext, reason: string, error: string): ConditionChange {
  ctx.warn(reason, error);
  return { type: 'ScalingActive', status: 'False', reason, message: `the HPA was unable to compute the replica count: ${error}` };
}

async function replicasForMetric(ctx: MetricContext, spec: MetricSpec): Promise<OneMetric> {
  switch (spec.type) {
    case 'Resource': {
      const name = spec.resource?.name ?? '';
      const r = await resourceReplicas(ctx, name, '', spec.resource?.target);
      if (!r.ok) return { ok: false, error: `failed to get ${name} resource metric value: ${r.error}`, condition: unable(ctx, 'FailedGetResourceMetric', r.error) };
      return { ok: true, replicas: r.replicas, metricName: r.metricName, status: { type: 'Resource', resource: { name, current: r.current } } };
    }
    case 'ContainerResource': {
      const name = spec.containerResource?.name ?? '';
      const container = spec.containerResource?.container ?? '';
      const r = await resourceReplicas(ctx, name, container, spec.containerResource?.target);
      if (!r.ok) return { ok: false, error: `failed to get ${container} container metric value: ${r.error}`, condition: unable(ctx, 'FailedGetContainerResourceMetric', r.error) };
      return { ok: true, replicas: r.replicas, metricName: r.metricName, status: { type: 'ContainerResource', containerResource: { name, container, current: r.current } } };
    }
    case 'Pods':
      return unsupported(ctx, 'FailedGetPodsMetric', 'pods', spec.pods?.metric.name ?? '', 'custom.metrics.k8s.io');
    case 'Object':
      return unsupported(ctx, 'FailedGetObjectMetric', 'object', spec.object?.metric.name ?? '', 'custom.metrics.k8s.io');
    case 'External':
      return unsupported(ctx, 'FailedGetExternalMetric', 'external', spec.external?.metric.name ?? '', 'external.metrics.k8s.io');
    default: {
      const error = `unknown metric source type "${spec.type}"`;
      return { ok: false, error, condition: unable(ctx, 'InvalidMetricSourceType', error) };
    }
  }
}

/** k8ts deviation: no custom/external metrics API exists, so these metrics cannot be read. */
function unsupported(ctx: MetricContext, reason: string, kind: string, metric: string, api: string): OneMetric {
  const cause = `unable to get metric ${metric}: k8ts serves no ${api} API (${kind} metrics are not supported)`;
  return { ok: false, error: `failed to get ${kind} metric value: ${cause}`, condition: unable(ctx, reason, cause) };
}

type ResourceOutcome = { ok: true; replicas: number; metricName: string; current: MetricValueStatus } | { ok: false; error: string };

function milliQuantity(milli: number): string {
  return formatExactQuantity({ nanos: BigInt(milli) * 1_000_000n, format: 'DecimalSI' });
}

/** Kubernetes' computeStatusForResourceMetricGeneric: AverageValue first, else Utilization. */
async function resourceReplicas(ctx: MetricContext, resource: string, container: string, target: MetricTarget | undefined): Promise<ResourceOutcome> {
  // Kubernetes wraps a failed read as "unable to get metrics for resource <name>: …".
  const read = async (): Promise<{ ok: true; metrics: PodMetrics } | { ok: false; error: string }> => {
    let items;
    try {
      items = await ctx.source.podMetrics(ctx.namespace, ctx.selector, ctx.signal);
    } catch (err) {
      const cause = err instanceof Error ? err.message : String(err);
      return { ok: false, error: `unable to get metrics for resource ${resource}: unable to fetch metrics from resource metrics API: ${cause}` };
    }
    const parsed = resourceMetrics(items, resource, container);
    return parsed.ok ? { ok: true, metrics: parsed.value } : { ok: false, error: `unable to get metrics for resource ${resource}: ${parsed.error}` };
  };
  const input = (metrics: PodMetrics): CalculationInput => ({ currentReplicas: ctx.currentReplicas, pods: ctx.pods, metrics, resource, container, nowMs: ctx.nowMs });
  if (target?.averageValue !== undefined) {
    const fetched = await read();
    if (!fetched.ok) return { ok: false, error: `failed to get ${resource} usage: ${fetched.error}` };
    const r = averageValueReplicas(input(fetched.metrics), milliValue(target.averageValue), ctx.options);
    if (!r.ok) return { ok: false, error: `failed to get ${resource} usage: ${r.error}` };
    return { ok: true, replicas: r.value.replicas, metricName: `${resource} resource`, current: { averageValue: milliQuantity(r.value.averageMilli) } };
  }
  if (target?.averageUtilization === undefined) {
    return { ok: false, error: 'invalid resource metric source: neither an average utilization target nor an average value (usage) target was set' };
  }
  const fetched = await read();
  if (!fetched.ok) return { ok: false, error: `failed to get ${resource} utilization: ${fetched.error}` };
  const r = utilizationReplicas(input(fetched.metrics), target.averageUtilization, ctx.options);
  if (!r.ok) return { ok: false, error: `failed to get ${resource} utilization: ${r.error}` };
  const metricName = container === '' ? `${resource} resource utilization (percentage of request)` : `${resource} container resource utilization (percentage of request)`;
  return { ok: true, replicas: r.value.replicas, metricName, current: { averageUtilization: r.value.utilization, averageValue: milliQuantity(r.value.rawAverageMilli) } };
}
