// Pod-only defaults: what SetDefaults_Pod adds beyond the PodSpec defaults, and what the
// admission plugins every cluster runs add on create (ServiceAccount,
// DefaultTolerationSeconds). Priority is the Priority admission plugin's
// (src/apiserver/admission/priority.ts): a default here would hide a globalDefault class.
import type { Container, Pod, Toleration } from 'kubernetes-types/core/v1.js';
import { defaultPodSpec } from './podspec.js';

export const DEFAULT_TOLERATION_SECONDS = 300;
export const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';
export const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';

/** Limits given without requests become the requests too. */
function requestsFromLimits(c: Container): void {
  const limits = c.resources?.limits;
  if (!limits) return;
  c.resources ??= {};
  const requests = (c.resources.requests ??= {});
  for (const [k, v] of Object.entries(limits)) if (!(k in requests)) requests[k] = v;
}

/** On host networking, a container port's hostPort is its containerPort. */
function hostNetworkPorts(c: Container): void {
  for (const p of c.ports ?? []) if (!p.hostPort) p.hostPort = p.containerPort;
}

function toleratesNoExecute(tolerations: Toleration[], key: string): boolean {
  return tolerations.some((t) => (t.key === key || !t.key) && (t.effect === 'NoExecute' || !t.effect));
}

export function defaultPod(pod: Pod): void {
  pod.spec ??= { containers: [] };
  const spec = pod.spec;
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    requestsFromLimits(c);
    if (spec.hostNetwork) hostNetworkPorts(c);
  }
  spec.enableServiceLinks ??= true;
  if (!spec.serviceAccountName && !spec.serviceAccount) spec.serviceAccountName = 'default';
  defaultPodSpec(spec);
  const tolerations = (spec.tolerations ??= []);
  for (const key of [NOT_READY_TAINT, UNREACHABLE_TAINT]) {
    if (!toleratesNoExecute(tolerations, key))
      tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: DEFAULT_TOLERATION_SECONDS });
  }
}
