// The replica count one Resource or ContainerResource metric asks for, as Kubernetes'
// ReplicaCalculator (v1.33) computes it: ratio = usage / target over the pods that have
// metrics; within the tolerance (0.1) nothing changes; pods without metrics count as 100 % of
// their request (or the target, if higher) on a scale-down and 0 % on a scale-up; unready pods
// (and, for CPU, pods still in their initialization window) count as 0 % on a scale-up and are
// left out otherwise. Pure: pods, metrics and "now" come in, nothing is read or written.
import type { Pod } from 'kubernetes-types/core/v1.js';
import { parseQuantityExact } from '../../api/validation/quantity.js';
import { parseTime } from '../shared/wallclock.js';

/** One pod's usage of one resource, in milli-units (Kubernetes' PodMetric). */
export interface PodMetric {
  milli: number;
  timestampMs: number;
  windowMs: number;
}

export type PodMetrics = Map<string, PodMetric>;

export interface CalculatorOptions {
  /** Kubernetes' --horizontal-pod-autoscaler-tolerance (0.1). */
  tolerance: number;
  /** --horizontal-pod-autoscaler-cpu-initialization-period (5 min). */
  cpuInitializationPeriodMs: number;
  /** --horizontal-pod-autoscaler-initial-readiness-delay (30 s). */
  initialReadinessDelayMs: number;
}

export const DEFAULT_CALCULATOR_OPTIONS: CalculatorOptions = {
  tolerance: 0.1,
  cpuInitializationPeriodMs: 300_000,
  initialReadinessDelayMs: 30_000,
};

export interface CalculationInput {
  currentReplicas: number;
  pods: readonly Pod[];
  /** Copied before use: the calculation fills in values for missing and unready pods. */
  metrics: PodMetrics;
  /** `cpu`, `memory`, … */
  resource: string;
  /** ContainerResource: only this container's requests count; '' for the whole pod. */
  container: string;
  /** Wall-clock milliseconds (pod start and condition times are wall time). */
  nowMs: number;
}

export type Calculation<T> = { ok: true; value: T } | { ok: false; error: string };

/** A quantity in milli-units, rounded up as Kubernetes' MilliValue does; 0 when unparsable. */
export function milliValue(text: string | number | undefined): number {
  const q = text === undefined ? undefined : parseQuantityExact(String(text));
  if (!q) return 0;
  const perMilli = 1_000_000n;
  const whole = q.nanos / perMilli;
  return Number(q.nanos % perMilli > 0n ? whole + 1n : whole);
}

interface Groups {
  readyCount: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

/** Kubernetes' groupPods: which pods count, which are unready, which lack metrics. */
export function groupPods(pods: readonly Pod[], metrics: PodMetrics, resource: string, options: CalculatorOptions, nowMs: number): Groups {
  const groups: Groups = { readyCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    const name = pod.metadata?.name ?? '';
    if (pod.metadata?.deletionTimestamp || pod.status?.phase === 'Failed') {
      groups.ignored.add(name);
      continue;
    }
    if (pod.status?.phase === 'Pending') {
      groups.unready.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      groups.missing.add(name);
      continue;
    }
    if (resource === 'cpu' && cpuUnready(pod, metric, options, nowMs)) {
      groups.unready.add(name);
      continue;
    }
    groups.readyCount++;
  }
  return groups;
}

/**
 * CPU samples are skewed while a pod starts: within the initialization period a pod counts
 * only once it is ready and a full metric window has passed since it became ready; after it,
 * only a pod that has never been ready (its readiness last changed within the readiness delay
 * of its start) is left out.
 */
function cpuUnready(pod: Pod, metric: PodMetric, options: CalculatorOptions, nowMs: number): boolean {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  const startMs = parseTime(pod.status?.startTime);
  if (!ready || startMs === undefined) return true;
  const transitionMs = parseTime(ready.lastTransitionTime) ?? 0;
  if (startMs + options.cpuInitializationPeriodMs > nowMs) {
    return ready.status === 'False' || metric.timestampMs < transitionMs + metric.windowMs;
  }
  return ready.status === 'False' && startMs + options.initialReadinessDelayMs > transitionMs;
}

/** Each pod's summed request (milli) for the resource; an error names a container without one. */
export function podRequests(pods: readonly Pod[], container: string, resource: string): Calculation<Map<string, number>> {
  const requests = new Map<string, number>();
  for (const pod of pods) {
    // Regular containers plus restartable (sidecar) init containers.
    const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];
    let sum = 0;
    for (const c of containers) {
      if (container !== '' && container !== c.name) continue;
      const request = c.resources?.requests?.[resource];
      if (request === undefined) return { ok: false, error: `missing request for ${resource} in container ${c.name} of Pod ${pod.metadata?.name ?? ''}` };
      sum += milliValue(request);
    }
    requests.set(pod.metadata?.name ?? '', sum);
  }
  return { ok: true, value: requests };
}

interface Utilization {
  ratio: number;
  /** Percent of the requests, truncated. */
  utilization: number;
  /** Average usage per counted pod, milli. */
  rawAverage: number;
}

