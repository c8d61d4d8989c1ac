// Usage over a window from two samples of one container or node, as metrics-server computes it:
// CPU is the increase of cumulative CPU time divided by the time between the samples, memory the
// working set of the newer sample, and the window runs from the older sample to the newer.

export interface MetricsPoint {
  /** When the kubelet took the sample, ms since the epoch. */
  timestampMs: number;
  /** When the container (or node) started, ms since the epoch; a change means a restart. */
  startTimeMs: number;
  /** Cumulative CPU time in core-nanoseconds (usageCoreNanoSeconds). */
  cumulativeCpuNs?: number;
  /** The kubelet's own rate (usageNanoCores), used only when there is no cumulative figure. */
  nanoCores?: number;
  workingSetBytes: number;
}

export interface ResourceUsage {
  /** Billionths of a core, truncated (metrics-server converts the rate to a whole uint64). */
  nanoCores: number;
  workingSetBytes: number;
  timestampMs: number;
  windowMs: number;
}

/**
 * The usage between `prev` and `last`, or undefined when the pair gives none: no time passed,
 * the cumulative counter went down (metrics-server's "unexpected decrease in cumulative CPU
 * usage value"), or there is no CPU figure at all.
 */
export function resourceUsage(last: MetricsPoint, prev: MetricsPoint): ResourceUsage | undefined {
  const windowMs = last.timestampMs - prev.timestampMs;
  if (windowMs <= 0) return undefined;
  let nanoCores: number;
  if (last.cumulativeCpuNs !== undefined && prev.cumulativeCpuNs !== undefined) {
    if (last.cumulativeCpuNs < prev.cumulativeCpuNs) return undefined;
    nanoCores = Math.floor(((last.cumulativeCpuNs - prev.cumulativeCpuNs) * 1000) / windowMs);
  } else if (last.nanoCores !== undefined) {
    nanoCores = Math.floor(last.nanoCores);
  } else {
    return undefined;
  }
  return { nanoCores, workingSetBytes: last.workingSetBytes, timestampMs: last.timestampMs, windowMs };
}

/** A window as Go prints a time.Duration (metav1.Duration's JSON form): `15s`, `1m0.5s`, `500ms`. */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  if (rest < 1000) return `${sign}${trimFraction(rest)}ms`;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = `${trimFraction(rest / 1000)}s`;
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}`;
  return `${sign}${seconds}`;
}

function trimFraction(n: number): string {
  return n.toFixed(9).replace(/\.?0+$/, '');
}
