import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newHistory, normalizeWithBehavior, normalizeWithoutBehavior, recordInitialRecommendation, storeScaleEvent } from './behavior.js';

const DOWN = 300_000;

test('without behavior: scale-up is limited to max(2 × current, 4) and to maxReplicas', () => {
  const h = newHistory();
  recordInitialRecommendation(h, 1, 0);
  const n = normalizeWithoutBehavior(h, { currentReplicas: 1, desiredReplicas: 10, minReplicas: 1, maxReplicas: 20, nowMs: 0 }, DOWN);
  assert.equal(n.replicas, 4);
  assert.deepEqual(n.scalingLimited, { status: 'True', reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' });
  const m = normalizeWithoutBehavior(newHistory(), { currentReplicas: 4, desiredReplicas: 7, minReplicas: 1, maxReplicas: 5, nowMs: 0 }, DOWN);
  assert.equal(m.replicas, 5);
  assert.equal(m.scalingLimited.reason, 'TooManyReplicas');
});

test('without behavior: scale-down waits for the highest recommendation of the last 5 minutes', () => {
  const h = newHistory();
  recordInitialRecommendation(h, 5, 0);
  const args = { currentReplicas: 5, desiredReplicas: 2, minReplicas: 1, maxReplicas: 10 };
  let n = normalizeWithoutBehavior(h, { ...args, nowMs: 60_000 }, DOWN);
  assert.equal(n.replicas, 5);
  assert.deepEqual(n.ableToScale, { reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' });
  n = normalizeWithoutBehavior(h, { ...args, nowMs: 301_000 }, DOWN);
  assert.equal(n.replicas, 2);
  assert.equal(n.ableToScale.reason, 'ReadyForNewScale');
  assert.deepEqual(n.scalingLimited, { status: 'False', reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' });
});

test('behavior: default policies allow +4 pods or +100% per 15 s, whichever is more', () => {
  const h = newHistory();
  recordInitialRecommendation(h, 2, 0);
  const n = normalizeWithBehavior(h, { currentReplicas: 2, desiredReplicas: 20, minReplicas: 1, maxReplicas: 50, nowMs: 0 }, {}, DOWN);
  assert.equal(n.replicas, 6);
  assert.equal(n.scalingLimited.reason, 'ScaleUpLimit');
  storeScaleEvent(h, {}, 2, 6, 0, DOWN);
  // Within the same 15 s period the start is still 2 replicas: the limit stays 6.
  assert.equal(normalizeWithBehavior(h, { currentReplicas: 6, desiredReplicas: 20, minReplicas: 1, maxReplicas: 50, nowMs: 5_000 }, {}, DOWN).replicas, 6);
  // After it, 6 may double to 12.
  assert.equal(normalizeWithBehavior(h, { currentReplicas: 6, desiredReplicas: 20, minReplicas: 1, maxReplicas: 50, nowMs: 16_000 }, {}, DOWN).replicas, 12);
});

test('behavior: scale-down policy with selectPolicy Min takes the smallest change; Disabled never scales down', () => {
  const scaleDown = {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Min',
    policies: [
      { type: 'Pods', value: 1, periodSeconds: 60 },
      { type: 'Percent', value: 50, periodSeconds: 60 },
    ],
  };
  const n = normalizeWithBehavior(newHistory(), { currentReplicas: 10, desiredReplicas: 2, minReplicas: 1, maxReplicas: 20, nowMs: 0 }, { scaleDown }, DOWN);
  assert.equal(n.replicas, 9);
  assert.equal(n.scalingLimited.reason, 'ScaleDownLimit');
  const d = normalizeWithBehavior(newHistory(), { currentReplicas: 10, desiredReplicas: 2, minReplicas: 1, maxReplicas: 20, nowMs: 0 }, { scaleDown: { ...scaleDown, selectPolicy: 'Disabled' } }, DOWN);
  assert.equal(d.replicas, 10);
});

test('behavior: a scale-up stabilization window applies the lowest recent recommendation', () => {
  const h = newHistory();
  recordInitialRecommendation(h, 3, 0);
  const behavior = { scaleUp: { stabilizationWindowSeconds: 60 } };
  const n = normalizeWithBehavior(h, { currentReplicas: 3, desiredReplicas: 6, minReplicas: 1, maxReplicas: 10, nowMs: 30_000 }, behavior, DOWN);
  assert.equal(n.replicas, 3);
  assert.equal(n.ableToScale.reason, 'ScaleUpStabilized');
  assert.equal(normalizeWithBehavior(h, { currentReplicas: 3, desiredReplicas: 6, minReplicas: 1, maxReplicas: 10, nowMs: 61_000 }, behavior, DOWN).replicas, 6);
});