function utilizationRatio(metrics: PodMetrics, requests: Map<string, number>, target: number): Calculation<Utilization> {
  let usage = 0;
  let requested = 0;
  let entries = 0;
  for (const [name, m] of metrics) {
    const request = requests.get(name);
    // Metrics of pods the selector no longer matches are extraneous.
    if (request === undefined) continue;
    usage += m.milli;
    requested += request;
    entries++;
  }
  if (requested === 0) return { ok: false, error: 'no metrics returned matched known pods' };
  const utilization = Math.trunc((usage * 100) / requested);
  return { ok: true, value: { ratio: utilization / target, utilization, rawAverage: Math.trunc(usage / entries) } };
}

export interface UtilizationReplicas {
  replicas: number;
  utilization: number;
  rawAverageMilli: number;
}

/** A target of `targetUtilization` percent of the pods' requests (Kubernetes' GetResourceReplicas). */
export function utilizationReplicas(input: CalculationInput, targetUtilization: number, options: CalculatorOptions): Calculation<UtilizationReplicas> {
  if (input.pods.length === 0) return { ok: false, error: 'no pods returned by selector while calculating replica count' };
  const metrics: PodMetrics = new Map(input.metrics);
  const groups = groupPods(input.pods, metrics, input.resource, options, input.nowMs);
  for (const name of [...groups.ignored, ...groups.unready]) metrics.delete(name);
  if (metrics.size === 0) return { ok: false, error: 'did not receive metrics for targeted pods (pods might be unready)' };
  const requests = podRequests(input.pods, input.container, input.resource);
  if (!requests.ok) return requests;
  const first = utilizationRatio(metrics, requests.value, targetUtilization);
  if (!first.ok) return first;
  const { ratio, utilization, rawAverage } = first.value;
  const result = (replicas: number): Calculation<UtilizationReplicas> => ({ ok: true, value: { replicas, utilization, rawAverageMilli: rawAverage } });

  const scaleUpWithUnready = groups.unready.size > 0 && ratio > 1;
  if (!scaleUpWithUnready && groups.missing.size === 0) {
    if (Math.abs(1 - ratio) <= options.tolerance) return result(input.currentReplicas);
    return result(Math.ceil(ratio * groups.readyCount));
  }
  const at = (milli: number): PodMetric => ({ milli, timestampMs: 0, windowMs: 0 });
  if (groups.missing.size > 0) {
    const fallbackPercent = Math.max(100, targetUtilization);
    for (const name of groups.missing) {
      if (ratio < 1) metrics.set(name, at(Math.trunc(((requests.value.get(name) ?? 0) * fallbackPercent) / 100)));
      else if (ratio > 1) metrics.set(name, at(0));
    }
  }
  if (scaleUpWithUnready) for (const name of groups.unready) metrics.set(name, at(0));
  const second = utilizationRatio(metrics, requests.value, targetUtilization);
  if (!second.ok) return second;
  return result(rebalanced(input.currentReplicas, ratio, second.value.ratio, metrics.size, options));
}

export interface AverageValueReplicas {
  replicas: number;
  averageMilli: number;
}

/** A target average usage per pod, in milli-units (Kubernetes' GetRawResourceReplicas). */
export function averageValueReplicas(input: CalculationInput, targetMilli: number, options: CalculatorOptions): Calculation<AverageValueReplicas> {
  if (input.pods.length === 0) return { ok: false, error: 'no pods returned by selector while calculating replica count' };
  const metrics: PodMetrics = new Map(input.metrics);
  const groups = groupPods(input.pods, metrics, input.resource, options, input.nowMs);
  for (const name of [...groups.ignored, ...groups.unready]) metrics.delete(name);
  if (metrics.size === 0) return { ok: false, error: 'did not receive metrics for targeted pods (pods might be unready)' };
  const { ratio, average } = usageRatio(metrics, targetMilli);
  const result = (replicas: number): Calculation<AverageValueReplicas> => ({ ok: true, value: { replicas, averageMilli: average } });

  const scaleUpWithUnready = groups.unready.size > 0 && ratio > 1;
  if (!scaleUpWithUnready && groups.missing.size === 0) {
    if (Math.abs(1 - ratio) <= options.tolerance) return result(input.currentReplicas);
    return result(Math.ceil(ratio * groups.readyCount));
  }
  const at = (milli: number): PodMetric => ({ milli, timestampMs: 0, windowMs: 0 });
  for (const name of groups.missing) metrics.set(name, at(ratio < 1 ? targetMilli : 0));
  if (scaleUpWithUnready) for (const name of groups.unready) metrics.set(name, at(0));
  const second = usageRatio(metrics, targetMilli);
  return result(rebalanced(input.currentReplicas, ratio, second.ratio, metrics.size, options));
}

function usageRatio(metrics: PodMetrics, targetMilli: number): { ratio: number; average: number } {
  let total = 0;
  for (const m of metrics.values()) total += m.milli;
  const average = Math.trunc(total / metrics.size);
  return { ratio: average / targetMilli, average };
}

/**
 * The count after missing and unready pods were filled in: unchanged when within tolerance or
 * when the filled-in values flip the direction of the change, else ratio × counted pods.
 */
function rebalanced(current: number, ratio: number, newRatio: number, counted: number, options: CalculatorOptions): number {
  if (Math.abs(1 - newRatio) <= options.tolerance || (ratio < 1 && newRatio > 1) || (ratio > 1 && newRatio < 1)) return current;
  const replicas = Math.ceil(newRatio * counted);
  if ((newRatio < 1 && replicas > current) || (newRatio > 1 && replicas < current)) return current;
  return replicas;
}
