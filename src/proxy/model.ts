// What the proxy serves, derived from Services and EndpointSlices (pure): one ServicePort per
// (service, port) with its frontends (cluster IPs, node port, load-balancer and external IPs)
// and its IPv4 endpoints. Both proxy modes and their tests work from this shape only.
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface ProxyEndpoint {
  ip: string;
  port: number;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  /** On this proxy's node (endpoint.nodeName). */
  local: boolean;
}

export interface ServicePort {
  /** "namespace/name:portName", or "namespace/name" for an unnamed port, as kube-proxy names a service port. */
  id: string;
  namespace: string;
  name: string;
  portName: string;
  protocol: Protocol;
  clusterIPs: string[];
  port: number;
  nodePort?: number;
  /** status.loadBalancer.ingress[].ip of a LoadBalancer service. */
  loadBalancerIPs: string[];
  externalIPs: string[];
  externalTrafficPolicy: 'Cluster' | 'Local';
  internalTrafficPolicy: 'Cluster' | 'Local';
  /** Set only for sessionAffinity ClientIP (default 10800 s, as Kubernetes defaults it). */
  affinityTimeoutSeconds?: number;
  endpoints: ProxyEndpoint[];
}

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const DEFAULT_AFFINITY_SECONDS = 10800;

const isIPv4 = (ip: string): boolean => /^\d{1,3}(\.\d{1,3}){3}$/.test(ip);

/**
 * Service ports in a stable order (by id). Headless and ExternalName services have nothing to
 * proxy and are left out; so are IPv6 addresses (the proxy is IPv4 only).
 */
export function buildServicePorts(services: readonly Service[], slices: readonly EndpointSlice[], nodeName: string): ServicePort[] {
  const slicesByService = new Map<string, EndpointSlice[]>();
  for (const s of slices) {
    const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!svc || s.addressType !== 'IPv4') continue;
    const key = `${s.metadata?.namespace ?? ''}/${svc}`;
    const list = slicesByService.get(key) ?? [];
    list.push(s);
    slicesByService.set(key, list);
  }
  const out: ServicePort[] = [];
  for (const svc of services) {
    const spec = svc.spec;
    if (!spec || spec.type === 'ExternalName') continue;
    const clusterIPs = (spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : []).filter(isIPv4);
    if (spec.clusterIP === 'None') continue;
    const namespace = svc.metadata?.namespace ?? '';
    const name = svc.metadata?.name ?? '';
    const svcSlices = slicesByService.get(`${namespace}/${name}`) ?? [];
    const lbIPs = spec.type === 'LoadBalancer' ? (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '').filter(isIPv4) : [];
    for (const p of spec.ports ?? []) {
      const portName = p.name ?? '';
      const protocol = (p.protocol ?? 'TCP') as Protocol;
      const sp: ServicePort = {
        id: portName ? `${namespace}/${name}:${portName}` : `${namespace}/${name}`,
        namespace,
        name,
        portName,
        protocol,
        clusterIPs,
        port: p.port,
        loadBalancerIPs: lbIPs,
        externalIPs: (spec.externalIPs ?? []).filter(isIPv4),
        externalTrafficPolicy: spec.externalTrafficPolicy === 'Local' ? 'Local' : 'Cluster',
        internalTrafficPolicy: spec.internalTrafficPolicy === 'Local' ? 'Local' : 'Cluster',
        endpoints: endpointsFor(svcSlices, portName, protocol, nodeName),
      };
      if ((spec.type === 'NodePort' || spec.type === 'LoadBalancer') && p.nodePort) sp.nodePort = p.nodePort;
      if (spec.sessionAffinity === 'ClientIP') {
        sp.affinityTimeoutSeconds = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS;
      }
      out.push(sp);
    }
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.protocol.localeCompare(b.protocol)));
}

function endpointsFor(slices: readonly EndpointSlice[], portName: string, protocol: Protocol, nodeName: string): ProxyEndpoint[] {
  const seen = new Map<string, ProxyEndpoint>();
  for (const slice of slices) {
    const port = (slice.ports ?? []).find((p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP') === protocol);
    if (port?.port === undefined) continue;
    for (const ep of slice.endpoints ?? []) {
      const ip = ep.addresses[0];
      if (!ip || !isIPv4(ip)) continue;
      const key = `${ip}:${port.port}`;
      if (seen.has(key)) continue;
      // Unset conditions mean ready/serving (discovery/v1 says consumers should assume so).
      const ready = ep.conditions?.ready ?? true;
      seen.set(key, {
        ip,
        port: port.port,
        ready,
        serving: ep.conditions?.serving ?? ready,
        terminating: ep.conditions?.terminating ?? false,
        local: ep.nodeName === nodeName,
      });
    }
  }
  return [...seen.values()].sort((a, b) => compareIp(a.ip, b.ip) || a.port - b.port);
}

function compareIp(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The endpoints traffic may go to, as kube-proxy picks them: the ready ones (of this node only
 * when `localOnly`); when none is ready, the serving-but-terminating ones, so connections keep
 * working while a rollout replaces the last pods.
 */
export function usableEndpoints(endpoints: readonly ProxyEndpoint[], options: { localOnly: boolean }): ProxyEndpoint[] {
  const candidates = options.localOnly ? endpoints.filter((e) => e.local) : endpoints;
  const ready = candidates.filter((e) => e.ready);
  if (ready.length > 0) return ready;
  return candidates.filter((e) => e.serving && e.terminating);
}
