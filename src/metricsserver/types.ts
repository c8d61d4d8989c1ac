// The wire objects of metrics.k8s.io/v1beta1 (k8s.io/metrics/pkg/apis/metrics/v1beta1), the
// Resource Metrics API that `kubectl top` and the HPA read. Usage maps hold quantities as text:
// CPU in cores (`250m`, `12345678n`), memory as the working set in bytes (`12056Ki`).

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
export const METRICS_GROUP_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`;

export interface Usage {
  cpu: string;
  memory: string;
}

export interface MetricsObjectMeta {
  name: string;
  namespace?: string;
  creationTimestamp: string;
  labels?: Record<string, string>;
}

export interface NodeMetrics {
  kind: 'NodeMetrics';
  apiVersion: typeof METRICS_GROUP_VERSION;
  metadata: MetricsObjectMeta;
  /** The end of the window the usage was measured over (RFC 3339). */
  timestamp: string;
  /** The window's length as a Go duration, e.g. `15.012s`. */
  window: string;
  usage: Usage;
}

export interface ContainerMetrics {
  name: string;
  usage: Usage;
}

export interface PodMetrics {
  kind: 'PodMetrics';
  apiVersion: typeof METRICS_GROUP_VERSION;
  metadata: MetricsObjectMeta;
  timestamp: string;
  window: string;
  containers: ContainerMetrics[];
}

export interface MetricsList<T extends NodeMetrics | PodMetrics> {
  kind: T extends NodeMetrics ? 'NodeMetricsList' : 'PodMetricsList';
  apiVersion: typeof METRICS_GROUP_VERSION;
  metadata: Record<string, never>;
  items: T[];
}
