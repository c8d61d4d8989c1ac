// The API server's /metrics, in the Prometheus text format (version 0.0.4), with the names and
// labels of Kubernetes' own series so that existing dashboards and alerts read them:
// - apiserver_request_total{verb,dry_run,group,version,resource,subresource,scope,component,code}
// - apiserver_request_duration_seconds (histogram, Kubernetes' buckets), from the request's
//   arrival (its wait in flow control included) to its end; a watch counts when it ends
// - apiserver_current_inflight_requests{request_kind}: requests executing now, long-running ones
//   (watches, exec/attach/port-forward/proxy) left out as Kubernetes leaves them out
// - apiserver_flowcontrol_current_inqueue_requests / _dispatched_requests_total{priority_level}
// - process_cpu_seconds_total, process_resident_memory_bytes, process_start_time_seconds
// Deviation: only resource requests (…/api/…, …/apis/…) are counted, not /healthz, /version,
// discovery or /openapi.
import type { IncomingMessage } from 'node:http';
import { labelValue } from '../api/prometheus-text.js';
import type { DispatcherStats } from './flow-control/dispatcher.js';
import type { RequestUrl } from './http/request-url.js';
import type { ResourceRoute } from './routing.js';

/** Kubernetes' apiserver_request_duration_seconds buckets (1.27+). */
const DURATION_BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

const READ_ONLY_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

export class ApiServerMetrics {
  /** Label text (without code) → status code → count. */
  private readonly requests = new Map<string, Map<number, number>>();
  private readonly durations = new Map<string, Histogram>();
  private readonly inflight = { readOnly: 0, mutating: 0 };
  private readonly startedAt = Date.now() / 1000;

  /** A resource request starts executing; the returned function records its end. */
  begin(req: IncomingMessage, url: RequestUrl, route: ResourceRoute, watch: boolean, arrivedAt: number): (code: number) => void {
    const verb = metricsVerb(req.method ?? 'GET', route, watch, req.headers['content-type']);
    const kind = verb === 'WATCH' || verb === 'CONNECT' ? undefined : READ_ONLY_METHODS.has(req.method ?? 'GET') ? 'readOnly' : 'mutating';
    if (kind) this.inflight[kind]++;
    const labels = requestLabels(route, verb, url.searchParams.get('dryRun') === 'All');
    let ended = false;
    return (code) => {
      if (ended) return;
      ended = true;
      if (kind) this.inflight[kind]--;
      let byCode = this.requests.get(labels);
      if (!byCode) this.requests.set(labels, (byCode = new Map()));
      byCode.set(code, (byCode.get(code) ?? 0) + 1);
      let h = this.durations.get(labels);
      if (!h) this.durations.set(labels, (h = { counts: DURATION_BUCKETS.map(() => 0), sum: 0, count: 0 }));
      const seconds = (performance.now() - arrivedAt) / 1000;
      const bucket = DURATION_BUCKETS.findIndex((le) => seconds <= le);
      if (bucket >= 0) h.counts[bucket] = (h.counts[bucket] ?? 0) + 1;
      h.sum += seconds;
      h.count++;
    };
  }

  render(flowControl: DispatcherStats): string {
    const out: string[] = [];
    const family = (name: string, type: string, help: string): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    };
    family('apiserver_request_total', 'counter', 'Resource requests answered, by verb, dry run, group, version, resource, subresource, scope and HTTP status code.');
    for (const [labels, byCode] of this.requests) for (const [code, n] of byCode) out.push(`apiserver_request_total{${labels},code="${code}"} ${n}`);
    family('apiserver_request_duration_seconds', 'histogram', 'Seconds from a resource request\'s arrival to its end, by verb, dry run, group, version, resource, subresource and scope.');
    for (const [labels, h] of this.durations) {
      let cumulative = 0;
      DURATION_BUCKETS.forEach((le, i) => {
        cumulative += h.counts[i] ?? 0;
        out.push(`apiserver_request_duration_seconds_bucket{${labels},le="${le}"} ${cumulative}`);
      });
      out.push(`apiserver_request_duration_seconds_bucket{${labels},le="+Inf"} ${h.count}`);
      out.push(`apiserver_request_duration_seconds_sum{${labels}} ${h.sum}`, `apiserver_request_duration_seconds_count{${labels}} ${h.count}`);
    }
    family('apiserver_current_inflight_requests', 'gauge', 'Resource requests executing now, read-only or mutating; watches and streams are not counted.');
    out.push(`apiserver_current_inflight_requests{request_kind="readOnly"} ${this.inflight.readOnly}`);
    out.push(`apiserver_current_inflight_requests{request_kind="mutating"} ${this.inflight.mutating}`);
    family('apiserver_flowcontrol_current_inqueue_requests', 'gauge', 'Requests waiting in flow control for their turn, by priority level.');
    for (const [level, n] of Object.entries(flowControl.queued)) out.push(`apiserver_flowcontrol_current_inqueue_requests{priority_level="${labelValue(level)}"} ${n}`);
    family('apiserver_flowcontrol_dispatched_requests_total', 'counter', 'Requests flow control has started after their wait, by priority level.');
    for (const [level, n] of Object.entries(flowControl.dispatched)) out.push(`apiserver_flowcontrol_dispatched_requests_total{priority_level="${labelValue(level)}"} ${n}`);
    const cpu = process.cpuUsage();
    family('process_cpu_seconds_total', 'counter', 'CPU time of this process, user and system, in seconds.');
    out.push(`process_cpu_seconds_total ${(cpu.user + cpu.system) / 1e6}`);
    family('process_resident_memory_bytes', 'gauge', 'Resident set size of this process in bytes.');
    out.push(`process_resident_memory_bytes ${process.memoryUsage.rss()}`);
    family('process_start_time_seconds', 'gauge', 'When this process started, in seconds since the Unix epoch.');
    out.push(`process_start_time_seconds ${this.startedAt}`);
    return `${out.join('\n')}\n`;
  }
}

/** Kubernetes' verb label: the HTTP method, with LIST, WATCH, APPLY and DELETECOLLECTION told apart. */
export function metricsVerb(method: string, route: ResourceRoute, watch: boolean, contentType: string | undefined): string {
  const collection = route.name === undefined;
  if (method === 'GET' || method === 'HEAD') return watch ? 'WATCH' : collection ? 'LIST' : 'GET';
  if (method === 'PATCH' && contentType?.startsWith('application/apply-patch')) return 'APPLY';
  if (method === 'DELETE' && collection) return 'DELETECOLLECTION';
  if (route.subresource && ['exec', 'attach', 'portforward', 'proxy'].includes(route.subresource)) return 'CONNECT';
  return method;
}

function requestLabels(route: ResourceRoute, verb: string, dryRun: boolean): string {
  const scope = route.name !== undefined ? 'resource' : route.namespace !== undefined ? 'namespace' : 'cluster';
  return (
    `component="apiserver",dry_run="${dryRun ? 'All' : ''}",group="${labelValue(route.group)}",resource="${labelValue(route.resource.plural)}",` +
    `scope="${scope}",subresource="${labelValue(route.subresource ?? '')}",verb="${verb}",version="${labelValue(route.version)}"`
  );
}
