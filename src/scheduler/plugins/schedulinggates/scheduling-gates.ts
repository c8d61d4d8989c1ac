// SchedulingGates: a pod with spec.schedulingGates is held back (not tried) until they are removed.
import type { Plugin } from '../../framework.js';
import { Action } from '../../events.js';
import { Status } from '../../status.js';
import { PluginName } from '../names.js';

export function schedulingGates(): Plugin {
  return {
    name: PluginName.SchedulingGates,
    preEnqueue(pod) {
      const gates = pod.pod.spec?.schedulingGates ?? [];
      if (gates.length === 0) return undefined;
      return new Status('UnschedulableAndUnresolvable', [`waiting for scheduling gates: [${gates.map((g) => g.name).join(' ')}]`]);
    },
    eventsToRegister: () => [{ resource: 'UnscheduledPod', actions: Action.UpdatePodSchedulingGatesEliminated }],
  };
}
