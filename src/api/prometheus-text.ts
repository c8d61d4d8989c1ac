// The Prometheus text exposition format (version 0.0.4), as the API server's and the
// kubelet's /metrics write it.

/** Its media type. */
export const PROMETHEUS_TEXT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** A label value as the format writes it: backslash, double quote and newline escaped. */
export function labelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
