// The records of the cluster zone, as CoreDNS's kubernetes plugin serves them:
//   <svc>.<ns>.svc.<zone>                  A: the ClusterIP, or the ready endpoint IPs of a headless Service
//                                          CNAME: an ExternalName Service's target
//   <host>.<svc>.<ns>.svc.<zone>           A: the endpoint with that hostname (StatefulSet pods) or dashed IP
//   _<port>._<proto>.<svc>.<ns>.svc.<zone> SRV: per named port (per endpoint when headless)
//   <a-b-c-d>.<ns>.pod.<zone>              A: a pod with that IP in that namespace
//   d.c.b.a.in-addr.arpa                   PTR: a Service's ClusterIP (others are forwarded)
// A name that exists without records of the asked type is NODATA (NOERROR, SOA in authority);
// a name that does not exist is NXDOMAIN.
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { CLASS_IN, RRType, type Question, type ResourceRecord } from './message.js';

/** CoreDNS's kubernetes plugin default. */
export const TTL_SECONDS = 5;

/** What the resolver reads; the server backs it with informer caches. */
export interface ClusterView {
  service(namespace: string, name: string): Service | undefined;
  /** Whether any Service lives in the namespace (then `<ns>.svc.<zone>` exists). */
  hasServices(namespace: string): boolean;
  serviceByClusterIp(ip: string): Service | undefined;
  endpointSlices(namespace: string, service: string): EndpointSlice[];
  podByIp(namespace: string, ip: string): Pod | undefined;
}

export type Resolution =
  | { kind: 'answer'; answers: ResourceRecord[]; additionals: ResourceRecord[] }
  | { kind: 'nodata' }
  | { kind: 'nxdomain' }
  /** Not the cluster's to answer: ask the upstream resolvers. */
  | { kind: 'forward' };

const NODATA: Resolution = { kind: 'nodata' };
const NXDOMAIN: Resolution = { kind: 'nxdomain' };

/** The SOA record that authority sections carry for the zone. */
export function soaRecord(zone: string): ResourceRecord {
  return {
    name: zone,
    type: RRType.SOA,
    class: CLASS_IN,
    ttl: TTL_SECONDS,
    data: { kind: 'SOA', mname: `ns.dns.${zone}`, rname: `hostmaster.${zone}`, serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum: TTL_SECONDS },
  };
}

export function resolveCluster(q: Question, view: ClusterView, zone: string): Resolution {
  const name = q.name.toLowerCase();
  const z = zone.toLowerCase();
  if (name.endsWith('.in-addr.arpa')) return q.type === RRType.PTR ? reverse(name, view, zone) : { kind: 'forward' };
  if (name !== z && !name.endsWith(`.${z}`)) return { kind: 'forward' };
  if (name === z) {
    if (q.type === RRType.SOA) return { kind: 'answer', answers: [soaRecord(zone)], additionals: [] };
    return NODATA;
  }
  const labels = name.slice(0, -(z.length + 1)).split('.');
  const kind = labels.pop();
  if (kind === 'svc') return serviceName(q, labels, view, zone);
  if (kind === 'pod') return podName(q, labels, view);
  return NXDOMAIN;
}

function serviceName(q: Question, labels: string[], view: ClusterView, zone: string): Resolution {
  if (labels.length === 0) return NODATA;
  const ns = labels[labels.length - 1] as string;
  if (labels.length === 1) return view.hasServices(ns) ? NODATA : NXDOMAIN;
  const svcName = labels[labels.length - 2] as string;
  const svc = view.service(ns, svcName);
  if (!svc) return NXDOMAIN;
  const base = `${svcName}.${ns}.svc.${zone}`;
  if (labels.length === 2) return serviceRecords(q, svc, base, view);
  if (labels.length === 3) return endpointRecord(q, svc, labels[0] as string, base, view);
  if (labels.length === 4) {
    const [port, proto] = labels as [string, string];
    if (!port.startsWith('_') || !proto.startsWith('_')) return NXDOMAIN;
    return srvRecords(q, svc, base, view, { port: port.slice(1), proto: proto.slice(1) });
  }
  return NXDOMAIN;
}

function serviceRecords(q: Question, svc: Service, base: string, view: ClusterView): Resolution {
  const spec = svc.spec ?? {};
  if (spec.type === 'ExternalName') {
    if (!spec.externalName) return NXDOMAIN;
    const cname = rr(q.name, RRType.CNAME, { kind: 'NAME', target: spec.externalName.replace(/\.$/, '') });
    return { kind: 'answer', answers: [cname], additionals: [] };
  }
  if (q.type === RRType.SRV) return srvRecords(q, svc, base, view, undefined);
  const headless = spec.clusterIP === 'None';
  const ips = headless ? readyEndpoints(view, svc).map((e) => e.ip) : (spec.clusterIPs ?? [spec.clusterIP ?? '']).filter((ip) => ip !== '');
  // A headless Service without ready endpoints has no name yet, as in CoreDNS.
  if (headless && ips.length === 0) return NXDOMAIN;
  return addressAnswer(q, ips);
}

