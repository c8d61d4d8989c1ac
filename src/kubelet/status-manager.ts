// Writes pod status to the API (PATCH pods/status) only when it differs from what was last
// written, compared as Kubernetes compares statuses (key order, and a missing member, null or an
// empty list, do not count); fields the new status no longer has are removed by the merge patch.
import type { Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../api/errors.js';
import { jsonEqual } from '../api/validation/equal.js';
import type { KubeletContext, PodRecord } from './context.js';
import type { PodRuntimeState } from './runtime-state.js';
import { generatePodStatus } from './status.js';

const PODS = { group: '', version: 'v1', resource: 'pods' } as const;

export async function writePodStatus(ctx: KubeletContext, rec: PodRecord, status: PodStatus): Promise<void> {
  const before = rec.lastStatus ?? rec.pod.status;
  if (before && jsonEqual(before, status)) {
    rec.lastStatus = status;
    return;
  }
  const patch: Record<string, unknown> = { ...status };
  for (const k of Object.keys(before ?? {})) if (!(k in patch)) patch[k] = null;
  const pods = ctx.cfg.client.resource<Pod>(PODS, rec.pod.metadata?.namespace ?? 'default');
  // The uid makes the patch apply to this pod only (a uid that differs is refused as an
  // immutable-field change), as Kubernetes' status manager sends it; the answer is not read.
  const body = { metadata: { uid: rec.uid }, status: patch };
  rec.writingStatus = status;
  try {
    await ctx.statusWrites.run(() => pods.patchOnly(rec.pod.metadata?.name ?? '', 'merge', body, { subresource: 'status' }));
    rec.lastStatus = status;
  } catch (err) {
    // The pod is gone, or its name now belongs to a new pod: the informer will say so and the
    // worker cleans up.
    if (err instanceof ApiError && (err.reason === 'NotFound' || isUidMismatch(err))) return;
    throw err;
  } finally {
    if (rec.writingStatus === status) rec.writingStatus = undefined;
  }
}

/**
 * Whether `next`, an update of the pod the watch brings, only echoes this kubelet's own status
 * write: spec and metadata as before (bar resourceVersion and managedFields) and the status
 * the kubelet wrote or is writing. A sync would find nothing to do, so none is started.
 */
export function isOwnStatusEcho(rec: PodRecord, previous: Pod, next: Pod): boolean {
  const wrote = (s: PodStatus | undefined): boolean => s !== undefined && jsonEqual(s, next.status);
  if (!(wrote(rec.writingStatus) || wrote(rec.lastStatus)) || !jsonEqual(previous.spec, next.spec)) return false;
  const meta = (p: Pod) => ({ ...p.metadata, resourceVersion: undefined, managedFields: undefined });
  return jsonEqual(meta(previous), meta(next));
}

function isUidMismatch(err: ApiError): boolean {
  return err.reason === 'Invalid' && (err.details?.causes ?? []).some((c) => c.field === 'metadata.uid');
}

/** The pod's status as the runtime shows it now (`terminal`: the pod will not run again). */
export function statusFromRuntime(ctx: KubeletContext, rec: PodRecord, state: PodRuntimeState, terminal: boolean): PodStatus {
  // Kept for when the sandbox is stopped: a stopped sandbox reports no address.
  const ip = state.sandboxes[0]?.ip;
  if (ip) rec.sandboxIP = ip;
  return generatePodStatus({
    pod: { ...rec.pod, status: rec.lastStatus ?? rec.pod.status },
    sandbox: state.sandboxes[0],
    containers: state.containers,
    probes: (id) => ctx.probes.state(id),
    waiting: rec.waiting,
    runtimeName: ctx.cfg.runtime.name,
    hostIP: ctx.hostIP,
    ...(rec.sandboxIP ? { knownPodIP: rec.sandboxIP } : {}),
    terminal,
    startTime: rec.firstSeen,
    now: ctx.cfg.clock.now(),
  });
}
