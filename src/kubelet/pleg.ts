// Pod lifecycle events by relisting (the runtime has no event stream — containerd 1.6 neither):
// every relist interval, list sandboxes and containers, and report the pods whose runtime state
// changed since the last list, each with its state's mark (runtimeMark). Also keeps the
// kubelet's index of sandboxes per pod.
import type { Clock } from '../informer/clock.js';
import { sleep } from '../informer/clock.js';
import type { Logger } from '../log.js';
import { containerMark, runtimeMark } from './runtime-state.js';
import type { ContainerRuntime, ContainerStatus, SandboxStatus } from './runtime/runtime.js';

export class Pleg {
  private last = new Map<string, string>();
  private firstDone = false;

  constructor(
    private readonly o: {
      runtime: ContainerRuntime;
      clock: Clock;
      log: Logger;
      intervalMs: number;
      /** A sandbox of `uid` exists (called for every sandbox at every relist). */
      sawSandbox(uid: string, id: string): void;
      /** The pods whose runtime state changed, each with the mark of its state now. */
      changed(marks: Map<string, string>): void;
    },
  ) {}

  async relist(): Promise<void> {
    const [sandboxes, containers] = await Promise.all([this.o.runtime.listPodSandboxes(), this.o.runtime.listContainers()]);
    const uidOf = new Map<string, string>();
    const next = new Map<string, string>();
    for (const s of sandboxes) {
      uidOf.set(s.id, s.uid);
      next.set(s.id, s.state);
      this.o.sawSandbox(s.uid, s.id);
    }
    for (const c of containers) next.set(c.id, containerMark(c));
    const changed = new Set<string>();
    const uidFor = (id: string, value: string): string | undefined => uidOf.get(id) ?? uidOf.get(value.slice(value.indexOf('/') + 1));
    for (const [id, v] of next) {
      if (this.last.get(id) !== v) {
        const uid = uidFor(id, v);
        if (uid) changed.add(uid);
      }
    }
    for (const [id, v] of this.last) {
      if (!next.has(id)) {
        const uid = uidFor(id, v);
        if (uid) changed.add(uid);
      }
    }
    this.last = next;
    if (this.firstDone && changed.size > 0) this.o.changed(marksOf(changed, sandboxes, containers, uidOf));
    this.firstDone = true;
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.relist();
      } catch (err) {
        if (!signal.aborted) this.o.log.warn(`relist failed: ${String(err)}`);
      }
      await sleep(this.o.clock, this.o.intervalMs, signal);
    }
  }
}

function marksOf(uids: Set<string>, sandboxes: SandboxStatus[], containers: ContainerStatus[], uidOf: Map<string, string>): Map<string, string> {
  const of = new Map<string, { sandboxes: SandboxStatus[]; containers: ContainerStatus[] }>();
  for (const uid of uids) of.set(uid, { sandboxes: [], containers: [] });
  for (const s of sandboxes) of.get(s.uid)?.sandboxes.push(s);
  for (const c of containers) of.get(uidOf.get(c.sandboxId) ?? '')?.containers.push(c);
  const marks = new Map<string, string>();
  for (const [uid, state] of of) marks.set(uid, runtimeMark(state.sandboxes, state.containers));
  return marks;
}
