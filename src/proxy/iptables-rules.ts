// iptables rules for service ports (pure), in kube-proxy's chain layout with a K8TS- prefix so
// they never collide with a real kube-proxy on the same machine:
//
//   nat  PREROUTING, OUTPUT ─▶ K8TS-SERVICES ─┬▶ K8TS-SVC-<h>  (cluster IP; all usable endpoints)
//                                             ├▶ K8TS-EXT-<h>  (load-balancer / external IP)
//                                             └▶ K8TS-NODEPORTS ─▶ K8TS-EXT-<h>
//        K8TS-EXT-<h> ─▶ K8TS-SVC-<h> (Cluster) or K8TS-SVL-<h> (Local: this node's endpoints)
//        K8TS-SVC/SVL-<h> ─(random, or recent for ClientIP affinity)─▶ K8TS-SEP-<h> ─▶ DNAT
//        POSTROUTING ─▶ K8TS-POSTROUTING: MASQUERADE what K8TS-MARK-MASQ marked
//   filter INPUT, FORWARD, OUTPUT ─▶ K8TS-SERVICES / K8TS-EXTERNAL-SERVICES: REJECT (no endpoints)
//        or DROP (no local endpoints) for traffic the nat table left un-DNAT'ed; FORWARD ─▶
//        K8TS-FORWARD accepts marked and established traffic.
//
// Masquerading: traffic to a cluster IP from outside the cluster CIDR, all traffic arriving
// through a node port / load balancer with policy Cluster, and hairpin traffic (an endpoint
// reaching itself through its service) — so replies come back through this node.
import { createHash } from 'node:crypto';
import { usableEndpoints, type ProxyEndpoint, type ServicePort } from './model.js';

export type Table = 'nat' | 'filter';

/** Rules per chain, per table; chain order is the order chains are written in. */
export type RuleSet = Record<Table, Map<string, string[]>>;

/** A jump from a built-in chain into a k8ts chain, kept in place with `iptables -C/-I`. */
export interface Jump {
  table: Table;
  chain: string;
  /** The rule spec after `-A <chain>`, as iptables arguments. */
  args: string[];
}

export interface RuleOptions {
  /** Pod addresses; traffic from elsewhere to a cluster IP is masqueraded. Default 10.42.0.0/16. */
  clusterCIDR?: string;
  /** Bit marking packets to masquerade; default 0x4000 as kube-proxy. */
  masqueradeBit?: number;
}

export const PROXY_CHAIN_PREFIXES = ['K8TS-SERVICES', 'K8TS-EXTERNAL-SERVICES', 'K8TS-NODEPORTS', 'K8TS-POSTROUTING', 'K8TS-MARK-MASQ', 'K8TS-FORWARD', 'K8TS-SVC-', 'K8TS-SVL-', 'K8TS-EXT-', 'K8TS-SEP-'] as const;

/** True for chains the proxy owns (and may delete). */
export function isProxyChain(name: string): boolean {
  return PROXY_CHAIN_PREFIXES.some((p) => (p.endsWith('-') ? name.startsWith(p) : name === p));
}

const comment = (text: string): string => `-m comment --comment "${text}"`;

export const PROXY_JUMPS: readonly Jump[] = [
  { table: 'nat', chain: 'PREROUTING', args: ['-m', 'comment', '--comment', 'k8ts service portals', '-j', 'K8TS-SERVICES'] },
  { table: 'nat', chain: 'OUTPUT', args: ['-m', 'comment', '--comment', 'k8ts service portals', '-j', 'K8TS-SERVICES'] },
  { table: 'nat', chain: 'POSTROUTING', args: ['-m', 'comment', '--comment', 'k8ts postrouting rules', '-j', 'K8TS-POSTROUTING'] },
  { table: 'filter', chain: 'INPUT', args: ['-m', 'conntrack', '--ctstate', 'NEW', '-m', 'comment', '--comment', 'k8ts externally-visible service portals', '-j', 'K8TS-EXTERNAL-SERVICES'] },
  { table: 'filter', chain: 'FORWARD', args: ['-m', 'conntrack', '--ctstate', 'NEW', '-m', 'comment', '--comment', 'k8ts service portals', '-j', 'K8TS-SERVICES'] },
  { table: 'filter', chain: 'FORWARD', args: ['-m', 'conntrack', '--ctstate', 'NEW', '-m', 'comment', '--comment', 'k8ts externally-visible service portals', '-j', 'K8TS-EXTERNAL-SERVICES'] },
  { table: 'filter', chain: 'FORWARD', args: ['-m', 'comment', '--comment', 'k8ts forwarding rules', '-j', 'K8TS-FORWARD'] },
  { table: 'filter', chain: 'OUTPUT', args: ['-m', 'conntrack', '--ctstate', 'NEW', '-m', 'comment', '--comment', 'k8ts service portals', '-j', 'K8TS-SERVICES'] },
];

