// NodePorts: a pod's hostPorts must be free on the node (same protocol and port on the same IP,
// or on 0.0.0.0 which overlaps every IP).
import type { Plugin } from '../../framework.js';
import { Action } from '../../events.js';
import { Status } from '../../status.js';
import { PodInfo } from '../../pod-info.js';
import { PluginName } from '../names.js';

export const ERR_REASON_PORTS = "node(s) didn't have free ports for the requested pod ports";

export function nodePorts(): Plugin {
  return {
    name: PluginName.NodePorts,
    preFilter(_state, pod) {
      return pod.hostPorts.length === 0 ? Status.skip() : undefined;
    },
    filter(_state, pod, node) {
      for (const hp of pod.hostPorts) {
        if (node.portInUse(hp.ip, hp.protocol, hp.port)) return Status.unschedulable(ERR_REASON_PORTS);
      }
      return undefined;
    },
    eventsToRegister: () => [
      {
        resource: 'AssignedPod',
        actions: Action.Delete,
        hint: (pod, e) => {
          if (e.resource !== 'AssignedPod' || !e.oldPod) return 'Skip';
          const gone = new PodInfo(e.oldPod).hostPorts;
          return gone.some((g) => pod.hostPorts.some((w) => w.port === g.port && w.protocol === g.protocol)) ? 'Queue' : 'Skip';
        },
      },
      { resource: 'Node', actions: Action.Add },
    ],
  };
}
