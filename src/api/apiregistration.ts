// apiregistration.k8s.io/v1 APIService (kube-aggregator's API; kubernetes-types does not carry
// it): which server serves one group/version — this one (no `service`) or an extension API
// server behind a Service — and whether it is Available.

export interface ServiceReference {
  namespace?: string;
  name?: string;
  /** Defaulted to 443. */
  port?: number;
}

export interface APIServiceSpec {
  /** Absent: served by this API server ("Local"). */
  service?: ServiceReference | null;
  group?: string;
  version?: string;
  insecureSkipTLSVerify?: boolean;
  /** Base64 PEM of the CA that signed the backend's serving certificate. */
  caBundle?: string;
  groupPriorityMinimum?: number;
  versionPriority?: number;
}

export interface APIServiceCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface APIService {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; labels?: Record<string, string>; creationTimestamp?: string; [k: string]: unknown };
  spec?: APIServiceSpec;
  status?: { conditions?: APIServiceCondition[] };
}

export const APIREGISTRATION_GROUP = 'apiregistration.k8s.io';

/** The label kube-apiserver puts on the APIServices it creates for its own groups at start. */
export const AUTOMANAGED_LABEL = 'kube-aggregator.kubernetes.io/automanaged';

/** `<version>.<group>`, the only name an APIService may have ("v1." for the core group). */
export function apiServiceName(group: string, version: string): string {
  return `${version}.${group}`;
}
