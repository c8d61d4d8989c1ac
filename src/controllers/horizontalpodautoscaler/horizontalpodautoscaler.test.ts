import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { HorizontalPodAutoscaler as HpaV1 } from 'kubernetes-types/autoscaling/v1.js';
import type { HorizontalPodAutoscaler, HorizontalPodAutoscalerCondition } from 'kubernetes-types/autoscaling/v2.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { FakeClock, type Timer } from '../../informer/clock.js';
import { startControllerHarness, type ControllerHarness } from '../testing.js';
import { horizontalPodAutoscalerController, DEFAULT_SYNC_PERIOD_MS } from './horizontalpodautoscaler.js';
import type { MetricsSource, PodMetricsObject } from './metrics-source.js';

const PODS = { group: '', version: 'v1', resource: 'pods' };
const DEPLOYMENTS = { group: 'apps', version: 'v1', resource: 'deployments' };
const HPAS = { group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers' };
// A ResourceRef, not a group/version/resource: the client would look the latter up as the stored v2.
const HPAS_V1 = { group: 'autoscaling', version: 'v1', plural: 'horizontalpodautoscalers', namespaced: true };

/** A fake clock that counts the HPA's periodic requeues, so a test knows a sync has finished. */
class SyncClock extends FakeClock {
  syncs = 0;
  override setTimer(ms: number, fn: () => void): Timer {
    if (ms === DEFAULT_SYNC_PERIOD_MS) this.syncs++;
    return super.setTimer(ms, fn);
  }
}

/** CPU usage per pod (milli-cores), changeable while the controller runs. */
class FakeMetrics implements MetricsSource {
  constructor(public cpuMilli: Record<string, number>) {}
  async podMetrics(namespace: string): Promise<PodMetricsObject[]> {
    const timestamp = new Date().toISOString();
    return Object.entries(this.cpuMilli).map(([name, milli]) => ({
      metadata: { name, namespace },
      timestamp,
      window: '15s',
      containers: [{ name: 'app', usage: { cpu: `${milli}m`, memory: '10Mi' } }],
    }));
  }
}

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function nextSync(h: ControllerHarness, clock: SyncClock, advanceMs: number): Promise<void> {
  const before = clock.syncs;
  clock.advance(advanceMs);
  await until('a sync', async () => clock.syncs, (n) => n > before);
}

async function setup(h: ControllerHarness, replicas: number, podNames: string[]): Promise<void> {
  await h.client.resource<Deployment>(DEPLOYMENTS, 'default').create({
    metadata: { name: 'web' },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx' }] } } },
  });
  const pods = h.client.resource<Pod>(PODS, 'default');
  const started = new Date(Date.now() - 600_000).toISOString();
  const readySince = new Date(Date.now() - 540_000).toISOString();
  for (const name of podNames) {
    await pods.create({ metadata: { name, labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx', resources: { requests: { cpu: '100m' } } }] } });
    await pods.patch(name, 'merge', { status: { phase: 'Running', startTime: started, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: readySince }] } }, { subresource: 'status' });
  }
}

function hpaV2(maxReplicas: number): HorizontalPodAutoscaler {
  return {
    metadata: { name: 'web' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
    },
  };
}

const replicasOf = (h: ControllerHarness) => async (): Promise<number | undefined> => (await h.client.resource<Deployment>(DEPLOYMENTS, 'default').get('web')).spec?.replicas;
const hpaOf = (h: ControllerHarness) => async (): Promise<HorizontalPodAutoscaler> => h.client.resource<HorizontalPodAutoscaler>(HPAS, 'default').get('web');
const cond = (hpa: HorizontalPodAutoscaler, type: string): Partial<HorizontalPodAutoscalerCondition> | undefined => {
  const c = hpa.status?.conditions?.find((x) => x.type === type);
  return c ? { status: c.status, reason: c.reason, message: c.message } : undefined;
};

test('usage above target scales the Deployment up to maxReplicas; status, conditions and events say why', async () => {
  const clock = new SyncClock(Date.now());
  const h = await startControllerHarness({ clock });
  try {
    const metrics = new FakeMetrics({ a: 250, b: 250 });
    h.start(horizontalPodAutoscalerController({ metricsSource: () => metrics }));
    await setup(h, 2, ['a', 'b']);
    await h.client.resource<HorizontalPodAutoscaler>(HPAS, 'default').create(hpaV2(3));
    await until('the deployment scaled', replicasOf(h), (r) => r === 3);
    const hpa = await until('the status', hpaOf(h), (x) => x.status?.desiredReplicas === 3);
    assert.equal(hpa.status?.currentReplicas, 2);
    assert.ok(hpa.status?.lastScaleTime);
    assert.deepEqual(hpa.status?.currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 250, averageValue: '250m' } } }]);
    assert.deepEqual(cond(hpa, 'AbleToScale'), { status: 'True', reason: 'SucceededRescale', message: 'the HPA controller was able to update the target scale to 3' });
    assert.deepEqual(cond(hpa, 'ScalingActive'), { status: 'True', reason: 'ValidMetricFound', message: 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)' });
    assert.deepEqual(cond(hpa, 'ScalingLimited'), { status: 'True', reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' });
    assert.deepEqual(
      h.events.filter((e) => e.reason === 'SuccessfulRescale').map((e) => [e.type, e.message]),
      [['Normal', 'New size: 3; reason: cpu resource utilization (percentage of request) above target']],
    );
  } finally {
    await h.close();
  }
});

test('a scale-down waits for the 5-minute stabilization window (fake clock)', async () => {
  const clock = new SyncClock(Date.now());
  const h = await startControllerHarness({ clock });
  try {
    const metrics = new FakeMetrics({ a: 10, b: 10, c: 10, d: 10 });
    h.start(horizontalPodAutoscalerController({ metricsSource: () => metrics }));
    await setup(h, 4, ['a', 'b', 'c', 'd']);
    const start = clock.now();
    await h.client.resource<HorizontalPodAutoscaler>(HPAS, 'default').create(hpaV2(10));
    await until('the first sync', async () => clock.syncs, (n) => n >= 1);
    let hpa = await hpaOf(h)();
    assert.deepEqual(cond(hpa, 'AbleToScale'), { status: 'True', reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' });
    assert.equal(hpa.status?.desiredReplicas, 4);
    // Every 15 s sync inside the window keeps 4 replicas.
    while (clock.now() - start < 285_000) {
      await nextSync(h, clock, DEFAULT_SYNC_PERIOD_MS);
      assert.equal(await replicasOf(h)(), 4, `at ${(clock.now() - start) / 1000} s`);
    }
    await nextSync(h, clock, 16_000);
    assert.equal(await replicasOf(h)(), 1);
    hpa = await hpaOf(h)();
    assert.equal(hpa.status?.desiredReplicas, 1);
    assert.deepEqual(h.events.filter((e) => e.reason === 'SuccessfulRescale').map((e) => e.message), ['New size: 1; reason: All metrics below target']);
  } finally {
    await h.close();
  }
});

test('an autoscaling/v1 HPA (targetCPUUtilizationPercentage) scales too and reads back its current utilization', async () => {
  const h = await startControllerHarness();
  try {
    h.start(horizontalPodAutoscalerController({ metricsSource: () => new FakeMetrics({ a: 100 }) }));
    await setup(h, 1, ['a']);
    await h.client.resource<HpaV1>(HPAS_V1, 'default').create({
      metadata: { name: 'web' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 50 },
    });
    await until('the deployment scaled', replicasOf(h), (r) => r === 2);
    const v1 = await until('the v1 status', () => h.client.resource<HpaV1>(HPAS_V1, 'default').get('web'), (x) => x.status?.desiredReplicas === 2);
    assert.equal(v1.status?.currentCPUUtilizationPercentage, 100);
    assert.equal(v1.status?.currentReplicas, 1);
  } finally {
    await h.close();
  }
});

test('without a resource metrics API the conditions and events say the metrics are unavailable', async () => {
  const h = await startControllerHarness();
  try {
    h.start(horizontalPodAutoscalerController());
    await setup(h, 2, ['a', 'b']);
    await h.client.resource<HorizontalPodAutoscaler>(HPAS, 'default').create(hpaV2(5));
    const hpa = await until('the status', hpaOf(h), (x) => cond(x, 'ScalingActive')?.status === 'False');
    const cause = 'failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)';
    assert.deepEqual(cond(hpa, 'ScalingActive'), { status: 'False', reason: 'FailedGetResourceMetric', message: `the HPA was unable to compute the replica count: ${cause}` });
    assert.deepEqual(cond(hpa, 'AbleToScale'), { status: 'True', reason: 'SucceededGetScale', message: "the HPA controller was able to get the target's current scale" });
    assert.equal(hpa.status?.currentReplicas, 2);
    assert.deepEqual(h.events.find((e) => e.reason === 'FailedGetResourceMetric')?.message, cause);
    assert.deepEqual(
      h.events.find((e) => e.reason === 'FailedComputeMetricsReplicas')?.message,
      `invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: ${cause}`,
    );
    assert.equal(await replicasOf(h)(), 2);
  } finally {
    await h.close();
  }
});
