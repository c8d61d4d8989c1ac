// nftables ruleset for service ports (pure), in the layout of kube-proxy's nftables mode, in a
// table of its own (`ip k8ts`) so it never touches the iptables tables (NetworkPolicy, CNI):
//
//   nat-prerouting, nat-output ─▶ services: ip daddr . l4proto . dport vmap @service-ips
//                                           fib daddr local: l4proto . dport vmap @service-nodeports
//     @service-ips       cluster IP ─▶ service-<sp> (all usable endpoints) or local-<sp>
//                        external / load-balancer IP ─▶ external-<sp>
//     @service-nodeports node port ─▶ external-<sp> ─▶ service-<sp> (Cluster) / local-<sp> (Local)
//     service-/local-<sp>: affinity sets first, then numgen random ─▶ endpoint-<sp>__<ip>/<port> ─▶ dnat
//   nat-postrouting ─▶ masquerading: masquerade what mark-for-masquerade marked
//   filter-input/forward/output (before the iptables filter table) ─▶ reject (no endpoints) or
//     drop (no local endpoints) new connections the nat chains left alone: @no-endpoint-services
//     (cluster IPs: forward, output), @no-endpoint-external and @no-endpoint-nodeports (input, forward).
//
// Masquerading as the iptables mode does it: cluster IP traffic from outside the cluster CIDR,
// node port / external traffic with policy Cluster, hairpin (an endpoint reaching itself).
// Chain and set names are readable (namespace and name are DNS labels, port names IANA service
// names, so every name is a valid nft identifier and unique).
import { usableEndpoints, type ProxyEndpoint, type ServicePort } from './model.js';
import type { RuleOptions } from './iptables-rules.js';

export const NFT_TABLE = 'k8ts';

export interface NftChain {
  /** Base chain specification ("type nat hook output priority -100; policy accept;"), or '' for a regular chain. */
  hook: string;
  rules: string[];
}

export interface NftSet {
  kind: 'set' | 'map';
  /** The declaration inside braces, e.g. "type ipv4_addr; flags dynamic,timeout;". */
  spec: string;
  /** Key → value ('' for a plain set). */
  elements: Map<string, string>;
}

/** The whole table. Insertion order is the order things are written in. */
export interface NftRuleSet {
  sets: Map<string, NftSet>;
  chains: Map<string, NftChain>;
}

const ADDR_PROTO_PORT = 'type ipv4_addr . inet_proto . inet_service : verdict;';
const PROTO_PORT = 'type inet_proto . inet_service : verdict;';
// Affinity entries carry their own timeout (`update … timeout Ns`), so the set's declaration
// never changes when a service's timeout does.
const AFFINITY = 'type ipv4_addr; flags dynamic,timeout;';

/** "default/web/tcp/http" (or "default/web/tcp" for an unnamed port): the readable part of every name. */
function portBase(sp: ServicePort): string {
  const proto = sp.protocol.toLowerCase();
  return sp.portName ? `${sp.namespace}/${sp.name}/${proto}/${sp.portName}` : `${sp.namespace}/${sp.name}/${proto}`;
}

export const serviceChainName = (sp: ServicePort): string => `service-${portBase(sp)}`;
export const localChainName = (sp: ServicePort): string => `local-${portBase(sp)}`;
export const externalChainName = (sp: ServicePort): string => `external-${portBase(sp)}`;
export const endpointChainName = (sp: ServicePort, ep: Pick<ProxyEndpoint, 'ip' | 'port'>): string => `endpoint-${portBase(sp)}__${ep.ip}/${ep.port}`;
export const affinitySetName = (sp: ServicePort, ep: Pick<ProxyEndpoint, 'ip' | 'port'>): string => `affinity-${portBase(sp)}__${ep.ip}/${ep.port}`;

const base = (type: 'nat' | 'filter', hook: string, priority: number): string => `type ${type} hook ${hook} priority ${priority}; policy accept;`;

type StaticMap = 'service-ips' | 'service-nodeports' | 'no-endpoint-services' | 'no-endpoint-external' | 'no-endpoint-nodeports';

/** What one service port adds to the table. */
interface Fragment {
  chains: [string, NftChain][];
  sets: [string, NftSet][];
  elements: [StaticMap, string, string][];
}

