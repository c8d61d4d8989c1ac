// PodTopologySpread: DoNotSchedule constraints filter nodes where placing the pod would make
// (matching pods in the domain + 1) − (global minimum) exceed maxSkew; the minimum is 0 while
// fewer than minDomains domains exist. ScheduleAnyway constraints score: fewer matching pods in
// the node's domains is better (count × log(domains + 2) + maxSkew − 1, inverted to 0–100).
import { MAX_NODE_SCORE, StateKey, type Handle, type Plugin, type StateData } from '../../framework.js';
import { Action } from '../../events.js';
import type { NodeInfo } from '../../node-info.js';
import { requiredNodeMatcher, type NodeMatcher } from '../../node-selector.js';
import type { PodInfo } from '../../pod-info.js';
import { Status } from '../../status.js';
import { TopologyCounts } from '../../topology-counts.js';
import { PluginName } from '../names.js';
import { compileConstraints, countMatching, HOSTNAME_LABEL, includesNode, nodeHasAllKeys, type Constraint } from './constraints.js';

export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_NODE_LABEL_NOT_MATCH = `${ERR_REASON_CONSTRAINTS_NOT_MATCH} (missing required label)`;

class PreFilterState implements StateData {
  private minByKey: Map<string, number> | undefined;
  constructor(
    readonly constraints: readonly Constraint[],
    readonly counts: TopologyCounts,
  ) {}

  add(key: string, value: string, n: number): void {
    this.counts.add(key, value, n);
    this.minByKey = undefined;
  }

  minMatch(c: Constraint): number {
    const domains = this.counts.byKey.get(c.topologyKey);
    if (c.minDomains !== undefined && (domains?.size ?? 0) < c.minDomains) return 0;
    if (!this.minByKey) this.minByKey = new Map();
    let min = this.minByKey.get(c.topologyKey);
    if (min === undefined) {
      min = Infinity;
      for (const n of domains?.values() ?? []) if (n < min) min = n;
      this.minByKey.set(c.topologyKey, min);
    }
    return min;
  }

  clone(): StateData {
    return new PreFilterState(this.constraints, this.counts.clone());
  }
}

class PreScoreState implements StateData {
  constructor(
    readonly constraints: readonly Constraint[],
    readonly counts: TopologyCounts,
    readonly weights: readonly number[],
    readonly ignored: ReadonlySet<string>,
  ) {}
  clone(): StateData {
    return this;
  }
}

const preFilterKey = new StateKey<PreFilterState>(`PreFilter${PluginName.PodTopologySpread}`);
const preScoreKey = new StateKey<PreScoreState>(`PreScore${PluginName.PodTopologySpread}`);

function update(s: PreFilterState, pod: PodInfo, changed: PodInfo, node: NodeInfo, delta: 1 | -1): void {
  if (changed.namespace !== pod.namespace || !nodeHasAllKeys(node.labels, s.constraints)) return;
  const required = requiredNodeMatcher(pod.pod);
  for (const c of s.constraints) {
    if (!c.matches(changed.labels) || !includesNode(c, pod, node.node, required)) continue;
    s.add(c.topologyKey, node.labels[c.topologyKey] as string, delta);
  }
}

