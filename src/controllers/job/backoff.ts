// The delay before replacing failed pods: `base` after the first failure since the last
// success, doubling with each further one, capped at `max` (Kubernetes: 10 s and 6 min),
// counted from the last failure's finish time.

export interface BackoffRecord {
  failuresAfterLastSuccess: number;
  lastFailureTime: number;
}

export function recordOutcomes(
  prev: BackoffRecord | undefined,
  outcome: { newSucceeded: number; newFailureTimes: readonly number[] },
): BackoffRecord {
  const base = outcome.newSucceeded > 0 ? { failuresAfterLastSuccess: 0, lastFailureTime: 0 } : (prev ?? { failuresAfterLastSuccess: 0, lastFailureTime: 0 });
  if (outcome.newFailureTimes.length === 0) return base;
  return {
    failuresAfterLastSuccess: base.failuresAfterLastSuccess + outcome.newFailureTimes.length,
    lastFailureTime: Math.max(base.lastFailureTime, ...outcome.newFailureTimes),
  };
}

/** Milliseconds still to wait before creating pods; 0 when none. */
export function remainingBackoffMs(record: BackoffRecord | undefined, now: number, baseMs: number, maxMs: number): number {
  if (!record || record.failuresAfterLastSuccess === 0) return 0;
  const delay = Math.min(maxMs, baseMs * 2 ** (record.failuresAfterLastSuccess - 1));
  return Math.max(0, record.lastFailureTime + delay - now);
}
