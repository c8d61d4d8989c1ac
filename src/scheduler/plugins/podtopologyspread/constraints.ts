// Topology spread constraints compiled for one pod: selector (labelSelector plus matchLabelKeys
// taken from the pod's own labels), node inclusion policies (defaults: nodeAffinityPolicy Honor,
// nodeTaintsPolicy Ignore) and minDomains.
import type { Node, TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import { labelSelectorFromObject } from '../../../api/selectors/labels.js';
import type { NodeInfo } from '../../node-info.js';
import type { NodeMatcher } from '../../node-selector.js';
import type { PodInfo } from '../../pod-info.js';
import { findUntoleratedTaint, isHardTaint } from '../../taints.js';

export const HOSTNAME_LABEL = 'kubernetes.io/hostname';

export interface Constraint {
  maxSkew: number;
  topologyKey: string;
  minDomains: number | undefined;
  matches: (labels: Readonly<Record<string, string>>) => boolean;
  honorNodeAffinity: boolean;
  honorNodeTaints: boolean;
  /**
   * Everything that decides this constraint's counts for a pod — namespace, selector, topology
   * key, the keys of the pod's other constraints and what the inclusion policies read — as one
   * string: pods with equal identities share one set of domain counts.
   */
  identity: string;
}

export function compileConstraints(pod: PodInfo, when: 'DoNotSchedule' | 'ScheduleAnyway'): Constraint[] {
  const wanted = (pod.pod.spec?.topologySpreadConstraints ?? []).filter((c) => c.whenUnsatisfiable === when);
  const keys = wanted.map((c) => c.topologyKey);
  return wanted.map((c) => compileConstraint(c, pod, keys));
}

function compileConstraint(c: TopologySpreadConstraint, pod: PodInfo, allKeys: readonly string[]): Constraint {
  const base = c.labelSelector ? labelSelectorFromObject(c.labelSelector) : undefined;
  const extra: [string, string][] = [];
  for (const key of c.matchLabelKeys ?? []) {
    const v = pod.labels[key];
    if (v !== undefined) extra.push([key, v]);
  }
  const honorNodeAffinity = (c.nodeAffinityPolicy ?? 'Honor') === 'Honor';
  const honorNodeTaints = (c.nodeTaintsPolicy ?? 'Ignore') === 'Honor';
  const spec = pod.pod.spec;
  let identity: string | undefined;
  return {
    maxSkew: c.maxSkew,
    topologyKey: c.topologyKey,
    minDomains: c.minDomains ?? undefined,
    // A nil labelSelector selects nothing.
    matches: (labels) => {
      if (!base || !base.matches(labels)) return false;
      for (const [k, v] of extra) if (labels[k] !== v) return false;
      return true;
    },
    honorNodeAffinity,
    honorNodeTaints,
    // Spelled out on first use: only the filter's domain-count index reads it.
    get identity() {
      return (identity ??= JSON.stringify([
        pod.namespace,
        c.labelSelector ?? null,
        extra,
        c.topologyKey,
        allKeys,
        honorNodeAffinity ? ['Honor', spec?.nodeSelector ?? null, spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? null] : 'Ignore',
        honorNodeTaints ? ['Honor', spec?.tolerations ?? null] : 'Ignore',
      ]));
    },
  };
}

export function nodeHasAllKeys(labels: Readonly<Record<string, string>>, constraints: readonly Constraint[]): boolean {
  for (const c of constraints) if (labels[c.topologyKey] === undefined) return false;
  return true;
}

/** Whether this node's domain counts for the constraint, per its inclusion policies. */
export function includesNode(c: Constraint, pod: PodInfo, node: Node, required: NodeMatcher | undefined): boolean {
  if (c.honorNodeAffinity && required && !required(node)) return false;
  if (c.honorNodeTaints && findUntoleratedTaint(node.spec?.taints, pod.pod.spec?.tolerations, isHardTaint)) return false;
  return true;
}

/** Pods on the node selected by the constraint: same namespace, not terminating. */
export function countMatching(node: NodeInfo, c: Constraint, namespace: string): number {
  let n = 0;
  for (const p of node.pods) {
    if (p.namespace === namespace && !p.terminating && c.matches(p.labels)) n++;
  }
  return n;
}
