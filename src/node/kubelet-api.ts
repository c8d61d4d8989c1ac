// The callbacks that connect the kubelet's HTTPS endpoint to this node's kubelet and runtime:
// which pod a request names (by the kubelet's own view, never the API's), which log file holds
// a container's output, the node's stats, and who may call. Kubernetes' kubelet answers these the same way.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PeerCertificate } from 'node:tls';
import { ApiError } from '../api/errors.js';
import type { RunningKubelet } from '../kubelet/kubelet.js';
import { readContainerLogs } from '../kubelet/logs.js';
import { attemptsOfName } from '../kubelet/runtime-state.js';
import type { ContainerRuntime } from '../kubelet/runtime/runtime.js';
import { LogRequestError, type KubeletCaller, type ReadLogs, type ResolvedPod } from '../kubelet/server/server.js';

/** The kubelet of this node, once started (requests before that find no pods). */
export type KubeletRef = () => RunningKubelet | undefined;

function podNamed(kubelet: RunningKubelet, namespace: string, name: string): Pod | undefined {
  const matches = kubelet.pods().filter((p) => p.metadata?.namespace === namespace && p.metadata.name === name);
  // A pod deleted and re-created under the same name: the newest is the one asked for.
  return matches.find((p) => !p.metadata?.deletionTimestamp) ?? matches[matches.length - 1];
}

export async function resolvePod(ref: KubeletRef, namespace: string, name: string): Promise<ResolvedPod | undefined> {
  const kubelet = ref();
  const pod = kubelet && podNamed(kubelet, namespace, name);
  const uid = pod?.metadata?.uid;
  if (!kubelet || !pod || !uid) return undefined;
  const state = await kubelet.runtimeState(uid);
  const containers = new Map<string, string>();
  for (const c of state.containers) {
    if (!containers.has(c.name)) containers.set(c.name, attemptsOfName(state.containers, c.name)[0]?.id ?? c.id);
  }
  return { uid, sandboxId: state.sandboxes[0]?.id ?? '', containers };
}

/** /stats/summary: the kubelet's Summary; 503 until the kubelet has started. */
export async function statsSummary(ref: KubeletRef): Promise<unknown> {
  const kubelet = ref();
  if (!kubelet) throw new ApiError('ServiceUnavailable', 'the kubelet is starting');
  return kubelet.statsSummary();
}

/** `kubectl logs`: the container's CRI log file (or the previous attempt's), rendered. */
export function logReader(ref: KubeletRef, runtime: ContainerRuntime): ReadLogs {
  return async function* readLogs(request, signal) {
    const kubelet = ref();
    const pod = kubelet && podNamed(kubelet, request.namespace, request.pod);
    const uid = pod?.metadata?.uid;
    if (!kubelet || !uid) throw new LogRequestError(`pod "${request.pod}" in namespace "${request.namespace}" not found`, 404);
    const attempts = attemptsOfName((await kubelet.runtimeState(uid)).containers, request.container);
    const target = request.previous ? attempts[1] : attempts.find((c) => c.id === request.containerId) ?? attempts[0];
    if (!target) {
      const what = request.previous ? 'previous terminated container' : 'container';
      throw new LogRequestError(`${what} "${request.container}" in pod "${request.pod}" not found`, 400);
    }
    const sinceTime = request.sinceTime ?? (request.sinceSeconds !== undefined ? new Date(Date.now() - request.sinceSeconds * 1000) : undefined);
    yield* readContainerLogs(
      target.logPath,
      {
        follow: request.follow && !request.previous,
        tailLines: request.tailLines,
        sinceTime: sinceTime?.toISOString(),
        timestamps: request.timestamps,
        limitBytes: request.limitBytes,
        isRunning: async () => {
          try {
            const s = await runtime.containerStatus(target.id);
            return s.state === 'running' || s.state === 'created';
          } catch {
            return false;
          }
        },
      },
      signal,
    );
  };
}

function subjectList(cert: PeerCertificate, field: 'CN' | 'O'): string[] {
  const v = (cert.subject as unknown as Record<string, string | string[] | undefined> | undefined)?.[field];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** Callers the kubelet API serves: the API server's kubelet-client certificate, or any admin. */
export const KUBELET_API_CLIENT_NAMES: readonly string[] = ['kube-apiserver-kubelet-client', 'system:kube-apiserver'];

/**
 * A client certificate that chains to the cluster CA and names the API server (or anyone in
 * system:masters). Nodes' own certificates (system:nodes) are refused: one node may not exec
 * into another's pods.
 */
export function authorizeKubeletCaller(caller: KubeletCaller): boolean {
  if (!caller.authorized || !caller.certificate) return false;
  const cns = subjectList(caller.certificate, 'CN');
  const groups = subjectList(caller.certificate, 'O');
  return groups.includes('system:masters') || cns.some((cn) => KUBELET_API_CLIENT_NAMES.includes(cn));
}
