// InterPodAffinity: required pod affinity / anti-affinity by topology domain, and the symmetric
// rule that existing pods' required anti-affinity keeps matching pods out of their domain.
// Preferred terms (the pod's and existing pods') score by summed weights per domain, normalized
// min–max to 0–100. Existing pods' required affinity to the pod counts hardPodAffinityWeight.
import { MAX_NODE_SCORE, StateKey, type Handle, type Plugin, type StateData } from '../../framework.js';
import { Action } from '../../events.js';
import type { NodeInfo } from '../../node-info.js';
import { termMatches, type AffinityTerm, type NamespaceLabels, type PodInfo } from '../../pod-info.js';
import { Status } from '../../status.js';
import { PluginName } from '../names.js';
import { TopologyCounts } from '../../topology-counts.js';

export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";

export interface InterPodAffinityArgs {
  hardPodAffinityWeight?: number;
  ignorePreferredTermsOfExistingPods?: boolean;
}

class PreFilterState implements StateData {
  constructor(
    readonly existingAntiAffinity: TopologyCounts,
    readonly affinity: TopologyCounts,
    readonly antiAffinity: TopologyCounts,
  ) {}
  clone(): StateData {
    return new PreFilterState(this.existingAntiAffinity.clone(), this.affinity.clone(), this.antiAffinity.clone());
  }
}

class PreScoreState implements StateData {
  constructor(readonly scores: TopologyCounts) {}
  clone(): StateData {
    return this;
  }
}

const preFilterKey = new StateKey<PreFilterState>(`PreFilter${PluginName.InterPodAffinity}`);
const preScoreKey = new StateKey<PreScoreState>(`PreScore${PluginName.InterPodAffinity}`);

function matchesAll(terms: readonly AffinityTerm[], pod: PodInfo, ns: NamespaceLabels): boolean {
  if (terms.length === 0) return false;
  for (const t of terms) if (!termMatches(t, pod, ns)) return false;
  return true;
}

/** Adds (sign ±1) what `existing` on `node` contributes to the pod's preFilter counts. */
function account(s: PreFilterState, pod: PodInfo, existing: PodInfo, node: NodeInfo, ns: NamespaceLabels, sign: 1 | -1): void {
  const labels = node.labels;
  for (const t of existing.requiredAntiAffinity) {
    const v = labels[t.topologyKey];
    if (v !== undefined && termMatches(t, pod, ns)) s.existingAntiAffinity.add(t.topologyKey, v, sign);
  }
  if (matchesAll(pod.requiredAffinity, existing, ns)) {
    for (const t of pod.requiredAffinity) {
      const v = labels[t.topologyKey];
      if (v !== undefined) s.affinity.add(t.topologyKey, v, sign);
    }
  }
  for (const t of pod.requiredAntiAffinity) {
    const v = labels[t.topologyKey];
    if (v !== undefined && termMatches(t, existing, ns)) s.antiAffinity.add(t.topologyKey, v, sign);
  }
}

/** Whether any of `nodes` holds a pod with required anti-affinity (O(1) for the snapshot's own list). */
function anyRequiredAntiAffinity(handle: Handle, nodes: readonly NodeInfo[]): boolean {
  if (nodes === handle.snapshot.list()) return handle.snapshot.podsWithRequiredAntiAffinity > 0;
  for (const n of nodes) if (n.podsWithRequiredAntiAffinity.length > 0) return true;
  return false;
}

