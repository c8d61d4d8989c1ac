// NetworkPolicy (networking.k8s.io/v1, Kubernetes v1.30) as iptables filter rules for the pods
// of one node (pure). Semantics:
// - A pod is isolated for ingress (egress) when some policy in its namespace selects it and
//   lists Ingress (Egress) in policyTypes (default: Ingress, plus Egress when spec.egress is
//   set). Isolated traffic is allowed only if some rule of some selecting policy allows it.
// - A rule allows (peer ∈ from/to, or any peer when empty) ∧ (port ∈ ports, or any when empty).
//   Peers: podSelector (policy's namespace), namespaceSelector (+ podSelector), ipBlock (cidr
//   minus except). Named ports resolve on the destination pod's container ports; endPort makes
//   a range. Replies of allowed connections pass (conntrack).
//
// Layout (filter table, jumped from FORWARD first):
//   K8TS-NETPOL: established → RETURN; -d <isolated pod> → K8TS-NP-IN-<h>; -s <pod> → K8TS-NP-OUT-<h>
//   K8TS-NP-IN/OUT-<h>: clear the allow bit; every allowed (peer, port) sets it (ipBlocks with
//   except through K8TS-NP-IPB-<h>); RETURN when set, else DROP.
import { selectorMatches } from '../api/selectors/labels.js';
import { createHash } from 'node:crypto';
import type { Namespace, Pod } from 'kubernetes-types/core/v1.js';
import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from 'kubernetes-types/networking/v1.js';

export type FilterRuleSet = Map<string, string[]>;

export const NETPOL_CHAIN = 'K8TS-NETPOL';
const ALLOW = '0x20000';

/** True for chains this module owns. */
export function isNetpolChain(name: string): boolean {
  return name === NETPOL_CHAIN || name.startsWith('K8TS-NP-');
}

export interface NetpolInput {
  policies: readonly NetworkPolicy[];
  pods: readonly Pod[];
  namespaces: readonly Namespace[];
  nodeName: string;
}

/** Kubernetes label selector semantics; an empty selector matches everything. */
export { selectorMatches };

const podIP = (p: Pod): string | undefined => (p.spec?.hostNetwork ? undefined : (p.status?.podIP ?? undefined));
const isLive = (p: Pod): boolean => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
const ns = (o: { metadata?: { namespace?: string } }): string => o.metadata?.namespace ?? 'default';

function policyTypes(p: NetworkPolicy): { ingress: boolean; egress: boolean } {
  const types = p.spec?.policyTypes;
  if (types && types.length) return { ingress: types.includes('Ingress'), egress: types.includes('Egress') };
  return { ingress: true, egress: p.spec?.egress !== undefined };
}

function chainFor(prefix: 'K8TS-NP-IN-' | 'K8TS-NP-OUT-' | 'K8TS-NP-IPB-', identity: string): string {
  return prefix + createHash('sha256').update(identity).digest('base64url').replace(/[-_]/g, 'X').slice(0, 16).toUpperCase();
}

interface PortMatch {
  /** "-p tcp -m tcp --dport 80" or "-p tcp" (any port) or "" (any protocol and port). */
  spec: string;
}

function portMatches(ports: readonly NetworkPolicyPort[] | undefined, destination: Pod | undefined): PortMatch[] | undefined {
  if (!ports || ports.length === 0) return [{ spec: '' }];
  const out: PortMatch[] = [];
  for (const p of ports) {
    const proto = (p.protocol ?? 'TCP').toLowerCase();
    if (p.port === undefined) {
      out.push({ spec: `-p ${proto}` });
      continue;
    }
    let number: number | undefined;
    if (typeof p.port === 'number') number = p.port;
    else if (/^\d+$/.test(p.port)) number = Number(p.port);
    else number = destination ? namedPort(destination, p.port, p.protocol ?? 'TCP') : undefined;
    if (number === undefined) continue; // a name the destination does not define matches nothing
    const range = p.endPort !== undefined && typeof p.port === 'number' && p.endPort > number ? `${number}:${p.endPort}` : String(number);
    out.push({ spec: `-p ${proto} -m ${proto} --dport ${range}` });
  }
  return out;
}

function namedPort(pod: Pod, name: string, protocol: string): number | undefined {
  for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.name === name && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  return undefined;
}