/**
 * Fragments of the last generation by service port, so an unchanged port costs one
 * fingerprint and hands the same chain objects to the diff (compared by reference). Keep one
 * per writer; generation stays a pure function of its arguments either way.
 */
export class NftFragmentCache {
  /** Options the fragments were built with; other options start afresh. */
  options = '';
  fragments = new Map<string, Fragment>();
}

export function generateNftRules(ports: readonly ServicePort[], options: RuleOptions = {}, cache = new NftFragmentCache()): NftRuleSet {
  const clusterCIDR = options.clusterCIDR ?? '10.42.0.0/16';
  const mark = `0x${(options.masqueradeBit ?? 0x4000).toString(16)}`;
  const maps: Record<StaticMap, Map<string, string>> = {
    'service-ips': new Map(),
    'service-nodeports': new Map(),
    'no-endpoint-services': new Map(),
    'no-endpoint-external': new Map(),
    'no-endpoint-nodeports': new Map(),
  };
  const sets = new Map<string, NftSet>([
    ['service-ips', { kind: 'map', spec: ADDR_PROTO_PORT, elements: maps['service-ips'] }],
    ['service-nodeports', { kind: 'map', spec: PROTO_PORT, elements: maps['service-nodeports'] }],
    ['no-endpoint-services', { kind: 'map', spec: ADDR_PROTO_PORT, elements: maps['no-endpoint-services'] }],
    ['no-endpoint-external', { kind: 'map', spec: ADDR_PROTO_PORT, elements: maps['no-endpoint-external'] }],
    ['no-endpoint-nodeports', { kind: 'map', spec: PROTO_PORT, elements: maps['no-endpoint-nodeports'] }],
  ]);
  // Filter chains run before DNAT (priority dstnat - 10, as kube-proxy): in output they see the
  // cluster IP itself, and they come before the iptables filter table (priority 0).
  const chains = new Map<string, NftChain>([
    ['nat-prerouting', { hook: base('nat', 'prerouting', -100), rules: ['jump services'] }],
    ['nat-output', { hook: base('nat', 'output', -100), rules: ['jump services'] }],
    ['nat-postrouting', { hook: base('nat', 'postrouting', 100), rules: ['jump masquerading'] }],
    ['filter-input', { hook: base('filter', 'input', -110), rules: ['ct state new jump external-services-check'] }],
    ['filter-forward', { hook: base('filter', 'forward', -110), rules: ['ct state new jump service-endpoints-check', 'ct state new jump external-services-check'] }],
    ['filter-output', { hook: base('filter', 'output', -110), rules: ['ct state new jump service-endpoints-check'] }],
    ['services', { hook: '', rules: ['ip daddr . meta l4proto . th dport vmap @service-ips', 'fib daddr type local meta l4proto . th dport vmap @service-nodeports'] }],
    ['service-endpoints-check', { hook: '', rules: ['ip daddr . meta l4proto . th dport vmap @no-endpoint-services'] }],
    ['external-services-check', { hook: '', rules: ['ip daddr . meta l4proto . th dport vmap @no-endpoint-external', 'fib daddr type local meta l4proto . th dport vmap @no-endpoint-nodeports'] }],
    ['mark-for-masquerade', { hook: '', rules: [`mark set mark or ${mark}`] }],
    ['masquerading', { hook: '', rules: [`mark and ${mark} == 0 return`, `mark set mark xor ${mark}`, 'masquerade fully-random'] }],
    // A TCP reset, not ICMP, for TCP: the kernel rate-limits ICMP errors per peer, so a client
    // retrying fast would soon see silence (and a 1 s SYN retransmit) instead of a refusal.
    ['reject-chain', { hook: '', rules: ['meta l4proto tcp reject with tcp reset', 'reject'] }],
  ]);

  if (cache.options !== clusterCIDR) {
    cache.options = clusterCIDR;
    cache.fragments.clear();
  }
  const used = new Map<string, Fragment>();
  for (const sp of ports) {
    if (sp.protocol === 'SCTP') continue;
    const fingerprint = JSON.stringify(sp);
    const fragment = used.get(fingerprint) ?? cache.fragments.get(fingerprint) ?? servicePortFragment(sp, clusterCIDR);
    used.set(fingerprint, fragment);
    for (const [name, set] of fragment.sets) sets.set(name, set);
    for (const [name, chain] of fragment.chains) chains.set(name, chain);
    for (const [map, key, value] of fragment.elements) maps[map].set(key, value);
  }
  cache.fragments = used;
  return { sets, chains };
}

