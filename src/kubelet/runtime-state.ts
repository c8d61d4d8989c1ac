// A pod as the runtime holds it: its sandboxes (newest first) and every container of them,
// read fresh for each sync; and the labels/annotations that tie runtime objects to pods.
import { createHash } from 'node:crypto';
import type { Container } from 'kubernetes-types/core/v1.js';
import type { KubeletContext } from './context.js';
import { NotFoundError, type ContainerStatus, type SandboxStatus } from './runtime/runtime.js';

export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';
export const ANNOTATION_CONTAINER_HASH = 'io.kubernetes.container.hash';

export interface PodRuntimeState {
  /** Newest attempt first. */
  sandboxes: SandboxStatus[];
  containers: ContainerStatus[];
}

export async function observePod(ctx: KubeletContext, uid: string): Promise<PodRuntimeState> {
  const ids = [...(ctx.sandboxes.get(uid) ?? [])];
  const sandboxes: SandboxStatus[] = [];
  for (const id of ids) {
    try {
      sandboxes.push(await ctx.cfg.runtime.podSandboxStatus(id));
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      ctx.sandboxes.get(uid)?.delete(id);
    }
  }
  sandboxes.sort((a, b) => b.attempt - a.attempt || b.createdAt - a.createdAt);
  const listed = (await Promise.all(sandboxes.map((s) => ctx.cfg.runtime.listContainers({ sandboxId: s.id })))).flat();
  // Exited containers carry their termination message (file or log tail) into the status.
  const containers = await ctx.terminationMessages.apply(listed);
  return { sandboxes, containers };
}

/** Changes to these fields restart the container; resources resize in place and are left out. */
export function containerHash(c: Container): string {
  const { resources: _resources, resizePolicy: _resize, ...rest } = c;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 8);
}

/** What a relist compares of a container: its state and its sandbox (`running/<sandbox id>`). */
export function containerMark(c: Pick<ContainerStatus, 'state' | 'sandboxId'>): string {
  return `${c.state}/${c.sandboxId}`;
}

/**
 * The pod's runtime state as a relist compares it: each sandbox's state, and each container's
 * state and sandbox, by id. Two equal marks: nothing a relist notices has changed.
 */
export function runtimeMark(sandboxes: readonly Pick<SandboxStatus, 'id' | 'state'>[], containers: readonly Pick<ContainerStatus, 'id' | 'state' | 'sandboxId'>[]): string {
  const parts: string[] = [];
  for (const s of sandboxes) parts.push(`${s.id}=${s.state}`);
  for (const c of containers) parts.push(`${c.id}=${containerMark(c)}`);
  return parts.sort().join(' ');
}

/**
 * The mark of `after`, the state a sync left the pod in, when a sync of that state would do
 * nothing: all that changed since `found`, the state the sync acted on, is what starting and
 * cleaning up produce — sandboxes that became ready, containers that became running, exited
 * containers removed. Anything else (a container that exited, or was created and not started;
 * a sandbox that stopped or vanished) gives undefined: the next relist wakes the worker for it.
 */
export function settledMark(found: PodRuntimeState, after: PodRuntimeState): string | undefined {
  const before = new Map<string, string>();
  for (const s of found.sandboxes) before.set(s.id, s.state);
  for (const c of found.containers) before.set(c.id, containerMark(c));
  for (const s of after.sandboxes) {
    if (before.get(s.id) !== s.state && s.state !== 'ready') return undefined;
    before.delete(s.id);
  }
  for (const c of after.containers) {
    if (before.get(c.id) !== containerMark(c) && c.state !== 'running') return undefined;
    before.delete(c.id);
  }
  for (const gone of before.values()) if (!gone.startsWith('exited/')) return undefined;
  return runtimeMark(after.sandboxes, after.containers);
}

export function addSandbox(ctx: KubeletContext, uid: string, id: string): void {
  let set = ctx.sandboxes.get(uid);
  if (!set) {
    set = new Set();
    ctx.sandboxes.set(uid, set);
  }
  set.add(id);
}

/** A name's runtime containers, newest attempt first. */
export function attemptsOfName(containers: ContainerStatus[], name: string): ContainerStatus[] {
  return containers.filter((c) => c.name === name).sort((a, b) => b.attempt - a.attempt || b.createdAt - a.createdAt);
}
