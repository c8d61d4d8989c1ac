// The horizontal pod autoscaler (kube-controller-manager's "horizontalpodautoscaling", as in
// Kubernetes v1.33): every sync period (15 s) each HPA reads its target's scale subresource,
// the pods its selector matches and their resource metrics, computes the replica count the
// metrics ask for, normalizes it (stabilization windows, min/max, scaling rate or `behavior`),
// writes the new count through the scale subresource and records status, conditions and events.
//
// k8ts deviations: a new HPA (or a spec change) is synced at once, where Kubernetes waits one
// sync period; the overlapping-selector check (AmbiguousSelector) is not made; Pods, Object and
// External metrics are reported as unsupported (k8ts has no custom/external metrics API).
import type { HorizontalPodAutoscaler, HorizontalPodAutoscalerStatus, MetricStatus } from 'kubernetes-types/autoscaling/v2.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../api/errors.js';
import { deepCopy } from '../../api/object.js';
import { parseLabelSelector, type LabelMatcher } from '../../api/selectors/labels.js';
import { objectKey } from '../../informer/cache.js';
import type { Informer } from '../../informer/informer.js';
import { NAMESPACE_INDEX } from '../../informer/indexers.js';
import { runWorkers, type ReconcileResult } from '../../informer/workers.js';
import { WorkQueue } from '../../informer/workqueue.js';
import type { ControllerContext, ControllerFactory } from '../controller.js';
import { formatTime, wallClock } from '../shared/wallclock.js';
import {
  DEFAULT_DOWNSCALE_STABILIZATION_MS,
  newHistory,
  normalizeWithBehavior,
  normalizeWithoutBehavior,
  recordInitialRecommendation,
  storeScaleEvent,
  type ScalingHistory,
} from './behavior.js';
import { sameStatus, setCondition, type ConditionChange } from './conditions.js';
import { replicasForMetrics } from './metric-replicas.js';
import { apiMetricsSource, type MetricsSource } from './metrics-source.js';
import { DEFAULT_CALCULATOR_OPTIONS, type CalculatorOptions } from './replica-calculator.js';
import { getScale, updateScale, type ScaleTarget } from './scale-target.js';

