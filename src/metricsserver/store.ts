// The samples between scrapes: for every node and container, only its last two points (what a
// rate needs; metrics-server keeps the same). Each stored batch replaces the previous one
// wholesale, so objects a scrape no longer reports are forgotten.
import { emptyBatch, podKey, type MetricsBatch } from './batch.js';
import { resourceUsage, type MetricsPoint, type ResourceUsage } from './rate.js';

interface Series {
  last: MetricsPoint;
  prev?: MetricsPoint;
}

export interface PodUsage {
  /** The earliest container timestamp, with its window (as metrics-server reports a pod). */
  timestampMs: number;
  windowMs: number;
  containers: { name: string; usage: ResourceUsage }[];
}

/**
 * A container that started less than one resolution ago (but at least this long ago) gets its
 * start as the earlier sample, with zero CPU used, so it has metrics after a single scrape, as
 * metrics-server does for fresh containers.
 */
export const FRESH_CONTAINER_MIN_MS = 10_000;

export class MetricsStore {
  private nodes = new Map<string, Series>();
  private pods = new Map<string, Map<string, Series>>();
  private stored = false;

  constructor(private readonly resolutionMs: number) {}

  /** True once a batch has been stored (metrics-server's readiness). */
  get ready(): boolean {
    return this.stored;
  }

  store(batch: MetricsBatch = emptyBatch()): void {
    const nodes = new Map<string, Series>();
    for (const [name, point] of batch.nodes) nodes.set(name, this.next(this.nodes.get(name), point));
    const pods = new Map<string, Map<string, Series>>();
    for (const [key, containers] of batch.pods) {
      const before = this.pods.get(key);
      const series = new Map<string, Series>();
      for (const [name, point] of containers) series.set(name, this.next(before?.get(name), point));
      pods.set(key, series);
    }
    this.nodes = nodes;
    this.pods = pods;
    this.stored = true;
  }

  node(name: string): ResourceUsage | undefined {
    const s = this.nodes.get(name);
    return s?.prev ? resourceUsage(s.last, s.prev) : undefined;
  }

  /** Undefined unless every container the pod last reported has a usage. */
  pod(namespace: string, name: string): PodUsage | undefined {
    const series = this.pods.get(podKey(namespace, name));
    if (!series) return undefined;
    const containers: PodUsage['containers'] = [];
    let earliest: ResourceUsage | undefined;
    for (const [container, s] of series) {
      const usage = s.prev ? resourceUsage(s.last, s.prev) : undefined;
      if (!usage) return undefined;
      containers.push({ name: container, usage });
      if (!earliest || usage.timestampMs < earliest.timestampMs) earliest = usage;
    }
    if (!earliest) return undefined;
    return { timestampMs: earliest.timestampMs, windowMs: earliest.windowMs, containers };
  }

  private next(before: Series | undefined, point: MetricsPoint): Series {
    if (before && before.last.startTimeMs === point.startTimeMs) {
      // The kubelet has not sampled again since the last scrape: keep the pair we have.
      if (point.timestampMs === before.last.timestampMs) return before;
      if (point.timestampMs > before.last.timestampMs) return { last: point, prev: before.last };
    }
    const fresh = this.freshStart(point);
    return fresh ? { last: point, prev: fresh } : { last: point };
  }

  private freshStart(point: MetricsPoint): MetricsPoint | undefined {
    const age = point.timestampMs - point.startTimeMs;
    if (point.cumulativeCpuNs === undefined || age < FRESH_CONTAINER_MIN_MS || age >= this.resolutionMs) return undefined;
    return { ...point, timestampMs: point.startTimeMs, cumulativeCpuNs: 0 };
  }
}