export function podTopologySpread(handle: Handle): Plugin {
  return {
    name: PluginName.PodTopologySpread,
    preFilter(state, pod) {
      const constraints = compileConstraints(pod, 'DoNotSchedule');
      if (constraints.length === 0) return Status.skip();
      // Built only when an index is new (its `includes` is the one reader).
      let required: { matcher: NodeMatcher | undefined } | undefined;
      const counts = new TopologyCounts();
      for (const c of constraints) {
        const domains = handle.snapshot.domainCounts(c.identity, () => ({
          namespace: pod.namespace,
          topologyKey: c.topologyKey,
          matches: c.matches,
          includes: (node) => {
            required ??= { matcher: requiredNodeMatcher(pod.pod) };
            return nodeHasAllKeys(node.labels, constraints) && includesNode(c, pod, node.node, required.matcher);
          },
        }));
        for (const [value, n] of domains.counts) counts.add(c.topologyKey, value, n);
      }
      state.write(preFilterKey, new PreFilterState(constraints, counts));
      return undefined;
    },
    addPod(state, pod, added, node) {
      const s = state.read(preFilterKey);
      if (s) update(s, pod, added, node, 1);
      return undefined;
    },
    removePod(state, pod, removed, node) {
      const s = state.read(preFilterKey);
      if (s) update(s, pod, removed, node, -1);
      return undefined;
    },
    filter(state, pod, node) {
      const s = state.read(preFilterKey);
      if (!s) return Status.error(`reading "${preFilterKey.name}" from cycleState: not found`);
      for (const c of s.constraints) {
        const value = node.labels[c.topologyKey];
        if (value === undefined) return Status.unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH);
        const self = c.matches(pod.labels) ? 1 : 0;
        const skew = s.counts.get(c.topologyKey, value) + self - s.minMatch(c);
        if (skew > c.maxSkew) return Status.unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH);
      }
      return undefined;
    },
    preScore(state, pod, filtered) {
      const constraints = compileConstraints(pod, 'ScheduleAnyway');
      if (constraints.length === 0) return Status.skip();
      const ignored = new Set<string>();
      const counts = new TopologyCounts();
      const domains = constraints.map(() => 0);
      for (const node of filtered) {
        if (!nodeHasAllKeys(node.labels, constraints)) {
          ignored.add(node.name);
          continue;
        }
        constraints.forEach((c, i) => {
          if (c.topologyKey === HOSTNAME_LABEL) return;
          const v = node.labels[c.topologyKey] as string;
          if (counts.byKey.get(c.topologyKey)?.has(v)) return;
          counts.add(c.topologyKey, v, 0);
          domains[i] = (domains[i] as number) + 1;
        });
      }
      const weights = constraints.map((c, i) => Math.log((c.topologyKey === HOSTNAME_LABEL ? filtered.length - ignored.size : (domains[i] as number)) + 2));
      const required = requiredNodeMatcher(pod.pod);
      for (const node of handle.snapshot.list()) {
        if (!nodeHasAllKeys(node.labels, constraints)) continue;
        for (const c of constraints) {
          if (c.topologyKey === HOSTNAME_LABEL || !includesNode(c, pod, node.node, required)) continue;
          const v = node.labels[c.topologyKey] as string;
          if (!counts.byKey.get(c.topologyKey)?.has(v)) continue;
          counts.add(c.topologyKey, v, countMatching(node, c, pod.namespace));
        }
      }
      state.write(preScoreKey, new PreScoreState(constraints, counts, weights, ignored));
      return undefined;
    },
    score(state, pod, node) {
      const s = state.read(preScoreKey);
      if (!s || s.ignored.has(node.name)) return 0;
      let score = 0;
      s.constraints.forEach((c, i) => {
        const v = node.labels[c.topologyKey];
        if (v === undefined) return;
        const count = c.topologyKey === HOSTNAME_LABEL ? countMatching(node, c, pod.namespace) : s.counts.get(c.topologyKey, v);
        score += count * (s.weights[i] as number) + (c.maxSkew - 1);
      });
      return Math.round(score);
    },
    normalizeScore(state, _pod, nodes, scores) {
      const s = state.read(preScoreKey);
      if (!s) return;
      let min = Infinity;
      let max = 0;
      nodes.forEach((n, i) => {
        if (s.ignored.has(n.name)) return;
        const v = scores[i] as number;
        if (v < min) min = v;
        if (v > max) max = v;
      });
      nodes.forEach((n, i) => {
        if (s.ignored.has(n.name)) scores[i] = 0;
        else if (max === 0) scores[i] = MAX_NODE_SCORE;
        else scores[i] = Math.trunc((MAX_NODE_SCORE * (max + min - (scores[i] as number))) / max);
      });
    },
    eventsToRegister: () => [
      { resource: 'AssignedPod', actions: Action.Add | Action.UpdatePodLabel | Action.Delete },
      { resource: 'Node', actions: Action.Add | Action.Delete | Action.UpdateNodeLabel | Action.UpdateNodeTaint },
    ],
  };
}
