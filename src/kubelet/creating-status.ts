// The first status of a pod whose start is slow: Pending with every container waiting in
// ContainerCreating (PodInitializing behind init containers), as `kubectl get pods` shows
// while Kubernetes' kubelet sets up the sandbox and pulls images. It is written once per
// first start, and only when one runtime call of it (sandbox, pull, create, start) outlasts
// a short delay, or the start fails: a fast start costs no extra API write, its first status
// is already the Running one. Runtime calls, not the whole sync, are timed so that a kubelet
// busy with a thousand pods at once does not mistake its own queueing for a slow runtime.
import type { KubeletContext, PodRecord } from './context.js';

export class CreatingStatus {
  private writing: Promise<void> | undefined;
  private done = false;

  constructor(
    private readonly ctx: KubeletContext,
    private readonly rec: PodRecord,
    private readonly write: () => Promise<void>,
  ) {}

  /** Whether a pod's sync should watch for a slow start: nothing has run and no container status was written. */
  static needed(rec: PodRecord, containersInRuntime: number): boolean {
    return containersInRuntime === 0 && (rec.lastStatus ?? rec.pod.status)?.containerStatuses === undefined;
  }

  /** Awaits a runtime call; if it takes longer than the delay, the ContainerCreating status goes out meanwhile. */
  async watch<T>(call: Promise<T>): Promise<T> {
    if (this.done) return call;
    const timer = this.ctx.cfg.clock.setTimer(this.ctx.cfg.containerCreatingStatusDelayMs, () => this.start());
    try {
      return await call;
    } finally {
      timer.cancel();
    }
  }

  /** Before the sync writes a status of its own: no early write any more, and none in flight. */
  async settle(): Promise<void> {
    this.done = true;
    await this.writing;
  }

  /** The start failed (e.g. no sandbox yet): show ContainerCreating now if not done already. */
  async failed(): Promise<void> {
    this.start();
    await this.writing;
  }

  private start(): void {
    if (this.done || this.rec.removed) return;
    this.done = true;
    this.writing = this.write().catch((err: unknown) => this.ctx.cfg.log.debug(`writing ContainerCreating status failed: ${String(err)}`));
  }
}

/** A runtime call of a pod's start, timed by the pod's CreatingStatus when it has one. */
export function runtimeCall<T>(rec: PodRecord, call: Promise<T>): Promise<T> {
  return rec.creating ? rec.creating.watch(call) : call;
}
