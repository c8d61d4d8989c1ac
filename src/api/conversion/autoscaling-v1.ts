// HorizontalPodAutoscaler autoscaling/v1 ⇄ autoscaling/v2 (the stored version), after
// Kubernetes v1.33's conversion: v1 has only `targetCPUUtilizationPercentage` and
// `currentCPUUtilizationPercentage`; what it cannot express — other metrics, their current
// values, conditions and scaling behavior — travels in four annotations, in v1's own metric
// shapes (the v2beta1 ones), and is taken back out of them when a v1 object comes in.
import type { KubeObject } from '../object.js';
import { isPlainObject } from '../object.js';
import type { VersionConverter } from './conversion.js';
import { DEFAULT_CPU_UTILIZATION } from '../defaults/autoscaling.js';

type Obj = Record<string, unknown>;

const METRICS = 'autoscaling.alpha.kubernetes.io/metrics';
const CURRENT_METRICS = 'autoscaling.alpha.kubernetes.io/current-metrics';
const CONDITIONS = 'autoscaling.alpha.kubernetes.io/conditions';
const BEHAVIOR = 'autoscaling.alpha.kubernetes.io/behavior';
const ROUND_TRIP = [METRICS, CURRENT_METRICS, CONDITIONS, BEHAVIOR];
/** What the v1 controller applied when no target was given. */

export const horizontalPodAutoscalerV1: VersionConverter = {
  toStorage: (obj) => toV2(obj),
  fromStorage: (obj) => toV1(obj),
};

function obj(v: unknown): Obj | undefined {
  return isPlainObject(v) ? v : undefined;
}

/** `o` without the keys whose value is undefined. */
function defined(o: Obj): Obj {
  const out: Obj = {};
  for (const k in o) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

function parseList(text: unknown): Obj[] | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter(isPlainObject) : undefined;
  } catch {
    return undefined;
  }
}

function isCpuUtilizationTarget(m: Obj): boolean {
  const r = obj(m['resource']);
  return m['type'] === 'Resource' && r?.['name'] === 'cpu' && obj(r['target'])?.['averageUtilization'] !== undefined;
}

// ---- v2 → v1 ------------------------------------------------------------------------------

function toV1(stored: KubeObject): KubeObject {
  const spec = obj(stored['spec']);
  const status = obj(stored['status']);
  const metrics = (spec?.['metrics'] as unknown[] | undefined)?.filter(isPlainObject) ?? [];
  const current = (status?.['currentMetrics'] as unknown[] | undefined)?.filter(isPlainObject) ?? [];
  const conditions = (status?.['conditions'] as unknown[] | undefined) ?? [];
  const other = metrics.filter((m) => !isCpuUtilizationTarget(m)).map((m) => metricToV1(m, 'target'));
  const annotations: Record<string, string> = { ...(stored.metadata?.annotations ?? {}) };
  if (other.length > 0) annotations[METRICS] = JSON.stringify(other);
  if (current.length > 0) annotations[CURRENT_METRICS] = JSON.stringify(current.map((m) => metricToV1(m, 'current')));
  if (spec?.['behavior'] !== undefined) annotations[BEHAVIOR] = JSON.stringify(spec['behavior']);
  if (conditions.length > 0) annotations[CONDITIONS] = JSON.stringify(conditions);
  const out: KubeObject = { ...stored, apiVersion: 'autoscaling/v1' };
  if (stored.metadata !== undefined) {
    out.metadata = { ...stored.metadata };
    if (Object.keys(annotations).length > 0) out.metadata.annotations = annotations;
  }
  if (spec !== undefined) {
    const cpu = metrics.find(isCpuUtilizationTarget);
    out['spec'] = defined({
      scaleTargetRef: spec['scaleTargetRef'],
      minReplicas: spec['minReplicas'],
      maxReplicas: spec['maxReplicas'],
      targetCPUUtilizationPercentage: cpu ? obj(obj(cpu['resource'])?.['target'])?.['averageUtilization'] : undefined,
    });
  }
  if (status !== undefined) {
    const cpu = current.find((m) => m['type'] === 'Resource' && obj(m['resource'])?.['name'] === 'cpu');
    out['status'] = defined({
      observedGeneration: status['observedGeneration'],
      lastScaleTime: status['lastScaleTime'],
      currentReplicas: status['currentReplicas'] ?? 0,
      desiredReplicas: status['desiredReplicas'] ?? 0,
      currentCPUUtilizationPercentage: cpu ? obj(obj(cpu['resource'])?.['current'])?.['averageUtilization'] : undefined,
    });
  }
  return out;
}

/**
 * A v2 MetricSpec (`side` "target") or MetricStatus ("current") in v1's shape, where each
 * value is a field named after the side (`targetAverageValue`, `currentAverageValue`, …).
 * Go's JSON writes a status's zero quantities, and an object target's value, as "0".
 */
