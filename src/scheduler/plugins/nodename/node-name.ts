// NodeName: a pod that names its node (spec.nodeName) fits only there.
import type { Plugin } from '../../framework.js';
import { Action } from '../../events.js';
import { Status } from '../../status.js';
import { PluginName } from '../names.js';

export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";

export function nodeName(): Plugin {
  return {
    name: PluginName.NodeName,
    filter(_state, pod, node) {
      const wanted = pod.pod.spec?.nodeName;
      if (!wanted || wanted === node.name) return undefined;
      return Status.unresolvable(ERR_REASON_NODE_NAME);
    },
    eventsToRegister: () => [
      {
        resource: 'Node',
        actions: Action.Add,
        hint: (pod, e) => (e.resource === 'Node' && e.newNode?.metadata?.name === pod.pod.spec?.nodeName ? 'Queue' : 'Skip'),
      },
    ],
  };
}
