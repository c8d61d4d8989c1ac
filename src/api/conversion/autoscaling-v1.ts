// HorizontalPodAutoscaler autoscaling/v1 ⇄ autoscaling/v2 (the stored version), after
// Kubernetes v1.33's conversion: v1 has only `targetCPUUtilizationPercentage` and
// `currentCPUUtilizationPercentage`; what it cannot express — other metrics, their current
// values, conditions and scaling behavior — travels in four annotations, in v1's own metric
// shapes (the v2beta1 ones), and is taken back out of them when a v1 object comes in.
import type { KubeObject } from '../object.js';
import { isPlainObject } from '../object.js';
import type { VersionConverter } from './conversion.js';

type Obj = Record<string, unknown>;

const METRICS = 'autoscaling.alpha.kubernetes.io/metrics';
const CURRENT_METRICS = 'autoscaling.alpha.kubernetes.io/current-metrics';
const CONDITIONS = 'autoscaling.alpha.kubernetes.io/conditions';
const BEHAVIOR = 'autoscaling.alpha.kubernetes.io/behavior';
const ROUND_TRIP = [METRICS, CURRENT_METRICS, CONDITIONS, BEHAVIOR];
/** What the v1 controller applied when no target was given. */
const DEFAULT_CPU_UTILIZATION = 80;

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
  const other = metrics.filter((m) => !isCpuUtilizationTarget(m)).map(metricSpecToV1);
  const annotations: Record<string, string> = { ...(stored.metadata?.annotations ?? {}) };
  if (other.length > 0) annotations[METRICS] = JSON.stringify(other);
  if (current.length > 0) annotations[CURRENT_METRICS] = JSON.stringify(current.map(metricStatusToV1));
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

function metricSpecToV1(m: Obj): Obj {
  const out: Obj = { type: m['type'] };
  const target = (s: Obj): Obj => obj(s['target']) ?? {};
  const resource = obj(m['resource']);
  if (resource) {
    out['resource'] = defined({ name: resource['name'], targetAverageUtilization: target(resource)['averageUtilization'], targetAverageValue: target(resource)['averageValue'] });
  }
  const container = obj(m['containerResource']);
  if (container) {
    out['containerResource'] = defined({
      name: container['name'],
      container: container['container'],
      targetAverageUtilization: target(container)['averageUtilization'],
      targetAverageValue: target(container)['averageValue'],
    });
  }
  const pods = obj(m['pods']);
  if (pods) {
    const metric = obj(pods['metric']) ?? {};
    out['pods'] = defined({ metricName: metric['name'], targetAverageValue: target(pods)['averageValue'], selector: metric['selector'] });
  }
  const object = obj(m['object']);
  if (object) {
    const metric = obj(object['metric']) ?? {};
    out['object'] = defined({
      target: object['describedObject'],
      metricName: metric['name'],
      targetValue: target(object)['value'] ?? '0',
      selector: metric['selector'],
      averageValue: target(object)['averageValue'],
    });
  }
  const external = obj(m['external']);
  if (external) {
    const metric = obj(external['metric']) ?? {};
    out['external'] = defined({
      metricName: metric['name'],
      metricSelector: metric['selector'],
      targetValue: target(external)['value'],
      targetAverageValue: target(external)['averageValue'],
    });
  }
  return out;
}