/** kube-proxy's naming: a prefix and 16 base32 characters of a SHA-256, so names stay ≤ 28 characters. */
export function chainName(prefix: 'K8TS-SVC-' | 'K8TS-SVL-' | 'K8TS-EXT-' | 'K8TS-SEP-', identity: string): string {
  const key = prefix + identity;
  let name = chainNames.get(key);
  if (name === undefined) {
    // Hashing dominates generation for large clusters; names are a pure function of the key.
    if (chainNames.size >= 500_000) chainNames.clear();
    name = prefix + base32(createHash('sha256').update(identity).digest()).slice(0, 16);
    chainNames.set(key, name);
  }
  return name;
}
const chainNames = new Map<string, string>();

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out;
}

export function generateProxyRules(ports: readonly ServicePort[], options: RuleOptions = {}): RuleSet {
  const clusterCIDR = options.clusterCIDR ?? '10.42.0.0/16';
  const mark = `0x${(options.masqueradeBit ?? 0x4000).toString(16)}`;
  const nat = new Map<string, string[]>();
  const filter = new Map<string, string[]>();
  const natServices: string[] = [];
  const nodePorts: string[] = [];
  const filterServices: string[] = [];
  const filterExternal: string[] = [];
  nat.set('K8TS-SERVICES', natServices);
  nat.set('K8TS-NODEPORTS', nodePorts);
  nat.set('K8TS-POSTROUTING', [
    `-A K8TS-POSTROUTING -m mark ! --mark ${mark}/${mark} -j RETURN`,
    `-A K8TS-POSTROUTING -j MARK --xor-mark ${mark}`,
    `-A K8TS-POSTROUTING ${comment('k8ts service traffic requiring SNAT')} -j MASQUERADE --random-fully`,
  ]);
  nat.set('K8TS-MARK-MASQ', [`-A K8TS-MARK-MASQ -j MARK --or-mark ${mark}`]);
  filter.set('K8TS-SERVICES', filterServices);
  filter.set('K8TS-EXTERNAL-SERVICES', filterExternal);
  filter.set('K8TS-FORWARD', [
    `-A K8TS-FORWARD -m conntrack --ctstate INVALID -j DROP`,
    `-A K8TS-FORWARD ${comment('k8ts forwarding rules')} -m mark --mark ${mark}/${mark} -j ACCEPT`,
    `-A K8TS-FORWARD ${comment('k8ts forwarding conntrack rule')} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
  ]);

  for (const sp of ports) {
    if (sp.protocol === 'SCTP') continue;
    const proto = sp.protocol.toLowerCase();
    const match = (port: number): string => `-p ${proto} -m ${proto} --dport ${port}`;
    const identity = `${sp.id}/${sp.protocol}`;
    const svcChain = chainName('K8TS-SVC-', identity);
    const svlChain = chainName('K8TS-SVL-', identity);
    const extChain = chainName('K8TS-EXT-', identity);
    const all = usableEndpoints(sp.endpoints, { localOnly: false });
    const local = usableEndpoints(sp.endpoints, { localOnly: true });
    const internalEps = sp.internalTrafficPolicy === 'Local' ? local : all;
    const internalChain = sp.internalTrafficPolicy === 'Local' ? svlChain : svcChain;
    const externalEps = sp.externalTrafficPolicy === 'Local' ? local : all;
    const hasExternal = sp.nodePort !== undefined || sp.loadBalancerIPs.length > 0 || sp.externalIPs.length > 0;
    const usesSvl = sp.internalTrafficPolicy === 'Local' || (hasExternal && sp.externalTrafficPolicy === 'Local');
    const usesSvc = sp.internalTrafficPolicy === 'Cluster' || hasExternal;

    // Endpoint chains, shared by SVC and SVL.
    const epChains = new Map<string, string>();
    const chained = [...(usesSvc ? all : []), ...(usesSvl ? local : [])];
    for (const ep of chained) {
      const key = `${ep.ip}:${ep.port}`;
      if (epChains.has(key)) continue;
      const sep = chainName('K8TS-SEP-', `${identity}/${key}`);
      epChains.set(key, sep);
      const affinity = sp.affinityTimeoutSeconds !== undefined ? ` -m recent --name ${sep} --set` : '';
      nat.set(sep, [
        `-A ${sep} ${comment(sp.id)} -s ${ep.ip}/32 -j K8TS-MARK-MASQ`,
        `-A ${sep} ${comment(sp.id)}${affinity} -p ${proto} -m ${proto} -j DNAT --to-destination ${key}`,
      ]);
    }
    const balance = (chain: string, eps: readonly ProxyEndpoint[], pre: string[]): void => {
      const rules = [...pre];
      const seps = eps.map((ep) => ({ to: `${ep.ip}:${ep.port}`, sep: epChains.get(`${ep.ip}:${ep.port}`) ?? '' }));
      if (sp.affinityTimeoutSeconds !== undefined) {
        for (const { to, sep } of seps) {
          rules.push(`-A ${chain} ${comment(`${sp.id} -> ${to}`)} -m recent --name ${sep} --rcheck --seconds ${sp.affinityTimeoutSeconds} --reap -j ${sep}`);
        }
      }
      seps.forEach(({ to, sep }, i) => {
        const left = seps.length - i;
        const stat = left > 1 ? ` -m statistic --mode random --probability ${(1 / left).toFixed(10)}` : '';
        rules.push(`-A ${chain} ${comment(`${sp.id} -> ${to}`)}${stat} -j ${sep}`);
      });
      nat.set(chain, rules);
    };
    if (usesSvc && all.length > 0) {
      const masq = sp.clusterIPs.map((ip) => `-A ${svcChain} ${comment(`${sp.id} cluster IP`)} ! -s ${clusterCIDR} -d ${ip}/32 ${match(sp.port)} -j K8TS-MARK-MASQ`);
      balance(svcChain, all, masq);
    }
    if (usesSvl && local.length > 0) {
      const masq = sp.internalTrafficPolicy === 'Local' ? sp.clusterIPs.map((ip) => `-A ${svlChain} ${comment(`${sp.id} cluster IP`)} ! -s ${clusterCIDR} -d ${ip}/32 ${match(sp.port)} -j K8TS-MARK-MASQ`) : [];
      balance(svlChain, local, masq);
    }

    // Cluster IPs.
    for (const ip of sp.clusterIPs) {
      if (internalEps.length > 0) {
        natServices.push(`-A K8TS-SERVICES ${comment(`${sp.id} cluster IP`)} -d ${ip}/32 ${match(sp.port)} -j ${internalChain}`);
      } else {
        const why = all.length > 0 ? 'has no local endpoints' : 'has no endpoints';
        filterServices.push(`-A K8TS-SERVICES ${comment(`${sp.id} ${why}`)} -d ${ip}/32 ${match(sp.port)} -j ${all.length > 0 ? 'DROP' : 'REJECT'}`);
      }
    }
    if (!hasExternal) continue;

    // External entry points: node port, load-balancer and external IPs.
    const ext: string[] = [];
    if (sp.externalTrafficPolicy === 'Cluster') {
      ext.push(`-A ${extChain} ${comment(`masquerade traffic for ${sp.id} external destinations`)} -j K8TS-MARK-MASQ`);
      ext.push(`-A ${extChain} -j ${svcChain}`);
    } else {
      // Pods and this node itself may use any endpoint; outside clients only local ones, unmasqueraded (their source IP is kept).
      ext.push(`-A ${extChain} ${comment('pod traffic for ' + sp.id + ' external destinations')} -s ${clusterCIDR} -j ${svcChain}`);
      ext.push(`-A ${extChain} ${comment(`masquerade LOCAL traffic for ${sp.id} external destinations`)} -m addrtype --src-type LOCAL -j K8TS-MARK-MASQ`);
      ext.push(`-A ${extChain} ${comment(`route LOCAL traffic for ${sp.id} external destinations`)} -m addrtype --src-type LOCAL -j ${svcChain}`);
      if (local.length > 0) ext.push(`-A ${extChain} -j ${svlChain}`);
    }
    const extUsable = externalEps.length > 0 || (sp.externalTrafficPolicy === 'Local' && all.length > 0);
    if (extUsable) nat.set(extChain, ext);
    const externalIps = [...sp.loadBalancerIPs, ...sp.externalIPs];
    const dropOrReject = all.length > 0 ? 'DROP' : 'REJECT';
    const why = all.length > 0 ? 'has no local endpoints' : 'has no endpoints';
    for (const ip of externalIps) {
      if (extUsable) natServices.push(`-A K8TS-SERVICES ${comment(`${sp.id} external IP`)} -d ${ip}/32 ${match(sp.port)} -j ${extChain}`);
      if (externalEps.length === 0) filterExternal.push(`-A K8TS-EXTERNAL-SERVICES ${comment(`${sp.id} ${why}`)} -d ${ip}/32 ${match(sp.port)} -j ${dropOrReject}`);
    }
    if (sp.nodePort !== undefined) {
      if (extUsable) nodePorts.push(`-A K8TS-NODEPORTS ${comment(sp.id)} ${match(sp.nodePort)} -j ${extChain}`);
      if (externalEps.length === 0) {
        filterExternal.push(`-A K8TS-EXTERNAL-SERVICES ${comment(`${sp.id} ${why}`)} -m addrtype --dst-type LOCAL ${match(sp.nodePort)} -j ${dropOrReject}`);
      }
    }
  }
  natServices.push(`-A K8TS-SERVICES ${comment('k8ts service nodeports; NOTE: this must be the last rule in this chain')} -m addrtype --dst-type LOCAL -j K8TS-NODEPORTS`);
  return { nat, filter };
}

/**
 * iptables-restore input (for `--noflush`) that turns the chains as last written (`previous`,
 * undefined content = unknown) into `next`: changed and new chains are declared (which flushes
 * them) and rewritten, vanished ones flushed and deleted, unchanged ones left alone. Empty when
 * nothing changed.
 */
export function restoreDiff(previous: RuleSetSnapshot, next: RuleSet): string {
  const out: string[] = [];
  for (const table of ['filter', 'nat'] as const) {
    const before = previous[table];
    const after = next[table];
    const changed = [...after].filter(([chain, rules]) => before.get(chain) !== rules.join('\n'));
    const removed = [...before.keys()].filter((chain) => !after.has(chain));
    if (changed.length === 0 && removed.length === 0) continue;
    out.push(`*${table}`);
    for (const [chain] of changed) out.push(`:${chain} - [0:0]`);
    for (const chain of removed) out.push(`:${chain} - [0:0]`);
    for (const [, rules] of changed) out.push(...rules);
    for (const chain of removed) out.push(`-X ${chain}`);
    out.push('COMMIT');
  }
  return out.length > 0 ? `${out.join('\n')}\n` : '';
}

/** What was last written per chain (rules joined by "\n"); undefined = present, content unknown. */
export type RuleSetSnapshot = Record<Table, Map<string, string | undefined>>;

export function snapshotOf(rules: RuleSet): RuleSetSnapshot {
  const snap = (m: Map<string, string[]>): Map<string, string | undefined> => new Map([...m].map(([k, v]) => [k, v.join('\n')]));
  return { nat: snap(rules.nat), filter: snap(rules.filter) };
}
