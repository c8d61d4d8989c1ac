// The scheduling queue, as kube-scheduler's PriorityQueue (v1.33):
// - activeQ: pods to try now, ordered by the profile's queueSort (priority desc, then FIFO).
// - backoffQ: pods waiting out their backoff (initial 1 s, doubling per attempt, max 10 s).
// - unschedulable: pods no node fits; they leave only on a cluster event one of their rejecting
//   plugins registered for (and whose hint says Queue), or after 5 min in there.
// Events that arrive while a pod is being scheduled are remembered and checked when it comes
// back rejected, so a node added mid-cycle is never missed.
// Time comes from the injected clock; `flush()` does the periodic moves (scheduleOne calls it).
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Clock } from './clock.js';
import type { ClusterEvent, ClusterEventWithHint } from './events.js';
import { Action, podUpdateActions } from './events.js';
import type { Nominator, QueuedPodInfo } from './framework.js';
import { KeyedHeap } from './heap.js';
import { PodInfo, podKey } from './pod-info.js';
import type { Status } from './status.js';

export interface QueueOptions {
  clock: Clock;
  /** Order of activeQ: true when `a` goes first. */
  less: (a: QueuedPodInfo, b: QueuedPodInfo) => boolean;
  /** Event registrations of a plugin, by name. */
  hintsFor: (plugin: string) => readonly ClusterEventWithHint[];
  /** PreEnqueue gate (scheduling gates); a status holds the pod back until it is updated. */
  preEnqueue?: (pod: PodInfo) => Status | undefined;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  maxInUnschedulableMs?: number;
  makePodInfo?: (pod: Pod) => PodInfo;
}

const LEFTOVER_FLUSH_INTERVAL_MS = 30_000;

interface InFlight {
  qp: QueuedPodInfo;
  sinceSeq: number;
  /** Newer version of the pod seen while it was being scheduled. */
  updated?: PodInfo;
}

export class SchedulingQueue implements Nominator {
  private readonly clock: Clock;
  private readonly active: KeyedHeap<QueuedPodInfo>;
  private readonly backoff: KeyedHeap<QueuedPodInfo>;
  private readonly unschedulable = new Map<string, QueuedPodInfo>();
  private readonly inFlight = new Map<string, InFlight>();
  private inFlightEvents: { seq: number; event: ClusterEvent }[] = [];
  private seq = 0;
  private lastLeftoverFlush: number;
  private readonly nominatedByNode = new Map<string, PodInfo[]>();
  private readonly nominatedNodeOf = new Map<string, string>();
  private wakers: (() => void)[] = [];
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxInUnschedulableMs: number;
  private readonly makePodInfo: (pod: Pod) => PodInfo;

  constructor(private readonly opts: QueueOptions) {
    this.clock = opts.clock;
    this.initialBackoffMs = opts.initialBackoffMs ?? 1000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.maxInUnschedulableMs = opts.maxInUnschedulableMs ?? 5 * 60_000;
    this.makePodInfo = opts.makePodInfo ?? ((p) => new PodInfo(p));
    const key = (qp: QueuedPodInfo): string => qp.podInfo.key;
    this.active = new KeyedHeap(key, opts.less);
    this.backoff = new KeyedHeap(key, (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b));
    this.lastLeftoverFlush = this.clock.now();
  }

  // ---- sizes, for tests and metrics ----

  get counts(): { active: number; backoff: number; unschedulable: number; inFlight: number } {
    return { active: this.active.size, backoff: this.backoff.size, unschedulable: this.unschedulable.size, inFlight: this.inFlight.size };
  }

  /** Where the pod is: 'active' | 'backoff' | 'unschedulable' | 'inFlight' | undefined. */
  whereIs(key: string): 'active' | 'backoff' | 'unschedulable' | 'inFlight' | undefined {
    if (this.active.has(key)) return 'active';
    if (this.backoff.has(key)) return 'backoff';
    if (this.unschedulable.has(key)) return 'unschedulable';
    if (this.inFlight.has(key)) return 'inFlight';
    return undefined;
  }

  // ---- pods from informers ----

