// NodeAffinity: spec.nodeSelector and required node affinity filter nodes (all operators; matchFields
// on metadata.name also narrow the candidate list in preFilter); preferred terms score by the
// sum of matching weights, normalized to 0–100. Optional args.addedAffinity is ANDed for every pod.
import type { NodeAffinity, NodeSelectorTerm } from 'kubernetes-types/core/v1.js';
import { StateKey, type Plugin, type StateData } from '../../framework.js';
import { Action } from '../../events.js';
import { compileNodeSelectorTerm, compileNodeSelectorTerms, requiredNodeMatcher, type NodeMatcher } from '../../node-selector.js';
import type { PodInfo } from '../../pod-info.js';
import { Status } from '../../status.js';
import { defaultNormalizeScore } from '../normalize.js';
import { PluginName } from '../names.js';

export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";
export const ERR_REASON_ENFORCED = "node(s) didn't match scheduler-enforced node affinity";
const ERR_REASON_CONFLICT = 'pod affinity terms conflict';

export interface NodeAffinityArgs {
  addedAffinity?: NodeAffinity;
}

class FilterState implements StateData {
  constructor(readonly matches: NodeMatcher | undefined) {}
  clone(): StateData {
    return this;
  }
}
class ScoreState implements StateData {
  constructor(readonly preferred: readonly { weight: number; matches: NodeMatcher }[]) {}
  clone(): StateData {
    return this;
  }
}
const filterKey = new StateKey<FilterState>(`PreFilter${PluginName.NodeAffinity}`);
const scoreKey = new StateKey<ScoreState>(`PreScore${PluginName.NodeAffinity}`);

/** Node names the required terms pin the pod to via matchFields metadata.name In; undefined = any. */
function nodeNamesFromTerms(terms: readonly NodeSelectorTerm[]): Set<string> | undefined {
  const union = new Set<string>();
  for (const term of terms) {
    let names: Set<string> | undefined;
    for (const f of term.matchFields ?? []) {
      if (f.key !== 'metadata.name' || f.operator !== 'In') continue;
      const these = new Set(f.values ?? []);
      names = names ? new Set([...names].filter((n) => these.has(n))) : these;
    }
    if (!names) return undefined;
    for (const n of names) union.add(n);
  }
  return union;
}

function preferredOf(pod: PodInfo, added: NodeAffinity | undefined): { weight: number; matches: NodeMatcher }[] {
  const out: { weight: number; matches: NodeMatcher }[] = [];
  const terms = [
    ...(added?.preferredDuringSchedulingIgnoredDuringExecution ?? []),
    ...(pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []),
  ];
  for (const t of terms) {
    if (!t.weight) continue;
    const m = compileNodeSelectorTerm(t.preference);
    if (m) out.push({ weight: t.weight, matches: m });
  }
  return out;
}

export function nodeAffinity(args: NodeAffinityArgs = {}): Plugin {
  const addedTerms = args.addedAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  const added = addedTerms ? compileNodeSelectorTerms(addedTerms) : undefined;
  return {
    name: PluginName.NodeAffinity,
    preFilter(state, pod) {
      const required = pod.pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
      if (!required && !pod.pod.spec?.nodeSelector && !added) return Status.skip();
      state.write(filterKey, new FilterState(requiredNodeMatcher(pod.pod)));
      const names = required ? nodeNamesFromTerms(required.nodeSelectorTerms ?? []) : undefined;
      if (names === undefined) return undefined;
      if (names.size === 0) return Status.unresolvable(ERR_REASON_CONFLICT);
      return { nodeNames: names };
    },
    filter(state, pod, node) {
      if (added && !added(node.node)) return Status.unresolvable(ERR_REASON_ENFORCED);
      const matches = state.read(filterKey)?.matches ?? requiredNodeMatcher(pod.pod);
      if (matches && !matches(node.node)) return Status.unresolvable(ERR_REASON_POD);
      return undefined;
    },
    preScore(state, pod) {
      const preferred = preferredOf(pod, args.addedAffinity);
      if (preferred.length === 0) return Status.skip();
      state.write(scoreKey, new ScoreState(preferred));
      return undefined;
    },
    score(state, pod, node) {
      const preferred = state.read(scoreKey)?.preferred ?? preferredOf(pod, args.addedAffinity);
      let sum = 0;
      for (const p of preferred) if (p.matches(node.node)) sum += p.weight;
      return sum;
    },
    normalizeScore(_state, _pod, _nodes, scores) {
      defaultNormalizeScore(scores, { reverse: false });
    },
    eventsToRegister: () => [
      {
        resource: 'Node',
        actions: Action.Add | Action.UpdateNodeLabel,
        hint: (pod, e) => {
          if (e.resource !== 'Node' || !e.newNode) return 'Skip';
          const m = requiredNodeMatcher(pod.pod);
          return (!added || added(e.newNode)) && (!m || m(e.newNode)) ? 'Queue' : 'Skip';
        },
      },
      { resource: 'UnscheduledPod', actions: Action.UpdateOther },
    ],
  };
}
