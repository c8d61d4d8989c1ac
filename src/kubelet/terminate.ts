// Ending a pod: on deletion, preStop and graceful stop of every container within the pod's
// deletion grace period, the final status, then the API deletion finished with
// `DELETE gracePeriodSeconds=0` guarded by the pod's uid (the API server keeps a pod bound to a
// node until its kubelet does this). Once the object is gone, everything on the node goes.
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../api/errors.js';
import type { KubeletContext, PodRecord } from './context.js';
import { killContainer } from './lifecycle.js';
import { findContainer } from './resources.js';
import { observePod, type PodRuntimeState } from './runtime-state.js';
import { podNetwork } from './start-container.js';
import { NotFoundError } from './runtime/runtime.js';
import { statusFromRuntime, writePodStatus } from './status-manager.js';

const PODS = { group: '', version: 'v1', resource: 'pods' } as const;

/** Stops every running container (preStop first) and the sandboxes, all within `graceSeconds`. */
export async function killPod(ctx: KubeletContext, rec: PodRecord, state: PodRuntimeState, graceSeconds: number): Promise<void> {
  ctx.probes.removePod(rec.uid);
  const net = podNetwork(ctx, state.sandboxes[0]);
  await Promise.all(
    state.containers
      .filter((c) => c.state === 'running' || c.state === 'created')
      .map(async (c) => {
        const spec = findContainer(rec.pod, c.name) ?? { name: c.name };
        try {
          await killContainer({ pod: rec.pod, target: { runtime: ctx.cfg.runtime, containerId: c.id, container: spec, host: net.podIP }, gracePeriodSeconds: graceSeconds, recorder: ctx.events });
        } catch (err) {
          if (!(err instanceof NotFoundError)) throw err;
        }
      }),
  );
  for (const s of state.sandboxes) if (s.state === 'ready') await ctx.cfg.runtime.stopPodSandbox(s.id);
}

export function deletionGraceSeconds(pod: Pod): number {
  return pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
}

/** The deletion path for a pod with a deletionTimestamp. */
export async function terminatePod(ctx: KubeletContext, rec: PodRecord): Promise<void> {
  const before = await observePod(ctx, rec.uid);
  await killPod(ctx, rec, before, deletionGraceSeconds(rec.pod));
  const after = await observePod(ctx, rec.uid);
  if (rec.admission === 'admitted') {
    const status = statusFromRuntime(ctx, rec, after, true);
    await writePodStatus(ctx, rec, status);
  }
  const pods = ctx.cfg.client.resource<Pod>(PODS, rec.pod.metadata?.namespace ?? 'default');
  try {
    await pods.delete(rec.pod.metadata?.name ?? '', { gracePeriodSeconds: 0, preconditions: { uid: rec.uid } });
  } catch (err) {
    // Gone already, or a different pod of the same name now: either way ours is done.
    if (!(err instanceof ApiError && (err.reason === 'NotFound' || err.reason === 'Conflict'))) throw err;
  }
  rec.terminated = true;
}

/** After the API object is gone: stop what still runs and remove containers, sandboxes, volumes. */
export async function cleanUpPod(ctx: KubeletContext, rec: PodRecord): Promise<void> {
  const state = await observePod(ctx, rec.uid);
  const grace = rec.pod.metadata?.deletionGracePeriodSeconds ?? 0;
  await killPod(ctx, rec, state, grace);
  for (const c of state.containers) await ctx.cfg.runtime.removeContainer(c.id).catch(ignoreNotFound);
  for (const s of state.sandboxes) await ctx.cfg.runtime.removePodSandbox(s.id).catch(ignoreNotFound);
  ctx.sandboxes.delete(rec.uid);
  ctx.objects.unregister(rec.uid);
  ctx.tokens.forgetPod(rec.uid);
  ctx.crashBackoff.forgetPrefix(`${rec.uid}/`);
  ctx.pullBackoff.forgetPrefix(`${rec.uid}/`);
  await ctx.volumes.tearDown(rec.uid);
}

function ignoreNotFound(err: unknown): void {
  if (!(err instanceof NotFoundError)) throw err;
}