  /** A new pending pod. */
  add(pod: Pod): void {
    const pi = this.makePodInfo(pod);
    const now = this.clock.now();
    const qp: QueuedPodInfo = { podInfo: pi, timestamp: now, initialAttemptTimestamp: now, attempts: 0, unschedulablePlugins: new Set(), gated: false };
    this.updateNomination(pi);
    this.enqueue(qp);
  }

  private enqueue(qp: QueuedPodInfo): void {
    const gate = this.opts.preEnqueue?.(qp.podInfo);
    if (gate) {
      qp.gated = true;
      this.unschedulable.set(qp.podInfo.key, qp);
      return;
    }
    qp.gated = false;
    this.active.push(qp);
    this.wake();
  }

  /** A pending pod changed. It may now be schedulable: re-check it if it was set aside. */
  update(oldPod: Pod | undefined, newPod: Pod): void {
    const key = podKey(newPod);
    const pi = this.makePodInfo(newPod);
    this.updateNomination(pi);
    const flight = this.inFlight.get(key);
    if (flight) {
      flight.updated = pi;
      return;
    }
    for (const heap of [this.active, this.backoff]) {
      const qp = heap.get(key);
      if (qp) {
        qp.podInfo = pi;
        heap.push(qp);
        return;
      }
    }
    const qp = this.unschedulable.get(key);
    if (!qp) return this.add(newPod);
    const actions = oldPod ? podUpdateActions(oldPod, newPod) : Action.UpdateOther;
    qp.podInfo = pi;
    if (actions === 0) return;
    if (qp.gated) {
      this.unschedulable.delete(key);
      this.enqueue(qp);
      return;
    }
    if (this.worthRequeuing(qp, { resource: 'UnscheduledPod', action: actions, oldPod, newPod })) {
      this.unschedulable.delete(key);
      this.requeue(qp);
    }
  }

  delete(key: string): void {
    this.active.delete(key);
    this.backoff.delete(key);
    this.unschedulable.delete(key);
    this.inFlight.delete(key);
    this.deleteNomination(key);
  }

  // ---- the scheduling loop ----

  /** The next pod to schedule, or undefined when activeQ is empty. Counts an attempt. */
  pop(): QueuedPodInfo | undefined {
    const qp = this.active.pop();
    if (!qp) return undefined;
    qp.attempts++;
    this.inFlight.set(qp.podInfo.key, { qp, sinceSeq: this.seq });
    return qp;
  }

  /** The pod's scheduling and binding are over (bound, or handed back via addUnschedulable). */
  done(key: string): void {
    this.inFlight.delete(key);
    if (this.inFlight.size === 0) this.inFlightEvents = [];
    else if (this.inFlightEvents.length > 1024) {
      let oldest = Infinity;
      for (const f of this.inFlight.values()) oldest = Math.min(oldest, f.sinceSeq);
      this.inFlightEvents = this.inFlightEvents.filter((e) => e.seq > oldest);
    }
  }

  /**
   * Puts back a pod whose attempt failed. Rejected pods go to the unschedulable set unless an
   * event during the attempt may have helped; errors go to backoff.
   */
  addUnschedulable(qp: QueuedPodInfo, opts: { rejectors: ReadonlySet<string>; error: boolean }): void {
    const key = qp.podInfo.key;
    const flight = this.inFlight.get(key);
    // Not in flight: the pod was deleted (or bound) meanwhile, so there is nothing to put back.
    if (!flight) return;
    if (flight.updated) qp.podInfo = flight.updated;
    qp.unschedulablePlugins = new Set(opts.rejectors);
    qp.timestamp = this.clock.now();
    const missed = !opts.error && this.inFlightEvents.some((e) => e.seq > flight.sinceSeq && this.worthRequeuing(qp, e.event));
    this.done(key);
    if (opts.error) this.backoff.push(qp);
    else if (missed || flight.updated) this.requeue(qp);
    else this.unschedulable.set(key, qp);
  }

  /** Cluster event: move the unschedulable pods it may help. */
  onEvent(event: ClusterEvent): void {
    if (this.inFlight.size > 0) this.inFlightEvents.push({ seq: ++this.seq, event });
    for (const [key, qp] of this.unschedulable) {
      if (qp.gated) continue;
      if (this.worthRequeuing(qp, event)) {
        this.unschedulable.delete(key);
        this.requeue(qp);
      }
    }
  }

