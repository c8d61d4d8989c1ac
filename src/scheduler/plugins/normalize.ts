// Score normalization shared by several plugins (kube-scheduler's helper.DefaultNormalizeScore).
import { MAX_NODE_SCORE } from '../framework.js';

/** Scales scores to 0–100 by the maximum (integer division); `reverse` makes fewer better. */
export function defaultNormalizeScore(scores: number[], opts: { reverse: boolean }): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  if (max === 0) {
    if (opts.reverse) scores.fill(MAX_NODE_SCORE);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    const s = Math.trunc((MAX_NODE_SCORE * (scores[i] as number)) / max);
    scores[i] = opts.reverse ? MAX_NODE_SCORE - s : s;
  }
}
