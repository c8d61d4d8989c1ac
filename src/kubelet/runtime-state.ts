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
  const containers = (await Promise.all(sandboxes.map((s) => ctx.cfg.runtime.listContainers({ sandboxId: s.id })))).flat();
  return { sandboxes, containers };
}

/** Changes to these fields restart the container; resources resize in place and are left out. */
export function containerHash(c: Container): string {
  const { resources: _resources, resizePolicy: _resize, ...rest } = c;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 8);
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