  /** Moves backed-off pods whose time is up, and (every 30 s) pods unschedulable for too long. */
  flush(): void {
    const now = this.clock.now();
    for (let top = this.backoff.peek(); top && this.backoffExpiry(top) <= now; top = this.backoff.peek()) {
      this.backoff.pop();
      this.active.push(top);
      this.wake();
    }
    if (now - this.lastLeftoverFlush >= LEFTOVER_FLUSH_INTERVAL_MS) {
      this.lastLeftoverFlush = now;
      for (const [key, qp] of this.unschedulable) {
        if (!qp.gated && now - qp.timestamp > this.maxInUnschedulableMs) {
          this.unschedulable.delete(key);
          this.requeue(qp);
        }
      }
    }
  }

  /** When the earliest backoff ends (undefined when backoffQ is empty). */
  nextBackoffExpiry(): number | undefined {
    const top = this.backoff.peek();
    return top ? this.backoffExpiry(top) : undefined;
  }

  /** Resolves when activeQ has a pod (or at once if it has one, or when aborted). */
  waitForActive(signal?: AbortSignal): Promise<void> {
    if (this.active.size > 0 || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.wakers.push(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  private wake(): void {
    const w = this.wakers;
    this.wakers = [];
    for (const f of w) f();
  }

  private requeue(qp: QueuedPodInfo): void {
    if (this.backoffExpiry(qp) > this.clock.now()) this.backoff.push(qp);
    else {
      this.active.push(qp);
      this.wake();
    }
  }

  backoffDurationMs(attempts: number): number {
    let d = this.initialBackoffMs;
    for (let i = 1; i < attempts; i++) {
      d *= 2;
      if (d >= this.maxBackoffMs) return this.maxBackoffMs;
    }
    return Math.min(d, this.maxBackoffMs);
  }

  private backoffExpiry(qp: QueuedPodInfo): number {
    if (qp.attempts === 0) return qp.timestamp;
    return qp.timestamp + this.backoffDurationMs(qp.attempts);
  }

  private worthRequeuing(qp: QueuedPodInfo, event: ClusterEvent): boolean {
    if (event.resource === 'UnschedulableTimeout' || event.resource === 'ForceActivate') return true;
    if (qp.unschedulablePlugins.size === 0) return true;
    for (const plugin of qp.unschedulablePlugins) {
      for (const reg of this.opts.hintsFor(plugin)) {
        if (reg.resource !== event.resource || (reg.actions & event.action) === 0) continue;
        if ((reg.hint?.(qp.podInfo, event) ?? 'Queue') === 'Queue') return true;
      }
    }
    return false;
  }

  // ---- nominated pods ----

  nominatedPodsForNode(nodeName: string): readonly PodInfo[] {
    return this.nominatedByNode.get(nodeName) ?? [];
  }

  nominatedNodeFor(key: string): string | undefined {
    return this.nominatedNodeOf.get(key);
  }

  /** Records (or moves) a nomination; an empty name removes it. */
  nominate(pi: PodInfo, nodeName: string | undefined): void {
    this.deleteNomination(pi.key);
    if (!nodeName) return;
    const list = this.nominatedByNode.get(nodeName) ?? [];
    list.push(pi);
    this.nominatedByNode.set(nodeName, list);
    this.nominatedNodeOf.set(pi.key, nodeName);
  }

  deleteNomination(key: string): void {
    const node = this.nominatedNodeOf.get(key);
    if (node === undefined) return;
    this.nominatedNodeOf.delete(key);
    const rest = (this.nominatedByNode.get(node) ?? []).filter((p) => p.key !== key);
    if (rest.length > 0) this.nominatedByNode.set(node, rest);
    else this.nominatedByNode.delete(node);
  }

  private updateNomination(pi: PodInfo): void {
    const nominated = pi.pod.status?.nominatedNodeName;
    if (nominated) this.nominate(pi, nominated);
    else if (this.nominatedNodeOf.has(pi.key)) {
      // Keep a nomination made in this process even if the API object has not caught up.
      const node = this.nominatedNodeOf.get(pi.key) as string;
      this.nominate(pi, node);
    }
  }
}
