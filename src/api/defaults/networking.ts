// networking.k8s.io/v1 and discovery.k8s.io/v1 defaults (Kubernetes v1.33). An Ingress's
// pathType is required, not defaulted.
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress, NetworkPolicy, NetworkPolicyPort } from 'kubernetes-types/networking/v1.js';

/** IngressLoadBalancerStatus is a value type in Go: an empty one serializes as `loadBalancer: {}`. */
export function defaultIngress(ing: Ingress): void {
  const status = (ing.status ??= {});
  status.loadBalancer ??= {};
}

function defaultPolicyPorts(ports: NetworkPolicyPort[] | undefined): void {
  for (const p of ports ?? []) if (!p.protocol) p.protocol = 'TCP';
}

export function defaultNetworkPolicy(np: NetworkPolicy): void {
  np.spec ??= { podSelector: {} };
  const spec = np.spec;
  for (const r of spec.ingress ?? []) defaultPolicyPorts(r.ports);
  for (const r of spec.egress ?? []) defaultPolicyPorts(r.ports);
  // A policy without policyTypes applies to ingress, and to egress when it has egress rules.
  if (!spec.policyTypes?.length) {
    spec.policyTypes = ['Ingress'];
    if (spec.egress?.length) spec.policyTypes.push('Egress');
  }
}

export function defaultEndpointSlice(es: EndpointSlice): void {
  for (const p of es.ports ?? []) {
    p.name ??= '';
    if (!p.protocol) p.protocol = 'TCP';
  }
}
