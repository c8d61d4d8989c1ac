// NodeUnschedulable: spec.unschedulable (cordon) keeps pods off unless they tolerate the
// node.kubernetes.io/unschedulable:NoSchedule taint.
import type { Taint } from 'kubernetes-types/core/v1.js';
import type { Plugin } from '../../framework.js';
import { Action } from '../../events.js';
import { Status } from '../../status.js';
import { tolerationsTolerate } from '../../taints.js';
import { PluginName } from '../names.js';

export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
const UNSCHEDULABLE_TAINT: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

export function nodeUnschedulable(): Plugin {
  return {
    name: PluginName.NodeUnschedulable,
    filter(_state, pod, node) {
      if (!node.node.spec?.unschedulable) return undefined;
      if (tolerationsTolerate(pod.pod.spec?.tolerations, UNSCHEDULABLE_TAINT)) return undefined;
      return Status.unresolvable(ERR_REASON_UNSCHEDULABLE);
    },
    eventsToRegister: () => [
      {
        resource: 'Node',
        actions: Action.Add | Action.UpdateNodeTaint,
        hint: (_pod, e) => (e.resource === 'Node' && !e.newNode?.spec?.unschedulable ? 'Queue' : 'Skip'),
      },
      { resource: 'UnscheduledPod', actions: Action.UpdatePodToleration },
    ],
  };
}
