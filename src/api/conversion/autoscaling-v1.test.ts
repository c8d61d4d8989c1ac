import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../object.js';
import { horizontalPodAutoscalerV1 as v1 } from './autoscaling-v1.js';

const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };

test('a v1 CPU target becomes a v2 Resource metric, and back', () => {
  const served: KubeObject = {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default' },
    spec: { scaleTargetRef: ref, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 60 },
  };
  const stored = v1.toStorage(served);
  assert.equal(stored.apiVersion, 'autoscaling/v2');
  assert.deepEqual(stored['spec'], {
    scaleTargetRef: ref,
    minReplicas: 1,
    maxReplicas: 5,
    metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }],
  });
  assert.equal(stored.metadata?.annotations, undefined);
  assert.deepEqual(v1.fromStorage(stored), served);
});

test('a v1 object without a target gets the 80% CPU target the v1 controller applied', () => {
  const stored = v1.toStorage({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'a' }, spec: { scaleTargetRef: ref, maxReplicas: 3 } });
  assert.deepEqual((stored['spec'] as { metrics: unknown }).metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
});

test('what v1 cannot express travels in annotations and comes back whole', () => {
  const stored: KubeObject = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', annotations: { team: 'a' } },
    spec: {
      scaleTargetRef: ref,
      minReplicas: 2,
      maxReplicas: 9,
      metrics: [
        { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } },
        { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } },
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds: 60 } },
    },
    status: {
      currentReplicas: 2,
      desiredReplicas: 3,
      currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 70, averageValue: '140m' } } }],
      conditions: [{ type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale', lastTransitionTime: '2026-01-01T00:00:00Z' }],
    },
  };
  const served = v1.fromStorage(stored);
  assert.equal(served.apiVersion, 'autoscaling/v1');
  assert.deepEqual(served['spec'], { scaleTargetRef: ref, minReplicas: 2, maxReplicas: 9, targetCPUUtilizationPercentage: 50 });
  assert.deepEqual(served['status'], { currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 70 });
  const a = served.metadata?.annotations ?? {};
  assert.equal(a['team'], 'a');
  assert.deepEqual(JSON.parse(a['autoscaling.alpha.kubernetes.io/metrics'] ?? ''), [
    { type: 'Resource', resource: { name: 'memory', targetAverageValue: '100Mi' } },
    { type: 'Pods', pods: { metricName: 'qps', targetAverageValue: '10' } },
  ]);
  assert.deepEqual(JSON.parse(a['autoscaling.alpha.kubernetes.io/current-metrics'] ?? ''), [
    { type: 'Resource', resource: { name: 'cpu', currentAverageUtilization: 70, currentAverageValue: '140m' } },
  ]);
  // Back to v2: the other metrics first, then the CPU target; the annotations are consumed.
  const back = v1.toStorage(served);
  assert.deepEqual(back.metadata?.annotations, { team: 'a' });
  const spec = back['spec'] as Record<string, unknown>;
  assert.deepEqual(spec['metrics'], (stored['spec'] as { metrics: unknown[] }).metrics);
  assert.deepEqual(spec['behavior'], { scaleDown: { stabilizationWindowSeconds: 60 } });
  assert.deepEqual(back['status'], stored['status']);
  // The stored object is not changed by either conversion.
  assert.deepEqual(stored.metadata?.annotations, { team: 'a' });
});

test('a partial object (a watch bookmark) converts without inventing fields', () => {
  const bookmark: KubeObject = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { resourceVersion: '12' } };
  assert.deepEqual(v1.fromStorage(bookmark), { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { resourceVersion: '12' } });
});