function metricToV1(m: Obj, side: 'target' | 'current'): Obj {
  const zero = side === 'current' ? '0' : undefined;
  const value = (s: Obj): Obj => obj(s[side]) ?? {};
  const named = (s: Obj): Obj => obj(s['metric']) ?? {};
  const out: Obj = { type: m['type'] };
  const resource = obj(m['resource']);
  if (resource) {
    out['resource'] = defined({
      name: resource['name'],
      [`${side}AverageUtilization`]: value(resource)['averageUtilization'],
      [`${side}AverageValue`]: value(resource)['averageValue'] ?? zero,
    });
  }
  const container = obj(m['containerResource']);
  if (container) {
    out['containerResource'] = defined({
      name: container['name'],
      container: container['container'],
      [`${side}AverageUtilization`]: value(container)['averageUtilization'],
      [`${side}AverageValue`]: value(container)['averageValue'] ?? zero,
    });
  }
  const pods = obj(m['pods']);
  if (pods) {
    out['pods'] = defined({ metricName: named(pods)['name'], [`${side}AverageValue`]: value(pods)['averageValue'] ?? zero, selector: named(pods)['selector'] });
  }
  const object = obj(m['object']);
  if (object) {
    out['object'] = defined({
      target: object['describedObject'],
      metricName: named(object)['name'],
      [`${side}Value`]: value(object)['value'] ?? '0',
      selector: named(object)['selector'],
      averageValue: value(object)['averageValue'],
    });
  }
  const external = obj(m['external']);
  if (external) {
    out['external'] = defined({
      metricName: named(external)['name'],
      metricSelector: named(external)['selector'],
      [`${side}Value`]: value(external)['value'] ?? zero,
      [`${side}AverageValue`]: value(external)['averageValue'],
    });
  }
  return out;
}

// ---- v1 → v2 ------------------------------------------------------------------------------

function toV2(served: KubeObject): KubeObject {
  const spec = obj(served['spec']);
  const status = obj(served['status']);
  const annotations = served.metadata?.annotations ?? {};
  const out: KubeObject = { ...served, apiVersion: 'autoscaling/v2' };
  if (served.metadata !== undefined) {
    out.metadata = { ...served.metadata };
    const kept: Record<string, string> = {};
    for (const k in annotations) if (!ROUND_TRIP.includes(k)) kept[k] = annotations[k] ?? '';
    if (Object.keys(kept).length > 0) out.metadata.annotations = kept;
    else delete out.metadata.annotations;
  }
  if (spec !== undefined) {
    const metrics = (parseList(annotations[METRICS]) ?? []).map((m) => metricToV2(m, 'target'));
    const cpu = spec['targetCPUUtilizationPercentage'];
    if (cpu !== undefined && cpu !== null) metrics.push(cpuUtilization(cpu));
    if (metrics.length === 0) metrics.push(cpuUtilization(DEFAULT_CPU_UTILIZATION));
    let behavior: unknown;
    try {
      behavior = annotations[BEHAVIOR] !== undefined ? JSON.parse(annotations[BEHAVIOR]) : undefined;
    } catch {
      behavior = undefined;
    }
    out['spec'] = defined({
      scaleTargetRef: spec['scaleTargetRef'],
      minReplicas: spec['minReplicas'],
      maxReplicas: spec['maxReplicas'],
      metrics,
      behavior: isPlainObject(behavior) ? behavior : undefined,
    });
  }
  if (status !== undefined) {
    const fromAnnotation = parseList(annotations[CURRENT_METRICS]);
    const cpu = status['currentCPUUtilizationPercentage'];
    const currentMetrics = fromAnnotation
      ? fromAnnotation.map((m) => metricToV2(m, 'current'))
      : cpu !== undefined && cpu !== null
        ? [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: cpu } } }]
        : undefined;
    out['status'] = defined({
      observedGeneration: status['observedGeneration'],
      lastScaleTime: status['lastScaleTime'],
      currentReplicas: status['currentReplicas'],
      desiredReplicas: status['desiredReplicas'],
      currentMetrics,
      conditions: parseList(annotations[CONDITIONS]),
    });
  }
  return out;
}

function cpuUtilization(percent: unknown): Obj {
  return { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: percent } } };
}

/** A v2 target (with its type, from which values are set) or current value. */
function valueToV2(side: 'target' | 'current', v: { averageUtilization?: unknown; averageValue?: unknown; value?: unknown }): Obj {
  const values = defined({ value: v.value, averageValue: v.averageValue, averageUtilization: v.averageUtilization });
  if (side === 'current') return values;
  const type = v.averageUtilization !== undefined ? 'Utilization' : v.averageValue !== undefined ? 'AverageValue' : 'Value';
  return { type, ...values };
}

/** A v1 MetricSpec (`side` "target") or MetricStatus ("current") in v2's shape. */
function metricToV2(m: Obj, side: 'target' | 'current'): Obj {
  const out: Obj = { type: m['type'] };
  const resource = obj(m['resource']);
  if (resource) {
    out['resource'] = { name: resource['name'], [side]: valueToV2(side, { averageUtilization: resource[`${side}AverageUtilization`], averageValue: resource[`${side}AverageValue`] }) };
  }
  const container = obj(m['containerResource']);
  if (container) {
    out['containerResource'] = {
      name: container['name'],
      container: container['container'],
      [side]: valueToV2(side, { averageUtilization: container[`${side}AverageUtilization`], averageValue: container[`${side}AverageValue`] }),
    };
  }
  const pods = obj(m['pods']);
  if (pods) {
    out['pods'] = { metric: defined({ name: pods['metricName'], selector: pods['selector'] }), [side]: valueToV2(side, { averageValue: pods[`${side}AverageValue`] }) };
  }
  const object = obj(m['object']);
  if (object) {
    out['object'] = {
      describedObject: object['target'],
      metric: defined({ name: object['metricName'], selector: object['selector'] }),
      [side]: valueToV2(side, { value: object[`${side}Value`], averageValue: object['averageValue'] }),
    };
  }
  const external = obj(m['external']);
  if (external) {
    out['external'] = {
      metric: defined({ name: external['metricName'], selector: external['metricSelector'] }),
      [side]: valueToV2(side, { value: external[`${side}Value`], averageValue: external[`${side}AverageValue`] }),
    };
  }
  return out;
}