function endpointRecord(q: Question, svc: Service, host: string, base: string, view: ClusterView): Resolution {
  if (svc.spec?.clusterIP !== 'None') return NXDOMAIN;
  const matches = readyEndpoints(view, svc).filter((e) => e.name === host);
  if (matches.length === 0) return NXDOMAIN;
  return addressAnswer(q, matches.map((e) => e.ip));
}

function srvRecords(q: Question, svc: Service, base: string, view: ClusterView, want: { port: string; proto: string } | undefined): Resolution {
  const ports = (svc.spec?.ports ?? []).filter(
    (p) => p.name && (!want || (p.name.toLowerCase() === want.port && (p.protocol ?? 'TCP').toLowerCase() === want.proto)),
  );
  if (want && ports.length === 0) return NXDOMAIN;
  if (q.type !== RRType.SRV) return NODATA;
  const owner = q.name;
  const answers: ResourceRecord[] = [];
  const additionals: ResourceRecord[] = [];
  if (svc.spec?.clusterIP === 'None') {
    const endpoints = readyEndpoints(view, svc);
    const weight = endpoints.length > 0 ? Math.max(1, Math.floor(100 / endpoints.length)) : 0;
    for (const p of ports) {
      for (const e of endpoints) {
        const target = `${e.name}.${base}`;
        answers.push(rr(owner, RRType.SRV, { kind: 'SRV', priority: 0, weight, port: e.ports.get(p.name ?? '') ?? p.port, target }));
        additionals.push(rr(target, RRType.A, { kind: 'A', address: e.ip }));
      }
    }
  } else {
    const ip = svc.spec?.clusterIP;
    for (const p of ports) answers.push(rr(owner, RRType.SRV, { kind: 'SRV', priority: 0, weight: 100, port: p.port, target: base }));
    if (ip && answers.length > 0) additionals.push(rr(base, RRType.A, { kind: 'A', address: ip }));
  }
  if (answers.length === 0) return NODATA;
  return { kind: 'answer', answers, additionals: dedupe(additionals) };
}

function podName(q: Question, labels: string[], view: ClusterView): Resolution {
  if (labels.length === 0) return NODATA;
  const ns = labels[labels.length - 1] as string;
  if (labels.length !== 2) return labels.length === 1 ? NODATA : NXDOMAIN;
  const ip = (labels[0] as string).replace(/-/g, '.');
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip) || !view.podByIp(ns, ip)) return NXDOMAIN;
  return addressAnswer(q, [ip]);
}

function reverse(name: string, view: ClusterView, zone: string): Resolution {
  const parts = name.slice(0, -'.in-addr.arpa'.length).split('.');
  if (parts.length !== 4) return { kind: 'forward' };
  const ip = parts.reverse().join('.');
  const svc = view.serviceByClusterIp(ip);
  if (!svc?.metadata?.name || !svc.metadata.namespace) return { kind: 'forward' };
  const target = `${svc.metadata.name}.${svc.metadata.namespace}.svc.${zone}`;
  return { kind: 'answer', answers: [rr(name, RRType.PTR, { kind: 'NAME', target })], additionals: [] };
}

/** A records for IPv4 addresses; a name with only addresses of the other family is NODATA. */
function addressAnswer(q: Question, ips: string[]): Resolution {
  if (q.type !== RRType.A && q.type !== RRType.ANY) return NODATA;
  const name = q.name;
  const answers = [...new Set(ips.filter((ip) => /^\d+\.\d+\.\d+\.\d+$/.test(ip)))].map((ip) => rr(name, RRType.A, { kind: 'A', address: ip }));
  return answers.length > 0 ? { kind: 'answer', answers, additionals: [] } : NODATA;
}

interface ReadyEndpoint {
  ip: string;
  /** The endpoint's hostname, else its IP with dashes. */
  name: string;
  /** Port name → port number of this endpoint's slice. */
  ports: Map<string, number>;
}

function readyEndpoints(view: ClusterView, svc: Service): ReadyEndpoint[] {
  const ns = svc.metadata?.namespace ?? '';
  const out = new Map<string, ReadyEndpoint>();
  for (const slice of view.endpointSlices(ns, svc.metadata?.name ?? '')) {
    if (slice.addressType !== 'IPv4') continue;
    const ports = new Map((slice.ports ?? []).map((p) => [p.name ?? '', p.port ?? 0] as const));
    for (const e of slice.endpoints ?? []) {
      if (e.conditions?.ready === false) continue;
      for (const ip of e.addresses) {
        const name = (e.hostname ?? ip.replace(/\./g, '-')).toLowerCase();
        out.set(`${name}/${ip}`, { ip, name, ports });
      }
    }
  }
  return [...out.values()].sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
}

function rr(name: string, type: number, data: ResourceRecord['data']): ResourceRecord {
  return { name, type, class: CLASS_IN, ttl: TTL_SECONDS, data };
}

function dedupe(records: ResourceRecord[]): ResourceRecord[] {
  const seen = new Set<string>();
  return records.filter((r) => {
    const k = `${r.name}|${r.type}|${JSON.stringify(r.data)}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
