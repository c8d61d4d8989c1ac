// Pod events as the kubelet words them (reasons from Kubernetes' kubelet/events), over the
// shared EventRecorder: the involved object is the pod.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { EventRecorder as SharedRecorder, EventType } from '../events/recorder.js';

export interface EventRecorder {
  podEvent(pod: Pod, type: EventType, reason: string, message: string): void;
}

export function podEventRecorder(recorder: SharedRecorder): EventRecorder {
  return {
    podEvent(pod, type, reason, message) {
      recorder.event({ apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata }, type, reason, message);
    },
  };
}

/** `name_namespace(uid)`: how Kubernetes names a pod in messages. */
export function podDescription(pod: Pod): string {
  return `${pod.metadata?.name ?? ''}_${pod.metadata?.namespace ?? ''}(${pod.metadata?.uid ?? ''})`;
}
