// One sync of one pod: read the runtime, decide, act, write status. Decisions follow
// Kubernetes' computePodActions: a (re)created sandbox when none is ready; init containers one
// at a time to completion; then app containers per restartPolicy (Always / OnFailure / Never)
// with CrashLoopBackOff; containers whose spec changed or whose liveness/startup probe failed
// are restarted; containers not in the spec are killed. Level-based: the same inputs always
// lead to the same actions, so a sync may run at any time.
import { mkdir } from 'node:fs/promises';
import type { Container } from 'kubernetes-types/core/v1.js';
import { formatDuration } from './backoff.js';
import type { KubeletContext, PodRecord } from './context.js';
import { CreatingStatus, runtimeCall } from './creating-status.js';
import { podDescription } from './events.js';
import { killContainer } from './lifecycle.js';
import { allocatable } from './resources.js';
import { ANNOTATION_CONTAINER_HASH, addSandbox, attemptsOfName, containerHash, observePod, runtimeMark, settledMark, type PodRuntimeState } from './runtime-state.js';
import { podNetwork, sandboxConfig, startContainer } from './start-container.js';
import type { ContainerStatus, SandboxStatus } from './runtime/runtime.js';
import { statusFromRuntime, writePodStatus } from './status-manager.js';
import { killPod } from './terminate.js';
import { MountError } from './volumes/projections.js';

export interface SyncOutcome {
  /** Sync again after this long (a back-off ends, a retry is due). */
  requeueAfterMs?: number;
}

class Requeue {
  at: number | undefined;
  add(ms: number | undefined): void {
    if (ms !== undefined && (this.at === undefined || ms < this.at)) this.at = ms;
  }
}

function shouldRestart(policy: string, exited: ContainerStatus): boolean {
  if (policy === 'Always') return true;
  if (policy === 'OnFailure') return exited.exitCode !== 0;
  return false;
}

/** Status of the pod as it stands, written when changed. */
export async function syncStatus(ctx: KubeletContext, rec: PodRecord, state: PodRuntimeState, terminal: boolean): Promise<void> {
  await writePodStatus(ctx, rec, statusFromRuntime(ctx, rec, state, terminal));
}