export function interPodAffinity(handle: Handle, args: InterPodAffinityArgs = {}): Plugin {
  const hardWeight = args.hardPodAffinityWeight ?? 1;
  const ns = handle.snapshot.namespaceLabels;
  const preFilterState = (state: Parameters<NonNullable<Plugin['filter']>>[0]): PreFilterState | undefined => state.read(preFilterKey);
  return {
    name: PluginName.InterPodAffinity,
    preFilter(state, pod, nodes) {
      const own = pod.requiredAffinity.length + pod.requiredAntiAffinity.length > 0;
      if (!own && !anyRequiredAntiAffinity(handle, nodes)) return Status.skip();
      const s = new PreFilterState(new TopologyCounts(), new TopologyCounts(), new TopologyCounts());
      for (const node of nodes) {
        if (own) for (const existing of node.pods) account(s, pod, existing, node, ns, 1);
        else {
          for (const existing of node.podsWithRequiredAntiAffinity) account(s, pod, existing, node, ns, 1);
        }
      }
      state.write(preFilterKey, s);
      return undefined;
    },
    addPod(state, pod, added, node) {
      const s = preFilterState(state);
      if (s) account(s, pod, added, node, ns, 1);
      return undefined;
    },
    removePod(state, pod, removed, node) {
      const s = preFilterState(state);
      if (s) account(s, pod, removed, node, ns, -1);
      return undefined;
    },
    filter(state, pod, node) {
      const s = preFilterState(state);
      if (!s) return Status.error(`reading "${preFilterKey.name}" from cycleState: not found`);
      const labels = node.labels;
      let podsExist = true;
      for (const t of pod.requiredAffinity) {
        const v = labels[t.topologyKey];
        if (v === undefined) return Status.unresolvable(ERR_REASON_AFFINITY);
        if (s.affinity.get(t.topologyKey, v) <= 0) podsExist = false;
      }
      // The first pod of a group with affinity to itself may go anywhere with the topology labels.
      if (!podsExist && !(s.affinity.empty && matchesAll(pod.requiredAffinity, pod, ns))) {
        return Status.unresolvable(ERR_REASON_AFFINITY);
      }
      for (const t of pod.requiredAntiAffinity) {
        const v = labels[t.topologyKey];
        if (v !== undefined && s.antiAffinity.get(t.topologyKey, v) > 0) return Status.unschedulable(ERR_REASON_ANTI_AFFINITY);
      }
      if (s.existingAntiAffinity.anyPositive(labels)) return Status.unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY);
      return undefined;
    },
    preScore(state, pod) {
      const own = pod.preferredAffinity.length + pod.preferredAntiAffinity.length > 0;
      const scores = new TopologyCounts();
      const add = (t: AffinityTerm, node: NodeInfo, weight: number): void => {
        const v = node.labels[t.topologyKey];
        if (v !== undefined) scores.add(t.topologyKey, v, weight);
      };
      for (const node of handle.snapshot.list()) {
        // Without preferred terms of its own, only existing pods whose terms score others matter.
        if (!own && node.podsScoringOthers === 0) continue;
        const pods = own ? node.pods : node.podsWithAffinity;
        for (const existing of pods) {
          for (const t of pod.preferredAffinity) if (termMatches(t, existing, ns)) add(t, node, t.weight);
          for (const t of pod.preferredAntiAffinity) if (termMatches(t, existing, ns)) add(t, node, -t.weight);
          if (hardWeight > 0) for (const t of existing.requiredAffinity) if (termMatches(t, pod, ns)) add(t, node, hardWeight);
          if (args.ignorePreferredTermsOfExistingPods) continue;
          for (const t of existing.preferredAffinity) if (termMatches(t, pod, ns)) add(t, node, t.weight);
          for (const t of existing.preferredAntiAffinity) if (termMatches(t, pod, ns)) add(t, node, -t.weight);
        }
      }
      if (scores.empty) return Status.skip();
      state.write(preScoreKey, new PreScoreState(scores));
      return undefined;
    },
    // Raw scores may be negative; normalizeScore maps them into 0–100.
    score(state, _pod, node) {
      const s = state.read(preScoreKey);
      if (!s) return 0;
      let sum = 0;
      for (const [key, byValue] of s.scores.byKey) {
        const v = node.labels[key];
        if (v !== undefined) sum += byValue.get(v) ?? 0;
      }
      return sum;
    },
    normalizeScore(_state, _pod, _nodes, scores) {
      let min = Infinity;
      let max = -Infinity;
      for (const s of scores) {
        if (s < min) min = s;
        if (s > max) max = s;
      }
      const diff = max - min;
      for (let i = 0; i < scores.length; i++) {
        scores[i] = diff > 0 ? Math.trunc(MAX_NODE_SCORE * (((scores[i] as number) - min) / diff)) : 0;
      }
    },
    eventsToRegister: () => [
      { resource: 'AssignedPod', actions: Action.Add | Action.UpdatePodLabel | Action.Delete },
      { resource: 'Node', actions: Action.Add | Action.UpdateNodeLabel },
      { resource: 'Namespace', actions: Action.Add | Action.UpdateOther },
    ],
  };
}