function metricStatusToV1(m: Obj): Obj {
  const out: Obj = { type: m['type'] };
  const current = (s: Obj): Obj => obj(s['current']) ?? {};
  const resource = obj(m['resource']);
  if (resource) {
    out['resource'] = defined({
      name: resource['name'],
      currentAverageUtilization: current(resource)['averageUtilization'],
      currentAverageValue: current(resource)['averageValue'] ?? '0',
    });
  }
  const container = obj(m['containerResource']);
  if (container) {
    out['containerResource'] = defined({
      name: container['name'],
      container: container['container'],
      currentAverageUtilization: current(container)['averageUtilization'],
      currentAverageValue: current(container)['averageValue'] ?? '0',
    });
  }
  const pods = obj(m['pods']);
  if (pods) {
    const metric = obj(pods['metric']) ?? {};
    out['pods'] = defined({ metricName: metric['name'], currentAverageValue: current(pods)['averageValue'] ?? '0', selector: metric['selector'] });
  }
  const object = obj(m['object']);
  if (object) {
    const metric = obj(object['metric']) ?? {};
    out['object'] = defined({
      target: object['describedObject'],
      metricName: metric['name'],
      currentValue: current(object)['value'] ?? '0',
      selector: metric['selector'],
      averageValue: current(object)['averageValue'],
    });
  }
  const external = obj(m['external']);
  if (external) {
    const metric = obj(external['metric']) ?? {};
    out['external'] = defined({
      metricName: metric['name'],
      metricSelector: metric['selector'],
      currentValue: current(external)['value'] ?? '0',
      currentAverageValue: current(external)['averageValue'],
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
    const metrics = (parseList(annotations[METRICS]) ?? []).map(metricSpecToV2);
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
      ? fromAnnotation.map(metricStatusToV2)
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

function metricSpecToV2(m: Obj): Obj {
  const out: Obj = { type: m['type'] };
  const resource = obj(m['resource']);
  if (resource) out['resource'] = { name: resource['name'], target: resourceTarget(resource) };
  const container = obj(m['containerResource']);
  if (container) out['containerResource'] = { name: container['name'], container: container['container'], target: resourceTarget(container) };
  const pods = obj(m['pods']);
  if (pods) {
    out['pods'] = {
      metric: defined({ name: pods['metricName'], selector: pods['selector'] }),
      target: defined({ type: 'AverageValue', averageValue: pods['targetAverageValue'] }),
    };
  }
  const object = obj(m['object']);
  if (object) {
    out['object'] = {
      describedObject: object['target'],
      metric: defined({ name: object['metricName'], selector: object['selector'] }),
      target: defined({ type: object['averageValue'] === undefined ? 'Value' : 'AverageValue', value: object['targetValue'], averageValue: object['averageValue'] }),
    };
  }
  const external = obj(m['external']);
  if (external) {
    out['external'] = {
      metric: defined({ name: external['metricName'], selector: external['metricSelector'] }),
      target: defined({
        type: external['targetAverageValue'] === undefined ? 'Value' : 'AverageValue',
        value: external['targetValue'],
        averageValue: external['targetAverageValue'],
      }),
    };
  }
  return out;
}

function resourceTarget(r: Obj): Obj {
  return r['targetAverageUtilization'] !== undefined
    ? { type: 'Utilization', averageUtilization: r['targetAverageUtilization'] }
    : defined({ type: 'AverageValue', averageValue: r['targetAverageValue'] });
}

function metricStatusToV2(m: Obj): Obj {
  const out: Obj = { type: m['type'] };
  const resource = obj(m['resource']);
  if (resource) {
    out['resource'] = { name: resource['name'], current: defined({ averageUtilization: resource['currentAverageUtilization'], averageValue: resource['currentAverageValue'] }) };
  }
  const container = obj(m['containerResource']);
  if (container) {
    out['containerResource'] = {
      name: container['name'],
      container: container['container'],
      current: defined({ averageUtilization: container['currentAverageUtilization'], averageValue: container['currentAverageValue'] }),
    };
  }
  const pods = obj(m['pods']);
  if (pods) {
    out['pods'] = { metric: defined({ name: pods['metricName'], selector: pods['selector'] }), current: defined({ averageValue: pods['currentAverageValue'] }) };
  }
  const object = obj(m['object']);
  if (object) {
    out['object'] = {
      describedObject: object['target'],
      metric: defined({ name: object['metricName'], selector: object['selector'] }),
      current: defined({ value: object['currentValue'], averageValue: object['averageValue'] }),
    };
  }
  const external = obj(m['external']);
  if (external) {
    out['external'] = {
      metric: defined({ name: external['metricName'], selector: external['metricSelector'] }),
      current: defined({ value: external['currentValue'], averageValue: external['currentAverageValue'] }),
    };
  }
  return out;
}
