// Which pods a Service's endpoints list and the container port each service port reaches on
// them: the rules Kubernetes' endpoints and EndpointSlice controllers share (v1.33).
import type { Pod, ServicePort } from 'kubernetes-types/core/v1.js';

/**
 * Whether a pod may appear at all: it has an IP, is not terminating (unless those are
 * wanted), and is not finished for good given its restart policy.
 */
export function shouldPodBeInEndpoints(pod: Pod, options: { includeTerminating: boolean }): boolean {
  if (!pod.status?.podIP && !pod.status?.podIPs?.length) return false;
  if (!options.includeTerminating && pod.metadata?.deletionTimestamp) return false;
  const phase = pod.status?.phase;
  const policy = pod.spec?.restartPolicy;
  if (policy === 'Never') return phase !== 'Failed' && phase !== 'Succeeded';
  if (policy === 'OnFailure') return phase !== 'Succeeded';
  return true;
}

/**
 * The container port a service port reaches on this pod: a number is taken as is; a name is
 * looked up among the pod's (and restartable init containers') ports of the same protocol.
 */
export function findPort(pod: Pod, servicePort: ServicePort): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === 'number') return target;
  if (/^[0-9]+$/.test(target)) return Number(target);
  const protocol = servicePort.protocol ?? 'TCP';
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
    }
  }
  return undefined;
}