export function generateNetpolRules(input: NetpolInput): FilterRuleSet {
  const chains: FilterRuleSet = new Map();
  const main: string[] = [`-A ${NETPOL_CHAIN} -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN`];
  chains.set(NETPOL_CHAIN, main);
  const nsLabels = new Map(input.namespaces.map((n) => [n.metadata?.name ?? '', { ...(n.metadata?.labels ?? {}), 'kubernetes.io/metadata.name': n.metadata?.name ?? '' }]));
  const livePods = input.pods.filter((p) => isLive(p) && podIP(p) !== undefined).sort((a, b) => (podIP(a) ?? '').localeCompare(podIP(b) ?? ''));
  const localPods = livePods.filter((p) => p.spec?.nodeName === input.nodeName);
  const policies = [...input.policies].sort((a, b) => `${ns(a)}/${a.metadata?.name ?? ''}`.localeCompare(`${ns(b)}/${b.metadata?.name ?? ''}`));

  const peerPods = (policy: NetworkPolicy, peer: NetworkPolicyPeer): Pod[] => {
    if (peer.ipBlock) return [];
    return livePods.filter((p) => {
      if (peer.namespaceSelector) {
        if (!selectorMatches(peer.namespaceSelector, nsLabels.get(ns(p)) ?? { 'kubernetes.io/metadata.name': ns(p) })) return false;
      } else if (ns(p) !== ns(policy)) return false;
      return selectorMatches(peer.podSelector, p.metadata?.labels ?? {});
    });
  };

  const egressJumps: string[] = [];
  for (const pod of localPods) {
    const ip = podIP(pod) ?? '';
    const selecting = policies.filter((p) => ns(p) === ns(pod) && selectorMatches(p.spec?.podSelector, pod.metadata?.labels ?? {}));
    const name = `${ns(pod)}/${pod.metadata?.name ?? ''}`;
    for (const direction of ['ingress', 'egress'] as const) {
      const applying = selecting.filter((p) => policyTypes(p)[direction]);
      if (applying.length === 0) continue;
      const inbound = direction === 'ingress';
      const chain = chainFor(inbound ? 'K8TS-NP-IN-' : 'K8TS-NP-OUT-', name);
      const peerFlag = inbound ? '-s' : '-d';
      const rules: string[] = [`-A ${chain} -j MARK --set-xmark 0x0/${ALLOW}`];
      const allow = `-j MARK --set-xmark ${ALLOW}/${ALLOW}`;
      for (const policy of applying) {
        const policyName = `${ns(policy)}/${policy.metadata?.name ?? ''}`;
        const policyRules = (inbound ? policy.spec?.ingress : policy.spec?.egress) ?? [];
        policyRules.forEach((rule, ruleIndex) => {
          const comment = `-m comment --comment "${policyName} ${direction} rule ${ruleIndex}"`;
          const peers = (inbound ? (rule as { from?: NetworkPolicyPeer[] }).from : (rule as { to?: NetworkPolicyPeer[] }).to) ?? [];
          if (peers.length === 0) {
            // Any peer. For egress, named ports resolve on each destination, unknown here: only numbered ports apply.
            for (const pm of portMatches(rule.ports, inbound ? pod : undefined) ?? []) rules.push(`-A ${chain} ${comment} ${pm.spec} ${allow}`.replace(/ {2,}/g, ' '));
            return;
          }
          peers.forEach((peer, peerIndex) => {
            if (peer.ipBlock) {
              const ports = portMatches(rule.ports, inbound ? pod : undefined) ?? [];
              const sub = chainFor('K8TS-NP-IPB-', `${name}/${direction}/${policyName}/${ruleIndex}/${peerIndex}`);
              const subRules = (peer.ipBlock.except ?? []).map((cidr) => `-A ${sub} ${peerFlag} ${cidr} -j RETURN`);
              for (const pm of ports) subRules.push(`-A ${sub} ${peerFlag} ${peer.ipBlock.cidr} ${pm.spec} ${allow}`.replace(/ {2,}/g, ' '));
              chains.set(sub, subRules);
              rules.push(`-A ${chain} ${comment} -j ${sub}`);
              return;
            }
            for (const other of peerPods(policy, peer)) {
              const ports = portMatches(rule.ports, inbound ? pod : other) ?? [];
              for (const pm of ports) rules.push(`-A ${chain} ${comment} ${peerFlag} ${podIP(other) ?? ''}/32 ${pm.spec} ${allow}`.replace(/ {2,}/g, ' '));
            }
          });
        });
      }
      rules.push(`-A ${chain} -m mark --mark ${ALLOW}/${ALLOW} -j RETURN`);
      rules.push(`-A ${chain} -m comment --comment "${name} ${direction} not allowed by any policy" -j DROP`);
      chains.set(chain, rules);
      if (inbound) main.push(`-A ${NETPOL_CHAIN} -d ${ip}/32 -j ${chain}`);
      else egressJumps.push(`-A ${NETPOL_CHAIN} -s ${ip}/32 -j ${chain}`);
    }
  }
  main.push(...egressJumps);
  return chains;
}