function servicePortFragment(sp: ServicePort, clusterCIDR: string): Fragment {
  const out: Fragment = { chains: [], sets: [], elements: [] };
  const chain = (name: string, rules: string[]): void => void out.chains.push([name, { hook: '', rules }]);
  const proto = sp.protocol.toLowerCase();
  const key = (ip: string, port: number): string => `${ip} . ${proto} . ${port}`;
  const svcChain = serviceChainName(sp);
  const localChain = localChainName(sp);
  const extChain = externalChainName(sp);
  const all = usableEndpoints(sp.endpoints, { localOnly: false });
  const local = usableEndpoints(sp.endpoints, { localOnly: true });
  const internalLocal = sp.internalTrafficPolicy === 'Local';
  const internalEps = internalLocal ? local : all;
  const externalEps = sp.externalTrafficPolicy === 'Local' ? local : all;
  const hasExternal = sp.nodePort !== undefined || sp.loadBalancerIPs.length > 0 || sp.externalIPs.length > 0;
  const usesLocal = internalLocal || (hasExternal && sp.externalTrafficPolicy === 'Local');
  const usesService = !internalLocal || hasExternal;
  const affinity = sp.affinityTimeoutSeconds;

  // Endpoint chains, shared by service- and local- chains.
  const endpoints = new Map<string, ProxyEndpoint>();
  for (const ep of [...(usesService ? all : []), ...(usesLocal ? local : [])]) endpoints.set(`${ep.ip}:${ep.port}`, ep);
  for (const ep of endpoints.values()) {
    const rules = [`ip saddr ${ep.ip} jump mark-for-masquerade`];
    if (affinity !== undefined) {
      const set = affinitySetName(sp, ep);
      out.sets.push([set, { kind: 'set', spec: AFFINITY, elements: new Map() }]);
      rules.push(`update @${set} { ip saddr timeout ${affinity}s }`);
    }
    rules.push(`meta l4proto ${proto} dnat to ${ep.ip}:${ep.port}`);
    chain(endpointChainName(sp, ep), rules);
  }
  const masquerade = sp.clusterIPs.map((ip) => `ip daddr ${ip} ${proto} dport ${sp.port} ip saddr != ${clusterCIDR} jump mark-for-masquerade`);
  const balance = (eps: readonly ProxyEndpoint[], pre: string[]): string[] => {
    const rules = [...pre];
    if (affinity !== undefined) for (const ep of eps) rules.push(`ip saddr @${affinitySetName(sp, ep)} goto ${endpointChainName(sp, ep)}`);
    // Endpoint i of n is taken with probability 1/(n-i) when the ones before it were not: 1/n
    // each. Not one `numgen … vmap { … }` per service (kube-proxy's form): every anonymous map
    // is a kernel set, and the kernel names and finds sets by walking the table's list of
    // them, so 10,000 of them made a full write take 75 s instead of a few.
    eps.forEach((ep, i) => {
      const left = eps.length - i;
      rules.push(left > 1 ? `numgen random mod ${left} == 0 goto ${endpointChainName(sp, ep)}` : `goto ${endpointChainName(sp, ep)}`);
    });
    return rules;
  };
  if (usesService && all.length > 0) chain(svcChain, balance(all, masquerade));
  if (usesLocal && local.length > 0) chain(localChain, balance(local, internalLocal ? masquerade : []));

  const internalChain = internalLocal ? localChain : svcChain;
  for (const ip of sp.clusterIPs) {
    if (internalEps.length > 0) out.elements.push(['service-ips', key(ip, sp.port), `goto ${internalChain}`]);
    else out.elements.push(['no-endpoint-services', key(ip, sp.port), all.length > 0 ? 'drop' : 'goto reject-chain']);
  }
  if (!hasExternal) return out;

  // External entry points: node port, load-balancer and external IPs.
  const ext: string[] = [];
  if (sp.externalTrafficPolicy === 'Cluster') {
    ext.push('jump mark-for-masquerade', `goto ${svcChain}`);
  } else {
    // Pods and this node itself may use any endpoint; outside clients only local ones, unmasqueraded (their source IP is kept).
    ext.push(`ip saddr ${clusterCIDR} goto ${svcChain}`, 'fib saddr type local jump mark-for-masquerade', `fib saddr type local goto ${svcChain}`);
    if (local.length > 0) ext.push(`goto ${localChain}`);
  }
  const extUsable = externalEps.length > 0 || (sp.externalTrafficPolicy === 'Local' && all.length > 0);
  if (extUsable) chain(extChain, ext);
  const noEndpoints = all.length > 0 ? 'drop' : 'goto reject-chain';
  for (const ip of [...sp.loadBalancerIPs, ...sp.externalIPs]) {
    if (extUsable) out.elements.push(['service-ips', key(ip, sp.port), `goto ${extChain}`]);
    if (externalEps.length === 0) out.elements.push(['no-endpoint-external', key(ip, sp.port), noEndpoints]);
  }
  if (sp.nodePort !== undefined) {
    if (extUsable) out.elements.push(['service-nodeports', `${proto} . ${sp.nodePort}`, `goto ${extChain}`]);
    if (externalEps.length === 0) out.elements.push(['no-endpoint-nodeports', `${proto} . ${sp.nodePort}`, noEndpoints]);
  }
  return out;
}