const HPAS = { group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers' };
const PODS = { group: '', version: 'v1', resource: 'pods' };

export interface HorizontalPodAutoscalerOptions {
  /** --horizontal-pod-autoscaler-sync-period (15 s). */
  syncPeriodMs?: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization (5 min): HPAs without behavior, and behavior's default. */
  downscaleStabilizationMs?: number;
  /** Tolerance, CPU initialization period, initial readiness delay. */
  calculator?: Partial<CalculatorOptions>;
  /** Where resource metrics come from; default the metrics.k8s.io API through the controller's client. */
  metricsSource?: (ctx: ControllerContext) => MetricsSource;
}

export const DEFAULT_SYNC_PERIOD_MS = 15_000;

export function horizontalPodAutoscalerController(options: HorizontalPodAutoscalerOptions = {}): ControllerFactory {
  return (ctx) => ({ name: 'horizontalpodautoscaling', run: (signal) => new Autoscaler(ctx, options).run(signal) });
}

class Autoscaler {
  private readonly hpas: Informer<HorizontalPodAutoscaler>;
  private readonly pods: Informer<Pod>;
  private readonly queue: WorkQueue;
  private readonly histories = new Map<string, ScalingHistory>();
  private readonly source: MetricsSource;
  private readonly syncPeriodMs: number;
  private readonly downscaleMs: number;
  private readonly calculator: CalculatorOptions;
  private readonly wallNow: () => number;

  constructor(
    private readonly ctx: ControllerContext,
    options: HorizontalPodAutoscalerOptions,
  ) {
    this.hpas = ctx.informers.informerFor<HorizontalPodAutoscaler>(HPAS);
    this.pods = ctx.informers.informerFor<Pod>(PODS);
    this.queue = new WorkQueue({ clock: ctx.clock });
    this.source = options.metricsSource?.(ctx) ?? apiMetricsSource(ctx.client);
    this.syncPeriodMs = options.syncPeriodMs ?? DEFAULT_SYNC_PERIOD_MS;
    this.downscaleMs = options.downscaleStabilizationMs ?? DEFAULT_DOWNSCALE_STABILIZATION_MS;
    this.calculator = { ...DEFAULT_CALCULATOR_OPTIONS, ...options.calculator };
    this.wallNow = wallClock(ctx.clock);
  }

  async run(signal: AbortSignal): Promise<void> {
    this.hpas.addEventHandler({
      onAdd: (h) => this.queue.add(objectKey(h)),
      // Status writes (our own) change no generation: those HPAs wait for their next period.
      onUpdate: (old, h) => {
        if (old.metadata?.generation !== h.metadata?.generation) this.queue.add(objectKey(h));
      },
      onDelete: (h) => this.histories.delete(objectKey(h)),
    });
    const synced = await Promise.all([this.hpas.waitForSync(signal), this.pods.waitForSync(signal)]);
    if (!synced.every(Boolean)) return;
    await runWorkers(this.queue, (key) => this.sync(key, signal), { workers: this.ctx.options.workers, signal, log: this.ctx.log });
  }

  private async sync(key: string, signal: AbortSignal): Promise<ReconcileResult> {
    const cached = this.hpas.cache.get(key);
    if (!cached) {
      this.histories.delete(key);
      return;
    }
    try {
      await this.reconcile(deepCopy(cached), key, signal);
    } catch (err) {
      if (signal.aborted) return;
      // Kubernetes logs the failure and tries again at the next period, not sooner.
      this.ctx.log.info(`horizontalpodautoscaling: ${key}: ${err instanceof Error ? err.message : String(err)}`);
    }
    return { requeueAfterMs: this.syncPeriodMs };
  }

  private history(key: string): ScalingHistory {
    let h = this.histories.get(key);
    if (!h) this.histories.set(key, (h = newHistory()));
    return h;
  }

  private async reconcile(hpa: HorizontalPodAutoscaler, key: string, signal: AbortSignal): Promise<void> {
    const namespace = hpa.metadata?.namespace ?? '';
    const original = deepCopy(hpa.status ?? { desiredReplicas: 0 });
    const status: HorizontalPodAutoscalerStatus = deepCopy(original);
    const nowIso = formatTime(this.wallNow());
    const condition = (c: ConditionChange): void => setCondition(status, c, nowIso);
    const warn = (reason: string, message: string): void => this.ctx.recorder.event(hpa, 'Warning', reason, message);
    const ref = hpa.spec?.scaleTargetRef;
    const reference = `${ref?.kind ?? ''}/${namespace}/${ref?.name ?? ''}`;

    let target: ScaleTarget;
    try {
      target = await getScale(this.ctx.client, hpa, signal);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      warn('FailedGetScale', message);
      condition({ type: 'AbleToScale', status: 'False', reason: 'FailedGetScale', message: `the HPA controller was unable to get the target's current scale: ${message}` });
      await this.writeStatus(hpa, original, status);
      throw new Error(`failed to query scale subresource for ${reference}: ${message}`, { cause: err });
    }
    condition({ type: 'AbleToScale', status: 'True', reason: 'SucceededGetScale', message: "the HPA controller was able to get the target's current scale" });

    const history = this.history(key);
    const currentReplicas = target.scale.spec?.replicas ?? 0;
    const clockNow = this.ctx.clock.now();
    recordInitialRecommendation(history, currentReplicas, clockNow);
    const minReplicas = hpa.spec?.minReplicas ?? 1;
    const maxReplicas = hpa.spec?.maxReplicas ?? 0;
    let desiredReplicas = 0;
    let rescaleReason = '';
    let metricStatuses: MetricStatus[] = [];
    let rescale = true;
    let partialError: string | undefined;

    if (currentReplicas === 0 && minReplicas !== 0) {
      rescale = false;
      condition({ type: 'ScalingActive', status: 'False', reason: 'ScalingDisabled', message: 'scaling is disabled since the replica count of the target is zero' });
    } else if (currentReplicas > maxReplicas) {
      rescaleReason = 'Current number of replicas above Spec.MaxReplicas';
      desiredReplicas = maxReplicas;
    } else if (currentReplicas < minReplicas) {
      rescaleReason = 'Current number of replicas below Spec.MinReplicas';
      desiredReplicas = minReplicas;
    } else {
      const selected = this.selectPods(target, namespace, warn, condition);
      const outcome = selected.ok
        ? await replicasForMetrics(
            {
              hpa,
              namespace,
              currentReplicas,
              selector: target.scale.status?.selector ?? '',
              pods: selected.pods,
              source: this.source,
              options: this.calculator,
              nowMs: this.wallNow(),
              warn,
              signal,
            },
            hpa.spec?.metrics ?? [],
          )
        : { ok: false as const, statuses: [], error: selected.error, condition: undefined };
      metricStatuses = outcome.statuses;
      if (!outcome.ok) {
        if (outcome.condition) condition(outcome.condition);
        status.currentReplicas = currentReplicas;
        status.currentMetrics = metricStatuses.length ? metricStatuses : undefined;
        await this.writeStatus(hpa, original, status);
        warn('FailedComputeMetricsReplicas', outcome.error);
        throw new Error(`failed to compute desired number of replicas based on listed metrics for ${reference}: ${outcome.error}`);
      }
      condition(outcome.condition);
      partialError = outcome.partialError;
      desiredReplicas = outcome.replicas;
      if (desiredReplicas > currentReplicas) rescaleReason = `${outcome.metricName} above target`;
      if (desiredReplicas < currentReplicas) rescaleReason = 'All metrics below target';
      const args = { currentReplicas, desiredReplicas, minReplicas, maxReplicas, nowMs: clockNow };
      const normalized = hpa.spec?.behavior
        ? normalizeWithBehavior(history, args, hpa.spec.behavior, this.downscaleMs)
        : normalizeWithoutBehavior(history, args, this.downscaleMs);
      condition({ type: 'AbleToScale', status: 'True', ...normalized.ableToScale });
      condition({ type: 'ScalingLimited', ...normalized.scalingLimited });
      desiredReplicas = normalized.replicas;
      rescale = desiredReplicas !== currentReplicas;
    }

    if (rescale) {
      try {
        await updateScale(this.ctx.client, target, namespace, desiredReplicas, signal);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        warn('FailedRescale', `New size: ${desiredReplicas}; reason: ${rescaleReason}; error: ${message}`);
        condition({ type: 'AbleToScale', status: 'False', reason: 'FailedUpdateScale', message: `the HPA controller was unable to update the target scale: ${message}` });
        status.currentReplicas = currentReplicas;
        status.currentMetrics = metricStatuses.length ? metricStatuses : undefined;
        await this.writeStatus(hpa, original, status);
        throw new Error(`failed to rescale ${reference}: ${message}`, { cause: err });
      }
      condition({ type: 'AbleToScale', status: 'True', reason: 'SucceededRescale', message: `the HPA controller was able to update the target scale to ${desiredReplicas}` });
      this.ctx.recorder.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desiredReplicas}; reason: ${rescaleReason}`);
      storeScaleEvent(history, hpa.spec?.behavior, currentReplicas, desiredReplicas, clockNow, this.downscaleMs);
      status.lastScaleTime = nowIso;
    }
    status.currentReplicas = currentReplicas;
    status.desiredReplicas = desiredReplicas;
    status.currentMetrics = metricStatuses.length ? metricStatuses : undefined;
    await this.writeStatus(hpa, original, status);
    if (partialError) throw new Error(partialError);
  }

  /** The pods the scale's selector matches; the selector missing or invalid is reported as Kubernetes does. */
  private selectPods(
    target: ScaleTarget,
    namespace: string,
    warn: (reason: string, message: string) => void,
    condition: (c: ConditionChange) => void,
  ): { ok: true; pods: Pod[] } | { ok: false; error: string } {
    const text = target.scale.status?.selector ?? '';
    if (text === '') {
      warn('SelectorRequired', 'selector is required');
      condition({ type: 'ScalingActive', status: 'False', reason: 'InvalidSelector', message: "the HPA target's scale is missing a selector" });
      return { ok: false, error: 'selector is required' };
    }
    let selector: LabelMatcher;
    try {
      selector = parseLabelSelector(text);
    } catch (err) {
      const error = `couldn't convert selector into a corresponding internal selector object: ${err instanceof Error ? err.message : String(err)}`;
      warn('InvalidSelector', error);
      condition({ type: 'ScalingActive', status: 'False', reason: 'InvalidSelector', message: error });
      return { ok: false, error };
    }
    return { ok: true, pods: this.pods.cache.byIndex(NAMESPACE_INDEX, namespace).filter((p) => selector.matches(p.metadata?.labels)) };
  }

  private async writeStatus(hpa: HorizontalPodAutoscaler, original: HorizontalPodAutoscalerStatus, status: HorizontalPodAutoscalerStatus): Promise<void> {
    if (sameStatus(original, status)) return;
    try {
      await this.ctx.client.resource<HorizontalPodAutoscaler>(HPAS, hpa.metadata?.namespace).updateStatus({ ...hpa, status });
    } catch (err) {
      // Kubernetes logs a failed status write and carries on; the next period writes again.
      if (err instanceof ApiError && (err.code === 409 || err.code === 404)) {
        this.ctx.log.debug(`horizontalpodautoscaling: status of ${objectKey(hpa)}: ${err.message}`);
        return;
      }
      throw err;
    }
  }
}
