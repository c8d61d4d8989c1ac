// Wall-clock time from the injected Clock. Object timestamps (startTime, completionTime,
// condition times) are wall time, while Clock only promises meaningful differences: a clock
// that already reads epoch milliseconds (a FakeClock started at a date) is used as is; one that
// reads process-relative milliseconds (performance.now) is anchored to Date.now() once.
import type { Clock } from '../../informer/clock.js';

/** 2001-09-09: no process-relative clock reads this high. */
const EPOCH_THRESHOLD_MS = 1e12;

export function wallClock(clock: Clock): () => number {
  const start = clock.now();
  const offset = start > EPOCH_THRESHOLD_MS ? 0 : Date.now() - start;
  return () => clock.now() + offset;
}

/** RFC 3339 with second precision, as metav1.Time serializes. */
export function formatTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Milliseconds of an RFC 3339 time; undefined when absent or unparsable. */
export function parseTime(s: string | undefined | null): number | undefined {
  if (!s) return undefined;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? undefined : ms;
}
