// The Service update rules Kubernetes applies before validation (its service strategy's
// dropTypeDependentFields and the REST storage's patchAllocatedValues): values a client left
// out are kept from the stored object, and values that only made sense for the old type go
// when the client changed the type without touching them.
import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../../api/object.js';
import { jsonEqual } from '../meta.js';
import { allocatesNodePorts, needsClusterIp, needsHealthCheckNodePort } from './service-fields.js';

export function prepareServiceUpdate(oldObj: KubeObject, nextObj: KubeObject): void {
  const old = oldObj as Service;
  const next = nextObj as Service;
  const spec = next.spec;
  const oldSpec = old.spec;
  if (!spec || !oldSpec) return;
  // A replace without the allocated values keeps them (kubectl replace, PUT of an edited manifest).
  if (needsClusterIp(old) && needsClusterIp(next) && !spec.clusterIP && !spec.clusterIPs?.length) {
    if (oldSpec.clusterIP !== undefined) spec.clusterIP = oldSpec.clusterIP;
    if (oldSpec.clusterIPs !== undefined) spec.clusterIPs = [...oldSpec.clusterIPs];
  }
  if (allocatesNodePorts(old) && allocatesNodePorts(next)) {
    const used = new Set((spec.ports ?? []).map((p) => p.nodePort).filter((n): n is number => !!n));
    const byName = new Map((oldSpec.ports ?? []).map((p) => [p.name ?? '', p.nodePort] as const));
    for (const p of spec.ports ?? []) {
      const previous = byName.get(p.name ?? '');
      if (!p.nodePort && previous && !used.has(previous)) p.nodePort = previous;
    }
  }
  if (needsHealthCheckNodePort(old) && needsHealthCheckNodePort(next) && !spec.healthCheckNodePort && oldSpec.healthCheckNodePort) {
    spec.healthCheckNodePort = oldSpec.healthCheckNodePort;
  }
  // Type changes: drop what the new type cannot have, unless the client set it anew.
  if (needsClusterIp(old) && !needsClusterIp(next) && spec.clusterIP !== 'None' && sameClusterIps(old, next)) {
    delete spec.clusterIP;
    delete spec.clusterIPs;
    if (spec.type === 'ExternalName') {
      delete spec.ipFamilies;
      delete spec.ipFamilyPolicy;
    }
  }
  if (allocatesNodePorts(old) && !allocatesNodePorts(next) && sameNodePorts(oldSpec.ports, spec.ports)) {
    for (const p of spec.ports ?? []) delete p.nodePort;
  }
  if (needsHealthCheckNodePort(old) && !needsHealthCheckNodePort(next) && spec.healthCheckNodePort === oldSpec.healthCheckNodePort) {
    delete spec.healthCheckNodePort;
  }
  const external = (t: string | undefined): boolean => t === 'NodePort' || t === 'LoadBalancer';
  if (external(oldSpec.type) && !external(spec.type) && spec.externalTrafficPolicy === oldSpec.externalTrafficPolicy) {
    delete spec.externalTrafficPolicy;
  }
  if (oldSpec.type === 'LoadBalancer' && spec.type !== 'LoadBalancer' && spec.allocateLoadBalancerNodePorts === oldSpec.allocateLoadBalancerNodePorts) {
    delete spec.allocateLoadBalancerNodePorts;
  }
}

function sameClusterIps(old: Service, next: Service): boolean {
  const a = next.spec?.clusterIPs?.length ? next.spec.clusterIPs : next.spec?.clusterIP ? [next.spec.clusterIP] : [];
  const b = old.spec?.clusterIPs?.length ? old.spec.clusterIPs : old.spec?.clusterIP ? [old.spec.clusterIP] : [];
  return a.length === 0 || jsonEqual(a, b);
}

/** True when every node port in `next` is the one the same-named port had before. */
function sameNodePorts(old: ServicePort[] | undefined, next: ServicePort[] | undefined): boolean {
  const before = new Map((old ?? []).map((p) => [p.name ?? '', p.nodePort] as const));
  return (next ?? []).every((p) => !p.nodePort || before.get(p.name ?? '') === p.nodePort);
}
