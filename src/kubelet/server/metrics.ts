// /metrics in the Prometheus text format (version 0.0.4): a few of the kubelet's own series,
// computed from the runtime at scrape time plus the request counter the server keeps.
import { labelValue } from '../../api/prometheus-text.js';
import type { ContainerRuntime } from '../runtime/runtime.js';

export class RequestCounter {
  private readonly counts = new Map<string, number>();

  add(method: string, path: string): void {
    const key = `${method}\u0000${path}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  entries(): { method: string; path: string; count: number }[] {
    return [...this.counts].map(([k, count]) => {
      const [method = '', path = ''] = k.split('\u0000');
      return { method, path, count };
    });
  }
}


export async function renderMetrics(runtime: ContainerRuntime, requests: RequestCounter): Promise<string> {
  const [sandboxes, containers] = await Promise.all([runtime.listPodSandboxes(), runtime.listContainers()]);
  const byState = new Map<string, number>([
    ['created', 0],
    ['running', 0],
    ['exited', 0],
    ['unknown', 0],
  ]);
  for (const c of containers) byState.set(c.state, (byState.get(c.state) ?? 0) + 1);
  const lines = [
    '# HELP kubelet_running_pods Number of pods that have a running pod sandbox',
    '# TYPE kubelet_running_pods gauge',
    `kubelet_running_pods ${sandboxes.filter((s) => s.state === 'ready').length}`,
    '# HELP kubelet_running_containers Number of containers currently running',
    '# TYPE kubelet_running_containers gauge',
    ...[...byState].map(([state, n]) => `kubelet_running_containers{container_state="${labelValue(state)}"} ${n}`),
    '# HELP kubelet_http_requests_total Number of the http requests received since the server started',
    '# TYPE kubelet_http_requests_total counter',
    ...requests.entries().map((e) => `kubelet_http_requests_total{method="${labelValue(e.method)}",path="${labelValue(e.path)}",server_type="readwrite"} ${e.count}`),
  ];
  return `${lines.join('\n')}\n`;
}