export const EMPTY_RULESET: NftRuleSet = { sets: new Map(), chains: new Map() };

/** `nft -f` input that replaces the table with `next` in one transaction (start-up, after an error). */
export function nftFullText(next: NftRuleSet, table = NFT_TABLE): string {
  // Adding before deleting makes the delete succeed whether or not the table existed.
  const head = `add table ip ${table}\ndelete table ip ${table}\nadd table ip ${table} { comment "k8ts service proxy"; }\n`;
  return head + nftDiff(EMPTY_RULESET, next, table);
}

/** `nft -f` input that removes the table (absent is fine). */
export function nftDeleteText(table = NFT_TABLE): string {
  return `add table ip ${table}\ndelete table ip ${table}\n`;
}

/**
 * `nft -f` input (one atomic transaction) that turns `previous` (what the table holds) into
 * `next`: new sets and chains are declared, changed chains flushed and rewritten, map elements
 * added and deleted one by one, vanished chains and sets deleted once nothing refers to them.
 * Unchanged chains and elements are not mentioned. Empty when nothing changed.
 */
export function nftDiff(previous: NftRuleSet, next: NftRuleSet, table = NFT_TABLE): string {
  const t = `ip ${table}`;
  const out: string[] = [];
  for (const [name, set] of next.sets) if (!previous.sets.has(name)) out.push(`add ${set.kind} ${t} ${name} { ${set.spec} }`);
  for (const [name, chain] of next.chains) if (!previous.chains.has(name)) out.push(chain.hook ? `add chain ${t} ${name} { ${chain.hook} }` : `add chain ${t} ${name}`);
  const rewritten: [string, NftChain][] = [];
  for (const [name, chain] of next.chains) {
    const before = previous.chains.get(name);
    if (before && (before.rules === chain.rules || sameRules(before.rules, chain.rules))) continue;
    if (before) out.push(`flush chain ${t} ${name}`);
    rewritten.push([name, chain]);
  }
  for (const [name, chain] of rewritten) for (const rule of chain.rules) out.push(`add rule ${t} ${name} ${rule}`);
  for (const [name, set] of next.sets) {
    const before = previous.sets.get(name)?.elements ?? new Map<string, string>();
    const stale = [...before].filter(([k, v]) => set.elements.get(k) !== v).map(([k]) => k);
    const fresh = [...set.elements].filter(([k, v]) => before.get(k) !== v).map(([k, v]) => (v ? `${k} : ${v}` : k));
    if (stale.length > 0) out.push(`delete element ${t} ${name} { ${stale.join(', ')} }`);
    if (fresh.length > 0) out.push(`add element ${t} ${name} { ${fresh.join(', ')} }`);
  }
  const removedChains = [...previous.chains.keys()].filter((name) => !next.chains.has(name));
  for (const name of removedChains) out.push(`flush chain ${t} ${name}`);
  for (const name of removedChains) out.push(`delete chain ${t} ${name}`);
  for (const [name, set] of previous.sets) if (!next.sets.has(name)) out.push(`delete ${set.kind} ${t} ${name}`);
  return out.length > 0 ? `${out.join('\n')}\n` : '';
}

function sameRules(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((r, i) => r === b[i]);
}
