// TaintToleration: NoSchedule/NoExecute taints the pod does not tolerate make the node
// unfit; untolerated PreferNoSchedule taints lower the score (fewer is better).
import type { Toleration } from 'kubernetes-types/core/v1.js';
import { StateKey, type Plugin, type StateData } from '../../framework.js';
import { Action } from '../../events.js';
import { Status } from '../../status.js';
import { findUntoleratedTaint, isHardTaint, tolerationsTolerate } from '../../taints.js';
import { defaultNormalizeScore } from '../normalize.js';
import { PluginName } from '../names.js';

class PreScoreState implements StateData {
  constructor(readonly tolerations: readonly Toleration[]) {}
  clone(): StateData {
    return this;
  }
}
const preScoreKey = new StateKey<PreScoreState>(`PreScore${PluginName.TaintToleration}`);

export function taintToleration(): Plugin {
  return {
    name: PluginName.TaintToleration,
    filter(_state, pod, node) {
      const taint = findUntoleratedTaint(node.node.spec?.taints, pod.pod.spec?.tolerations, isHardTaint);
      if (!taint) return undefined;
      return Status.unresolvable(`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`);
    },
    preScore(state, pod) {
      const tolerations = (pod.pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
      state.write(preScoreKey, new PreScoreState(tolerations));
      return undefined;
    },
    score(state, _pod, node) {
      const tolerations = state.read(preScoreKey)?.tolerations ?? [];
      let count = 0;
      for (const taint of node.node.spec?.taints ?? []) {
        if (taint.effect === 'PreferNoSchedule' && !tolerationsTolerate(tolerations, taint)) count++;
      }
      return count;
    },
    normalizeScore(_state, _pod, _nodes, scores) {
      defaultNormalizeScore(scores, { reverse: true });
    },
    eventsToRegister: () => [
      {
        resource: 'Node',
        actions: Action.Add | Action.UpdateNodeTaint,
        hint: (pod, e) =>
          e.resource === 'Node' && e.newNode && !findUntoleratedTaint(e.newNode.spec?.taints, pod.pod.spec?.tolerations, isHardTaint)
            ? 'Queue'
            : 'Skip',
      },
      { resource: 'UnscheduledPod', actions: Action.UpdatePodToleration },
    ],
  };
}
