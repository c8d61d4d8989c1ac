// How a raw replica recommendation becomes the replica count that is applied, as Kubernetes'
// podautoscaler (v1.33) normalizes it: first stabilized against the recent recommendations
// (the stabilization windows), then bounded by min/max replicas and the scaling rate. An HPA
// without `behavior` uses the older rules: a 5-minute scale-down window over recommendations
// and a scale-up rate of max(2 × current, 4). All times are Clock milliseconds.
import type { HorizontalPodAutoscalerBehavior, HPAScalingRules } from 'kubernetes-types/autoscaling/v2.js';

/** One recommendation the controller computed for an HPA, kept for the stabilization window. */
export interface Recommendation {
  atMs: number;
  replicas: number;
}

/** A rescale the controller made, kept while a scaling policy's period may count it. */
export interface ScaleEvent {
  atMs: number;
  change: number;
  outdated: boolean;
}

/** What the controller remembers about one HPA between syncs (in memory, as in Kubernetes). */
export interface ScalingHistory {
  recommendations: Recommendation[];
  scaleUpEvents: ScaleEvent[];
  scaleDownEvents: ScaleEvent[];
}

export function newHistory(): ScalingHistory {
  return { recommendations: [], scaleUpEvents: [], scaleDownEvents: [] };
}

/** A normalized count and the AbleToScale / ScalingLimited reasons that explain it. */
export interface Normalized {
  replicas: number;
  ableToScale: { reason: string; message: string };
  scalingLimited: { status: 'True' | 'False'; reason: string; message: string };
}

export interface NormalizeArgs {
  currentReplicas: number;
  /** The recommendation from the metrics, before normalization. */
  desiredReplicas: number;
  minReplicas: number;
  maxReplicas: number;
  nowMs: number;
}

const SCALE_UP_LIMIT_FACTOR = 2;
const SCALE_UP_LIMIT_MINIMUM = 4;
/** Kubernetes' --horizontal-pod-autoscaler-downscale-stabilization default. */
export const DEFAULT_DOWNSCALE_STABILIZATION_MS = 300_000;

const READY_FOR_NEW_SCALE = { reason: 'ReadyForNewScale', message: 'recommended size matches current size' };

/** Kubernetes seeds the history with the current size the first time it sees an HPA. */
export function recordInitialRecommendation(history: ScalingHistory, currentReplicas: number, nowMs: number): void {
  if (history.recommendations.length === 0) history.recommendations.push({ atMs: nowMs, replicas: currentReplicas });
}

/** Replaces the first sample older than the cutoff (Kubernetes reuses one slot), else appends. */
function record(history: ScalingHistory, replicas: number, nowMs: number, isOld: (r: Recommendation) => boolean): void {
  let oldIndex = -1;
  history.recommendations.forEach((r, i) => {
    if (isOld(r)) oldIndex = i;
  });
  const sample = { atMs: nowMs, replicas };
  if (oldIndex >= 0) history.recommendations[oldIndex] = sample;
  else history.recommendations.push(sample);
}

// ---- without behavior ----------------------------------------------------------------------

