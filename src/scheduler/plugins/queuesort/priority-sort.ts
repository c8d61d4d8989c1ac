// PrioritySort: higher spec.priority first, then the pod that entered the queue earlier.
import type { Plugin, QueuedPodInfo } from '../../framework.js';
import { PluginName } from '../names.js';

export function prioritySort(): Plugin {
  return {
    name: PluginName.PrioritySort,
    less(a: QueuedPodInfo, b: QueuedPodInfo): boolean {
      const pa = a.podInfo.priority;
      const pb = b.podInfo.priority;
      return pa > pb || (pa === pb && a.timestamp < b.timestamp);
    },
  };
}
