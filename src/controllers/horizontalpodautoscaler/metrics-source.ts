// Where resource metrics come from: the resource metrics API (metrics.k8s.io/v1beta1
// PodMetrics, served by metrics-server or k8ts' own), behind an interface so tests inject
// samples. What the controller does with them follows Kubernetes' metrics client: a pod
// counts only when every container reports the resource; ContainerResource reads one container.
import type { ApiClient } from '../../client/client.js';
import { apiErrorFromResponse } from '../../client/status.js';
import { parseTime } from '../shared/wallclock.js';
import { milliValue, type Calculation, type PodMetrics } from './replica-calculator.js';

/** metrics.k8s.io/v1beta1 PodMetrics, as on the wire. */
export interface PodMetricsObject {
  metadata?: { name?: string; namespace?: string };
  /** RFC 3339: when the sample was taken. */
  timestamp?: string;
  /** A duration such as "15s" or "1m0.5s": the interval the usage was averaged over. */
  window?: string;
  containers?: { name: string; usage?: Record<string, string | number> }[];
}

export interface MetricsSource {
  /** The pods' metrics for a label selector (text form); rejects with the reason it failed. */
  podMetrics(namespace: string, labelSelector: string, signal?: AbortSignal): Promise<PodMetricsObject[]>;
}

/** The real source: GET /apis/metrics.k8s.io/v1beta1/namespaces/<ns>/pods through the API client. */
export function apiMetricsSource(client: ApiClient): MetricsSource {
  return {
    async podMetrics(namespace, labelSelector, signal) {
      const path = `/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(namespace)}/pods`;
      const res = await client.transport.request({ method: 'GET', path, query: { labelSelector: labelSelector || undefined }, accept: 'application/json', signal });
      if (res.status === 404) {
        // client-go's words for a 404 with no Status body, which is what an absent API answers.
        throw new Error('the server could not find the requested resource (get pods.metrics.k8s.io)');
      }
      if (res.status < 200 || res.status > 299) throw apiErrorFromResponse(res.status, res.body);
      const list = JSON.parse(Buffer.from(res.body).toString('utf8')) as { items?: PodMetricsObject[] };
      return list.items ?? [];
    },
  };
}

/** Go duration text (`30s`, `1m0s`, `1.5s`, `500ms`) in milliseconds; 0 when unparsable. */
export function durationMs(text: string | undefined): number {
  if (!text) return 0;
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  const re = /([0-9.]+)(ns|us|µs|ms|s|m|h)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) total += Number(m[1]) * (units[m[2] ?? ''] ?? 0);
  return Number.isFinite(total) ? total : 0;
}

/** One resource's usage per pod; with `container`, that container's (an error when it is absent). */
export function resourceMetrics(items: readonly PodMetricsObject[], resource: string, container: string): Calculation<PodMetrics> {
  if (items.length === 0) return { ok: false, error: 'no metrics returned from resource metrics API' };
  const metrics: PodMetrics = new Map();
  for (const item of items) {
    const name = item.metadata?.name ?? '';
    const at = { timestampMs: parseTime(item.timestamp) ?? 0, windowMs: durationMs(item.window) };
    const containers = item.containers ?? [];
    if (container !== '') {
      const c = containers.find((x) => x.name === container);
      if (!c) return { ok: false, error: `failed to get container metrics: container ${container} not present in metrics for pod ${item.metadata?.namespace ?? ''}/${name}` };
      const usage = c.usage?.[resource];
      if (usage !== undefined) metrics.set(name, { milli: milliValue(usage), ...at });
      continue;
    }
    if (containers.length === 0) continue;
    let sum = 0;
    let complete = true;
    for (const c of containers) {
      const usage = c.usage?.[resource];
      if (usage === undefined) {
        complete = false;
        break;
      }
      sum += milliValue(usage);
    }
    if (complete) metrics.set(name, { milli: sum, ...at });
  }
  return { ok: true, value: metrics };
}