export function normalizeWithoutBehavior(history: ScalingHistory, args: NormalizeArgs, downscaleStabilizationMs: number): Normalized {
  const cutoff = args.nowMs - downscaleStabilizationMs;
  let stabilized = args.desiredReplicas;
  for (const r of history.recommendations) if (r.atMs >= cutoff && r.replicas > stabilized) stabilized = r.replicas;
  record(history, args.desiredReplicas, args.nowMs, (r) => r.atMs < cutoff);
  const ableToScale =
    stabilized !== args.desiredReplicas
      ? { reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' }
      : READY_FOR_NEW_SCALE;
  const bounded = boundWithoutBehavior(args.currentReplicas, stabilized, args.minReplicas, args.maxReplicas);
  return { replicas: bounded.replicas, ableToScale, scalingLimited: limited(bounded, stabilized) };
}

interface Bounded {
  replicas: number;
  reason: string;
  message: string;
}

function limited(b: Bounded, stabilized: number): Normalized['scalingLimited'] {
  return { status: b.replicas === stabilized ? 'False' : 'True', reason: b.reason, message: b.message };
}

const WITHIN_RANGE = { reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };

function boundWithoutBehavior(current: number, desired: number, hpaMin: number, hpaMax: number): Bounded {
  const scaleUpLimit = Math.max(SCALE_UP_LIMIT_FACTOR * current, SCALE_UP_LIMIT_MINIMUM);
  const [min, minMessage] =
    hpaMin === 0 ? [1, 'the desired replica count is zero'] : [hpaMin, 'the desired replica count is less than the minimum replica count'];
  const [max, maxReason, maxMessage] =
    hpaMax > scaleUpLimit
      ? [scaleUpLimit, 'ScaleUpLimit', 'the desired replica count is increasing faster than the maximum scale rate']
      : [hpaMax, 'TooManyReplicas', 'the desired replica count is more than the maximum replica count'];
  if (desired < min) return { replicas: min, reason: 'TooFewReplicas', message: minMessage };
  if (desired > max) return { replicas: max, reason: maxReason, message: maxMessage };
  return { replicas: desired, ...WITHIN_RANGE };
}

// ---- with behavior -------------------------------------------------------------------------

/**
 * The rules Kubernetes applies: the API server fills in a given `behavior`; the scale-down
 * window, when still unset, is the controller's own default (300 s).
 */
export function effectiveBehavior(behavior: HorizontalPodAutoscalerBehavior, downscaleStabilizationMs: number): Required<Pick<HorizontalPodAutoscalerBehavior, 'scaleUp' | 'scaleDown'>> {
  const up: HPAScalingRules = {
    stabilizationWindowSeconds: behavior.scaleUp?.stabilizationWindowSeconds ?? 0,
    selectPolicy: behavior.scaleUp?.selectPolicy ?? 'Max',
    policies: behavior.scaleUp?.policies ?? [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
  };
  const down: HPAScalingRules = {
    stabilizationWindowSeconds: behavior.scaleDown?.stabilizationWindowSeconds ?? Math.round(downscaleStabilizationMs / 1000),
    selectPolicy: behavior.scaleDown?.selectPolicy ?? 'Max',
    policies: behavior.scaleDown?.policies ?? [{ type: 'Percent', value: 100, periodSeconds: 15 }],
  };
  return { scaleUp: up, scaleDown: down };
}

export function normalizeWithBehavior(history: ScalingHistory, args: NormalizeArgs, behavior: HorizontalPodAutoscalerBehavior, downscaleStabilizationMs: number): Normalized {
  const rules = effectiveBehavior(behavior, downscaleStabilizationMs);
  const stabilized = stabilize(history, args, rules.scaleUp, rules.scaleDown);
  const ableToScale = stabilized.replicas !== args.desiredReplicas ? { reason: stabilized.reason, message: stabilized.message } : READY_FOR_NEW_SCALE;
  const bounded = boundWithBehavior(history, { ...args, desiredReplicas: stabilized.replicas }, rules.scaleUp, rules.scaleDown);
  return { replicas: bounded.replicas, ableToScale, scalingLimited: limited(bounded, stabilized.replicas) };
}

/**
 * The recommendation kept within the lowest recommendation of the scale-up window and the
 * highest of the scale-down window, starting from the current size.
 */
function stabilize(history: ScalingHistory, args: NormalizeArgs, up: HPAScalingRules, down: HPAScalingRules): Bounded {
  const upCutoff = args.nowMs - (up.stabilizationWindowSeconds ?? 0) * 1000;
  const downCutoff = args.nowMs - (down.stabilizationWindowSeconds ?? 0) * 1000;
  let upRecommendation = args.desiredReplicas;
  let downRecommendation = args.desiredReplicas;
  for (const r of history.recommendations) {
    if (r.atMs > upCutoff) upRecommendation = Math.min(r.replicas, upRecommendation);
    if (r.atMs > downCutoff) downRecommendation = Math.max(r.replicas, downRecommendation);
  }
  let replicas = args.currentReplicas;
  if (replicas < upRecommendation) replicas = upRecommendation;
  if (replicas > downRecommendation) replicas = downRecommendation;
  record(history, args.desiredReplicas, args.nowMs, (r) => r.atMs < upCutoff && r.atMs < downCutoff);
  return args.desiredReplicas >= args.currentReplicas
    ? { replicas, reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation' }
    : { replicas, reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' };
}

function boundWithBehavior(history: ScalingHistory, args: NormalizeArgs, up: HPAScalingRules, down: HPAScalingRules): Bounded {
  const { currentReplicas: current, desiredReplicas: desired } = args;
  if (desired > current) {
    const limit = Math.max(scaleUpLimit(current, history, up, args.nowMs), current);
    const [max, reason, message] =
      args.maxReplicas > limit
        ? [limit, 'ScaleUpLimit', 'the desired replica count is increasing faster than the maximum scale rate']
        : [args.maxReplicas, 'TooManyReplicas', 'the desired replica count is more than the maximum replica count'];
    if (desired > max) return { replicas: max, reason, message };
  } else if (desired < current) {
    const limit = Math.min(scaleDownLimit(current, history, down, args.nowMs), current);
    const [min, reason, message] =
      args.minReplicas < limit
        ? [limit, 'ScaleDownLimit', 'the desired replica count is decreasing faster than the maximum scale rate']
        : [args.minReplicas, 'TooFewReplicas', 'the desired replica count is less than the minimum replica count'];
    if (desired < min) return { replicas: min, reason, message };
  }
  return { replicas: desired, ...WITHIN_RANGE };
}

function changeInPeriod(events: readonly ScaleEvent[], periodSeconds: number, nowMs: number): number {
  const cutoff = nowMs - periodSeconds * 1000;
  let sum = 0;
  for (const e of events) if (e.atMs > cutoff) sum += e.change;
  return sum;
}

/** The replica count at the start of the policy's period: now, less the changes made within it. */
function periodStart(current: number, history: ScalingHistory, periodSeconds: number, nowMs: number): number {
  return current - changeInPeriod(history.scaleUpEvents, periodSeconds, nowMs) + changeInPeriod(history.scaleDownEvents, periodSeconds, nowMs);
}

/** The most replicas the scale-up policies allow now, counted from each period's start. */
export function scaleUpLimit(current: number, history: ScalingHistory, rules: HPAScalingRules, nowMs: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pickMin = rules.selectPolicy === 'Min';
  let result = pickMin ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  for (const p of rules.policies ?? []) {
    const start = periodStart(current, history, p.periodSeconds, nowMs);
    const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = pickMin ? Math.min(result, proposed) : Math.max(result, proposed);
  }
  return result;
}

/** The fewest replicas the scale-down policies allow now; selectPolicy Min means the smallest change. */
export function scaleDownLimit(current: number, history: ScalingHistory, rules: HPAScalingRules, nowMs: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const smallestChange = rules.selectPolicy === 'Min';
  let result = smallestChange ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
  for (const p of rules.policies ?? []) {
    const start = periodStart(current, history, p.periodSeconds, nowMs);
    // Kubernetes truncates here (an int32 conversion), where scale-up rounds up.
    const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = smallestChange ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}

/**
 * Remembers a rescale for the rate policies (only with `behavior`, as Kubernetes). Events older
 * than the longest policy period are marked outdated and the last of them is reused.
 */
export function storeScaleEvent(history: ScalingHistory, behavior: HorizontalPodAutoscalerBehavior | undefined, previous: number, next: number, nowMs: number, downscaleStabilizationMs: number): void {
  if (!behavior) return;
  const rules = effectiveBehavior(behavior, downscaleStabilizationMs);
  const up = next > previous;
  const events = up ? history.scaleUpEvents : history.scaleDownEvents;
  const longest = Math.max(0, ...((up ? rules.scaleUp : rules.scaleDown).policies ?? []).map((p) => p.periodSeconds));
  const cutoff = nowMs - longest * 1000;
  let oldIndex = -1;
  events.forEach((e, i) => {
    if (e.atMs < cutoff) e.outdated = true;
    if (e.outdated) oldIndex = i;
  });
  const event = { atMs: nowMs, change: up ? next - previous : previous - next, outdated: false };
  if (oldIndex >= 0) events[oldIndex] = event;
  else events.push(event);
}
