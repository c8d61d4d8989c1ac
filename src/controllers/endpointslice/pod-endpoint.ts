// How one pod appears in a Service's EndpointSlices (pure): whether it appears at all, its
// conditions, and the ports each service port resolves to on it (Kubernetes v1.33 rules).
import type { Endpoint, EndpointPort } from 'kubernetes-types/discovery/v1.js';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import { isPodReady } from '../shared/pod-state.js';
import { findPort, shouldPodBeInEndpoints } from '../shared/service-endpoints.js';

export type AddressType = 'IPv4' | 'IPv6';

/** Slices list terminating pods too (with terminating: true); finished pods never. */
export function podBelongsInSlices(pod: Pod): boolean {
  return shouldPodBeInEndpoints(pod, { includeTerminating: true });
}

/** The pod's address of one family, if it has one. */
export function podAddress(pod: Pod, type: AddressType): string | undefined {
  const all = [...(pod.status?.podIPs ?? []).map((p) => p.ip ?? ''), pod.status?.podIP ?? ''].filter((ip) => ip !== '');
  return all.find((ip) => (type === 'IPv6' ? ip.includes(':') : !ip.includes(':')));
}

export function endpointPorts(pod: Pod, service: Service): EndpointPort[] {
  const out: EndpointPort[] = [];
  for (const sp of service.spec?.ports ?? []) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    const ep: EndpointPort = { name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP' };
    if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
    out.push(ep);
  }
  return out;
}

/**
 * ready: the pod may take new traffic (always, with publishNotReadyAddresses); serving: its
 * readiness regardless of termination; terminating: it is being deleted.
 */
export function podEndpoint(pod: Pod, service: Service, address: string): Endpoint {
  const serving = isPodReady(pod);
  const terminating = pod.metadata?.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
  const ready = service.spec?.publishNotReadyAddresses === true || (serving && !terminating);
  const ep: Endpoint = {
    addresses: [address],
    conditions: { ready, serving, terminating },
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid },
  };
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
  if (service.spec?.clusterIP === 'None' && pod.spec?.hostname && pod.spec.subdomain === service.metadata?.name) ep.hostname = pod.spec.hostname;
  return ep;
}