async function ensureSandbox(ctx: KubeletContext, rec: PodRecord, state: PodRuntimeState): Promise<SandboxStatus | undefined> {
  const latest = state.sandboxes[0];
  if (latest?.state === 'ready') return latest;
  const pod = rec.pod;
  if (latest) {
    // With restartPolicy Never a pod whose containers already ran does not get a new sandbox.
    if (pod.spec?.restartPolicy === 'Never' && state.containers.length > 0) return undefined;
    ctx.events.podEvent(pod, 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
    await killPod(ctx, rec, state, 0);
  }
  const attempt = latest ? latest.attempt + 1 : 0;
  const config = sandboxConfig(ctx, pod, attempt);
  if (ctx.cfg.volumes === 'disk') await mkdir(config.logDirectory, { recursive: true });
  const id = await runtimeCall(rec, ctx.cfg.runtime.runPodSandbox(config));
  addSandbox(ctx, rec.uid, id);
  const created = await ctx.cfg.runtime.podSandboxStatus(id);
  if (created.ip) rec.sandboxIP = created.ip;
  return created;
}

/**
 * Starts `c` as attempt `latest.attempt + 1` unless its back-off says wait (then the waiting
 * reason is CrashLoopBackOff). Returns whether a start was attempted.
 */
async function restartOrBackOff(ctx: KubeletContext, rec: PodRecord, sandbox: SandboxStatus, c: Container, latest: ContainerStatus | undefined, requeue: Requeue): Promise<void> {
  const now = ctx.cfg.clock.now();
  if (latest && !rec.forceRestart.has(c.name)) {
    const key = `${rec.uid}/${c.name}`;
    const finished = latest.finishedAt || now;
    const b = ctx.crashBackoff.check(key, finished, now);
    if (b.wait) {
      const message = `back-off ${formatDuration(b.delayMs)} restarting failed container=${c.name} pod=${podDescription(rec.pod)}`;
      if (rec.waiting.get(c.name)?.reason !== 'CrashLoopBackOff') {
        ctx.events.podEvent(rec.pod, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${podDescription(rec.pod)}`);
      }
      rec.waiting.set(c.name, { reason: 'CrashLoopBackOff', message });
      requeue.add(b.untilMs);
      return;
    }
    if (ctx.cfg.firstRestartDelayMs > 0 && now - finished < ctx.cfg.firstRestartDelayMs) {
      requeue.add(finished + ctx.cfg.firstRestartDelayMs);
      return;
    }
    ctx.crashBackoff.next(key, finished);
  }
  rec.forceRestart.delete(c.name);
  const r = await startContainer(ctx, rec, sandbox, c, latest ? latest.attempt + 1 : 0);
  if (!r.ok) requeue.add(r.retryAtMs);
}

/** Kills a running container that must be replaced, marking it for an immediate restart. */
async function replace(ctx: KubeletContext, rec: PodRecord, c: Container, running: ContainerStatus, sandbox: SandboxStatus, message: string, restart: boolean): Promise<void> {
  if (restart) rec.forceRestart.add(c.name);
  const target = { runtime: ctx.cfg.runtime, containerId: running.id, container: c, host: podNetwork(ctx, sandbox).podIP };
  await killContainer({ pod: rec.pod, target, gracePeriodSeconds: rec.pod.spec?.terminationGracePeriodSeconds ?? 30, recorder: ctx.events, message });
}

/** Runs init containers in order; true once all (non-sidecar) have completed. */
async function syncInitContainers(ctx: KubeletContext, rec: PodRecord, state: PodRuntimeState, sandbox: SandboxStatus, requeue: Requeue): Promise<boolean> {
  const policy = rec.pod.spec?.restartPolicy ?? 'Always';
  for (const c of rec.pod.spec?.initContainers ?? []) {
    const latest = attemptsOfName(state.containers, c.name)[0];
    const sidecar = c.restartPolicy === 'Always';
    if (latest?.state === 'running') {
      if (sidecar) {
        if (!(await checkRunning(ctx, rec, c, latest, sandbox))) return false;
        if (!ctx.probes.state(latest.id).started) return false;
        continue;
      }
      return false;
    }
    if (latest?.state === 'exited' && latest.exitCode === 0 && !sidecar) continue;
    if (latest?.state === 'exited' && !sidecar && policy === 'Never') return false;
    if (latest?.state === 'created') return false;
    await restartOrBackOff(ctx, rec, sandbox, c, latest, requeue);
    return false;
  }
  return true;
}

/** Liveness/startup failure or spec change: replace the container. False when it was killed. */
async function checkRunning(ctx: KubeletContext, rec: PodRecord, c: Container, running: ContainerStatus, sandbox: SandboxStatus): Promise<boolean> {
  const hash = running.annotations[ANNOTATION_CONTAINER_HASH];
  if (hash !== undefined && hash !== containerHash(c)) {
    await replace(ctx, rec, c, running, sandbox, `Container ${c.name} definition changed, will be restarted`, true);
    return false;
  }
  const probe = ctx.probes.state(running.id).failedProbe;
  if (probe) {
    // The killed container exits non-zero, so the restart policy restarts it — through the
    // crash back-off, as Kubernetes does: a container that keeps failing its liveness probe
    // ends in CrashLoopBackOff instead of restarting as fast as it is probed.
    await replace(ctx, rec, c, running, sandbox, `Container ${c.name} failed ${probe} probe, will be restarted`, false);
    return false;
  }
  return true;
}

async function syncAppContainers(ctx: KubeletContext, rec: PodRecord, state: PodRuntimeState, sandbox: SandboxStatus, requeue: Requeue): Promise<void> {
  const policy = rec.pod.spec?.restartPolicy ?? 'Always';
  for (const c of rec.pod.spec?.containers ?? []) {
    const latest = attemptsOfName(state.containers, c.name)[0];
    if (latest?.state === 'running') {
      await checkRunning(ctx, rec, c, latest, sandbox);
      continue;
    }
    if (latest?.state === 'created') continue;
    if (latest?.state === 'exited' && !rec.forceRestart.has(c.name) && !shouldRestart(policy, latest)) continue;
    await restartOrBackOff(ctx, rec, sandbox, c, latest, requeue);
  }
}

/**
 * Starts each ephemeral container once; one that has run is never started again. As in
 * Kubernetes they may start before the pod's initialization completes.
 */
async function syncEphemeralContainers(ctx: KubeletContext, rec: PodRecord, state: PodRuntimeState, sandbox: SandboxStatus, requeue: Requeue): Promise<void> {
  for (const c of rec.pod.spec?.ephemeralContainers ?? []) {
    if (attemptsOfName(state.containers, c.name).length > 0) continue;
    const target = c.targetContainerName ? attemptsOfName(state.containers, c.targetContainerName)[0] : undefined;
    const r = await startContainer(ctx, rec, sandbox, c, 0, target?.state === 'running' ? target.id : undefined);
    if (!r.ok) requeue.add(r.retryAtMs);
  }
}

/** Kills containers the spec no longer has, and removes all but the two newest attempts per name. */
async function cleanUpContainers(ctx: KubeletContext, rec: PodRecord, state: PodRuntimeState): Promise<void> {
  const spec = rec.pod.spec;
  const names = new Set([...(spec?.initContainers ?? []), ...(spec?.containers ?? []), ...(spec?.ephemeralContainers ?? [])].map((c) => c.name));
  const byName = new Map<string, ContainerStatus[]>();
  for (const c of state.containers) {
    if (!names.has(c.name) && c.state === 'running') await ctx.cfg.runtime.stopContainer(c.id, 0);
    byName.set(c.name, [...(byName.get(c.name) ?? []), c]);
  }
  for (const [name, list] of byName) {
    const sorted = attemptsOfName(list, name);
    for (const old of sorted.slice(2)) if (old.state === 'exited') await ctx.cfg.runtime.removeContainer(old.id).catch(() => undefined);
  }
}

/** The pod is running its course: nothing more will start (Never/OnFailure with all done). */
function finished(rec: PodRecord, state: PodRuntimeState): boolean {
  const policy = rec.pod.spec?.restartPolicy ?? 'Always';
  if (policy === 'Always') return false;
  const apps = rec.pod.spec?.containers ?? [];
  const allDone = apps.every((c) => {
    const latest = attemptsOfName(state.containers, c.name)[0];
    return latest?.state === 'exited' && !shouldRestart(policy, latest);
  });
  if (allDone) return true;
  if (policy !== 'Never') return false;
  return (rec.pod.spec?.initContainers ?? []).some((c) => {
    const latest = attemptsOfName(state.containers, c.name)[0];
    return c.restartPolicy !== 'Always' && latest?.state === 'exited' && latest.exitCode !== 0;
  });
}

export async function syncPod(ctx: KubeletContext, rec: PodRecord): Promise<SyncOutcome> {
  const requeue = new Requeue();
  const pod = rec.pod;
  const phase = (rec.lastStatus ?? pod.status)?.phase;
  rec.settled = undefined;
  let state = await observePod(ctx, rec.uid);
  if (phase === 'Succeeded' || phase === 'Failed') {
    const live = (s: PodRuntimeState): boolean => s.containers.some((c) => c.state === 'running') || s.sandboxes.some((b) => b.state === 'ready');
    if (live(state)) {
      await killPod(ctx, rec, state, pod.spec?.terminationGracePeriodSeconds ?? 30);
      state = await observePod(ctx, rec.uid);
    }
    if (!live(state)) rec.settled = runtimeMark(state.sandboxes, state.containers);
    await syncStatus(ctx, rec, state, true);
    return {};
  }
  // The status as found goes out before acting on it, as Kubernetes' syncPod does: a crash
  // shows as Error (or Completed) before the restart replaces it. A pod that has run nothing
  // yet skips this write unless its start turns out slow (CreatingStatus).
  if (state.containers.length > 0) await syncStatus(ctx, rec, state, false);
  const found = state;
  const creating = CreatingStatus.needed(rec, state.containers.length) ? new CreatingStatus(ctx, rec, () => syncStatus(ctx, rec, found, false)) : undefined;
  rec.creating = creating;
  try {
    return await startPod(ctx, rec, state, requeue, creating);
  } catch (err) {
    await creating?.failed();
    throw err;
  } finally {
    rec.creating = undefined;
  }
}

async function startPod(ctx: KubeletContext, rec: PodRecord, found: PodRuntimeState, requeue: Requeue, creating: CreatingStatus | undefined): Promise<SyncOutcome> {
  const pod = rec.pod;
  let state = found;
  ctx.objects.register(pod);
  try {
    await ctx.volumes.setUp({ pod, objects: ctx.objects, network: podNetwork(ctx, state.sandboxes[0]), node: allocatable(ctx.cfg.capacity), token: (p, s) => ctx.tokens.token(p, s) });
  } catch (err) {
    if (!(err instanceof MountError)) throw err;
    ctx.events.podEvent(pod, 'Warning', 'FailedMount', err.message);
    await creating?.settle();
    await syncStatus(ctx, rec, state, false);
    return { requeueAfterMs: 2000 };
  }
  if (!finished(rec, state)) {
    const sandbox = await ensureSandbox(ctx, rec, state);
    if (sandbox) {
      if (sandbox.id !== state.sandboxes[0]?.id) state = await observePod(ctx, rec.uid);
      if (await syncInitContainers(ctx, rec, state, sandbox, requeue)) await syncAppContainers(ctx, rec, state, sandbox, requeue);
      await syncEphemeralContainers(ctx, rec, state, sandbox, requeue);
      await cleanUpContainers(ctx, rec, state);
    }
    state = await observePod(ctx, rec.uid);
  }
  if (finished(rec, state) && state.sandboxes.some((s) => s.state === 'ready')) {
    await killPod(ctx, rec, state, pod.spec?.terminationGracePeriodSeconds ?? 30);
    state = await observePod(ctx, rec.uid);
  }
  const sandbox = state.sandboxes[0];
  const running = state.containers.filter((c) => c.state === 'running' && c.sandboxId === sandbox?.id);
  const specs = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  ctx.probes.sync(
    pod,
    running.flatMap((c) => {
      const container = specs.find((s) => s.name === c.name);
      return container ? [{ name: c.name, id: c.id, startedAt: c.startedAt || c.createdAt, container }] : [];
    }),
    podNetwork(ctx, sandbox).podIP,
  );
  // Before the status write, which may wait long: a relist meanwhile finds the pod settled.
  rec.settled = settledMark(found, state);
  await creating?.settle();
  await syncStatus(ctx, rec, state, false);
  const now = ctx.cfg.clock.now();
  return requeue.at === undefined ? {} : { requeueAfterMs: Math.max(0, requeue.at - now) };
}
