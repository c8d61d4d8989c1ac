// What a Service holds from the two ranges, read from its spec: the single source the
// allocator, its repair and the update rules all use.
import type { Service } from 'kubernetes-types/core/v1.js';

export function needsClusterIp(svc: Service): boolean {
  return svc.spec?.type !== 'ExternalName' && svc.spec?.clusterIP !== 'None';
}

/** Node ports are allocated for NodePort Services, and for LoadBalancer ones unless turned off. */
export function allocatesNodePorts(svc: Service): boolean {
  const type = svc.spec?.type;
  return type === 'NodePort' || (type === 'LoadBalancer' && svc.spec?.allocateLoadBalancerNodePorts !== false);
}

export function needsHealthCheckNodePort(svc: Service): boolean {
  return svc.spec?.type === 'LoadBalancer' && svc.spec.externalTrafficPolicy === 'Local';
}

/** Cluster IPs in the spec, "None" and empty values left out. */
export function heldClusterIps(svc: Service): string[] {
  if (svc.spec?.type === 'ExternalName') return [];
  const ips = svc.spec?.clusterIPs?.length ? svc.spec.clusterIPs : svc.spec?.clusterIP ? [svc.spec.clusterIP] : [];
  return ips.filter((ip) => ip !== '' && ip !== 'None');
}

/** Every node port the spec names, the health check node port included. */
export function heldNodePorts(svc: Service): Set<number> {
  const out = new Set<number>();
  for (const p of svc.spec?.ports ?? []) if (p.nodePort) out.add(p.nodePort);
  if (svc.spec?.healthCheckNodePort) out.add(svc.spec.healthCheckNodePort);
  return out;
}
