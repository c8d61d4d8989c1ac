// A pod's resolver configuration by dnsPolicy, as the kubelet writes it into the sandbox:
//   ClusterFirst (default)  cluster DNS, search <ns>.svc.<domain> svc.<domain> <domain> + host
//                           searches, options ndots:5 — or the host's config for hostNetwork
//                           pods and when no cluster DNS is configured
//   ClusterFirstWithHostNet as ClusterFirst, also for hostNetwork pods
//   Default                 the host's resolv.conf
//   None                    only the pod's dnsConfig
// then the pod's dnsConfig merged in (nameservers and searches appended, options by name).
import { readFileSync } from 'node:fs';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { DnsConfig } from './runtime/runtime.js';

/** Kubernetes' limits: at most 3 nameservers and 32 search domains. */
const MAX_NAMESERVERS = 3;
const MAX_SEARCHES = 32;

export interface ClusterDns {
  /** The cluster DNS Service IPs (kubelet --cluster-dns); empty → pods fall back to the host's config. */
  servers: string[];
  /** Kubelet --cluster-domain, e.g. "cluster.local". */
  domain: string;
  /** The host's resolver configuration. */
  host: DnsConfig;
}

export function parseHostResolvConf(text: string): DnsConfig {
  const out: DnsConfig = { servers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const [key, ...values] = raw.replace(/[#;].*$/, '').trim().split(/\s+/);
    if (key === 'nameserver' && values[0]) out.servers.push(values[0]);
    else if (key === 'search' || key === 'domain') out.searches = values.filter((v) => v !== '');
    else if (key === 'options') out.options.push(...values);
  }
  return out;
}

export function readHostResolvConf(path: string): DnsConfig {
  try {
    return parseHostResolvConf(readFileSync(path, 'utf8'));
  } catch {
    return { servers: [], searches: [], options: [] };
  }
}

export function podDnsConfig(pod: Pod, cluster: ClusterDns): DnsConfig {
  const spec = pod.spec ?? { containers: [] };
  const policy = spec.dnsPolicy ?? 'ClusterFirst';
  const hostNetwork = spec.hostNetwork === true;
  let base: DnsConfig;
  const useCluster = (policy === 'ClusterFirst' && !hostNetwork) || policy === 'ClusterFirstWithHostNet';
  if (policy === 'None') base = { servers: [], searches: [], options: [] };
  else if (useCluster && cluster.servers.length > 0) {
    const ns = pod.metadata?.namespace ?? 'default';
    const d = cluster.domain;
    base = { servers: [...cluster.servers], searches: [`${ns}.svc.${d}`, `svc.${d}`, d, ...cluster.host.searches], options: ['ndots:5'] };
  } else {
    base = { servers: [...cluster.host.servers], searches: [...cluster.host.searches], options: [...cluster.host.options] };
  }
  const extra = spec.dnsConfig;
  const servers = unique([...base.servers, ...(extra?.nameservers ?? [])]).slice(0, MAX_NAMESERVERS);
  const searches = unique([...base.searches, ...(extra?.searches ?? [])]).slice(0, MAX_SEARCHES);
  const options = mergeOptions(base.options, (extra?.options ?? []).map((o) => (o.value !== undefined ? `${o.name ?? ''}:${o.value}` : (o.name ?? ''))));
  return { servers, searches, options };
}

function unique(xs: string[]): string[] {
  return [...new Set(xs.filter((x) => x !== ''))];
}

/** Options by name, a later one replacing an earlier one of the same name in place. */
function mergeOptions(base: string[], extra: string[]): string[] {
  const out = new Map<string, string>();
  for (const o of [...base, ...extra]) {
    if (o === '' || o === ':') continue;
    out.set(o.split(':')[0] ?? o, o);
  }
  return [...out.values()];
}
