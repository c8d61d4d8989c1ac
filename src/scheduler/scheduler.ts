// The scheduler core: cluster events in (from informers), one pod per scheduleOne() out, with
// side effects only through injected callbacks (binder, recorder, statusUpdater, evictor).
// No network: the API wiring lives elsewhere and drives this class.
//
// One attempt, as kube-scheduler v1.33 does it:
//   scheduling cycle (synchronous): preFilter → filter over a rotating window of nodes (stop
//   after percentageOfNodesToScore feasible) → preScore/score/normalize → pick the best (random
//   among ties) → assume (counted at once) → reserve;
//   on no fit: postFilter (preemption) → FailedScheduling event + PodScheduled=False;
//   binding cycle (async): permit wait → preBind → bind → Scheduled event; on failure unreserve,
//   forget the assumed pod and requeue with backoff.
import type { Namespace, Node, Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import { realClock, type Clock } from './clock.js';
import { buildPluginSet, DEFAULT_SCHEDULER_NAME, IN_TREE_PLUGINS, resolveConfiguration, type PluginFactory, type SchedulerConfiguration } from './config.js';
import { Action, nodeUpdateActions, podUpdateActions, type ClusterEventWithHint, type StorageResource } from './events.js';
import { fitErrorMessage } from './fit-error.js';
import { CycleState, Framework, NodeToStatus, type DisruptionChecker, type Handle, type QueuedPodInfo } from './framework.js';
import type { NodeInfo } from './node-info.js';
import { PodInfo, podKey } from './pod-info.js';
import { SchedulingQueue } from './queue.js';
import { Snapshot } from './snapshot.js';
import { isRejected, Status } from './status.js';
import { NO_VOLUMES, type VolumeLister } from './volumes.js';

/**
 * Writes the binding (POST pods/{name}/binding). Rejects when the bind failed; rejects with
 * PodNotPendingError when the pod is no longer this scheduler's to bind (bound already, being
 * deleted, gone), which ends the attempt without a retry or a FailedScheduling event.
 */
export type Binder = (pod: Pod, nodeName: string) => Promise<void>;

/** The binder's answer when the API says the pod was bound meanwhile, is being deleted, or is gone. */
export class PodNotPendingError extends Error {
  override readonly name = 'PodNotPendingError';
}

export interface SchedulerEvent {
  regarding: Pod;
  related?: Pod;
  type: 'Normal' | 'Warning';
  /** FailedScheduling, Scheduled, Preempted. */
  reason: string;
  /** Scheduling, Binding, Preempting (events.k8s.io `action`). */
  action: string;
  note: string;
}

export interface EventRecorder {
  event(e: SchedulerEvent): void;
}

/** A pod status change to write (pods/{name}/status). `nominatedNodeName: null` clears it. */
export interface PodStatusUpdate {
  condition?: PodCondition;
  nominatedNodeName?: string | null;
}
export type StatusUpdater = (pod: Pod, update: PodStatusUpdate) => Promise<void>;

/** Evicts a preemption victim (in production: DisruptionTarget condition, then delete). */
export type Evictor = (victim: Pod, by: { preemptor: Pod; nodeName: string }) => Promise<void>;

export type ScheduleResult =
  | { kind: 'scheduled'; pod: Pod; nodeName: string; evaluatedNodes: number; feasibleNodes: number }
  | { kind: 'unschedulable'; pod: Pod; message: string; nominatedNodeName?: string; victims: Pod[] }
  | { kind: 'error'; pod: Pod; message: string }
  | { kind: 'skipped'; pod: Pod; reason: string };

export interface SchedulerOptions {
  binder: Binder;
  recorder?: EventRecorder;
  statusUpdater?: StatusUpdater;
  evictor?: Evictor;
  config?: SchedulerConfiguration;
  /** Out-of-tree plugins by name, usable in config profiles. */
  plugins?: Readonly<Record<string, PluginFactory>>;
  disruption?: DisruptionChecker;
  /** Storage objects for VolumeBinding and VolumeRestrictions; default none. */
  volumes?: VolumeLister;
  clock?: Clock;
  /** [0, 1); picks among equal best scores and the preemption start offset. */
  random?: () => number;
  /** Failures of fire-and-forget callbacks (status updates, evictions). */
  onError?: (err: unknown) => void;
}

const MIN_FEASIBLE_NODES_TO_FIND = 100;
const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

/** How many feasible nodes to look for before scoring (kube-scheduler's numFeasibleNodesToFind). */
export function numFeasibleNodesToFind(percentage: number | undefined, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let pct = percentage ?? 0;
  if (pct === 0) pct = Math.max(50 - Math.trunc(numAllNodes / 125), MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND);
  if (pct >= 100) return numAllNodes;
  return Math.max(Math.trunc((numAllNodes * pct) / 100), MIN_FEASIBLE_NODES_TO_FIND);
}

type Placement =
  | { kind: 'fit'; nodeName: string; evaluated: number; feasible: number }
  | { kind: 'fitError'; statuses: NodeToStatus; numAllNodes: number; preFilterMsg?: string; rejectors: Set<string> };

export class Scheduler {
  readonly snapshot = new Snapshot();
  readonly queue: SchedulingQueue;
  private readonly frameworks = new Map<string, Framework>();
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly hints = new Map<string, readonly ClusterEventWithHint[]>();
  private nextStartNodeIndex = 0;
  private readonly bindings = new Set<Promise<unknown>>();
  /** Pods whose bind found them no longer pending (see PodNotPendingError). */
  private readonly notPending = new Set<string>();

  constructor(private readonly opts: SchedulerOptions) {
    this.clock = opts.clock ?? realClock;
    this.random = opts.random ?? Math.random;
    const cfg = resolveConfiguration(opts.config);
    const registry = { ...IN_TREE_PLUGINS, ...opts.plugins };
    let queueSort: Framework | undefined;
    for (const profile of cfg.profiles) {
      const handle = this.makeHandle();
      const plugins = buildPluginSet(profile.plugins, profile.args, handle, registry);
      const fwk = new Framework(profile.schedulerName, plugins, handle, profile.percentageOfNodesToScore);
      handle.framework = fwk;
      this.frameworks.set(profile.schedulerName, fwk);
      queueSort ??= fwk;
      for (const pl of plugins.all) {
        const regs = pl.eventsToRegister?.();
        if (regs) this.hints.set(pl.name, [...(this.hints.get(pl.name) ?? []), ...regs]);
      }
    }
    const first = queueSort as Framework;
    const less = first.plugins.queueSort.less?.bind(first.plugins.queueSort);
    if (!less) throw new Error('queueSort plugin has no less()');
    this.queue = new SchedulingQueue({
      clock: this.clock,
      less,
      hintsFor: (name) => this.hints.get(name) ?? [],
      preEnqueue: (pi) => {
        const fwk = this.frameworkFor(pi.pod);
        for (const pl of fwk?.plugins.preEnqueue ?? []) {
          const s = pl.preEnqueue?.(pi);
          if (s) return s.withPlugin(pl.name);
        }
        return undefined;
      },
      initialBackoffMs: cfg.podInitialBackoffMs,
      maxBackoffMs: cfg.podMaxBackoffMs,
    });
  }

  private makeHandle(): Handle & { framework: Framework | undefined } {
    const h: Handle & { framework: Framework | undefined } = {
      framework: undefined,
      snapshot: this.snapshot,
      clock: this.clock,
      random: this.random,
      // The queue is built after the profiles, so look it up per call.
      nominator: { nominatedPodsForNode: (nodeName) => this.queue.nominatedPodsForNode(nodeName) },
      disruption: this.opts.disruption ?? { violates: () => false },
      volumes: this.opts.volumes ?? NO_VOLUMES,
      runFilterWithNominatedPods: (state, pod, node) => (h.framework as Framework).runFilterWithNominatedPods(state, pod, node),
      runPreFilterAddPod: (state, pod, added, node) => (h.framework as Framework).runPreFilterAddPod(state, pod, added, node),
      runPreFilterRemovePod: (state, pod, removed, node) => (h.framework as Framework).runPreFilterRemovePod(state, pod, removed, node),
      bind: async (pod, nodeName) => {
        try {
          await this.opts.binder(pod.pod, nodeName);
        } catch (e) {
          if (e instanceof PodNotPendingError) this.notPending.add(pod.key);
          throw e;
        }
      },
    };
    return h;
  }

  /** The profile for a pod, or undefined when another scheduler owns it. */
  frameworkFor(pod: Pod): Framework | undefined {
    return this.frameworks.get(pod.spec?.schedulerName || DEFAULT_SCHEDULER_NAME);
  }

  /** A waiting pod's permit plugin allows or rejects it (out-of-tree permit plugins call this). */
  framework(schedulerName: string = DEFAULT_SCHEDULER_NAME): Framework | undefined {
    return this.frameworks.get(schedulerName);
  }

  // ---- cluster events (from informers) ----

  addNode(node: Node): void {
    this.snapshot.addNode(node);
    this.queue.onEvent({ resource: 'Node', action: Action.Add, newNode: node });
  }

  updateNode(oldNode: Node, newNode: Node): void {
    this.snapshot.updateNode(newNode);
    const action = nodeUpdateActions(oldNode, newNode);
    if (action !== 0) this.queue.onEvent({ resource: 'Node', action, oldNode, newNode });
  }

  removeNode(node: Node): void {
    this.snapshot.removeNode(node.metadata?.name ?? '');
    this.queue.onEvent({ resource: 'Node', action: Action.Delete, oldNode: node });
  }

  addPod(pod: Pod): void {
    if (isTerminal(pod)) return;
    if (pod.spec?.nodeName) {
      this.assigned(pod);
      this.queue.onEvent({ resource: 'AssignedPod', action: Action.Add, newPod: pod });
    } else if (this.frameworkFor(pod)) {
      this.queue.add(pod);
    }
  }

  updatePod(oldPod: Pod, newPod: Pod): void {
    if (newPod.spec?.nodeName) {
      if (isTerminal(newPod)) return this.removePod(newPod);
      const wasPending = !oldPod.spec?.nodeName;
      this.assigned(newPod);
      const action = wasPending ? Action.Add : podUpdateActions(oldPod, newPod);
      if (action !== 0) this.queue.onEvent({ resource: 'AssignedPod', action, oldPod, newPod });
      return;
    }
    if (!this.frameworkFor(newPod) || isTerminal(newPod)) return this.removePod(newPod);
    // An assumed pod's own updates change nothing until the binding shows up.
    if (this.snapshot.isAssumed(podKey(newPod))) return;
    this.queue.update(oldPod, newPod);
  }

  removePod(pod: Pod): void {
    const key = podKey(pod);
    const placed = this.snapshot.placementOf(key) !== undefined;
    this.snapshot.removePod(key);
    this.queue.delete(key);
    for (const fwk of this.frameworks.values()) fwk.reject(key, '', 'pod deleted');
    if (placed) this.queue.onEvent({ resource: 'AssignedPod', action: Action.Delete, oldPod: pod });
  }

  setNamespace(ns: Namespace): void {
    this.snapshot.setNamespace(ns);
    this.queue.onEvent({ resource: 'Namespace', action: Action.Add | Action.UpdateOther, namespace: ns });
  }

  removeNamespace(name: string): void {
    this.snapshot.removeNamespace(name);
  }

  /** A claim, volume or storage class was added or changed (the lister already shows it). */
  storageChanged(resource: StorageResource, action: number): void {
    this.queue.onEvent({ resource, action });
  }

  private assigned(pod: Pod): void {
    const pi = new PodInfo(pod);
    this.queue.delete(pi.key);
    this.snapshot.addPod(pi);
  }

  // ---- scheduling ----

  /**
   * Schedules the next pod in activeQ and waits for its binding. Undefined when activeQ is
   * empty. Backoff expiries and the 5-minute unschedulable flush are applied first (by clock).
   */
  async scheduleOne(): Promise<ScheduleResult | undefined> {
    this.queue.flush();
    const qp = this.queue.pop();
    if (!qp) return undefined;
    const out = this.schedulingCycle(qp);
    return out instanceof Promise ? await out : out;
  }

  /**
   * Schedules continuously until aborted. Binding cycles run concurrently with the next
   * scheduling cycles, as in kube-scheduler; `onResult` sees every outcome.
   */
  async run(opts: { signal: AbortSignal; onResult?: (r: ScheduleResult) => void }): Promise<void> {
    const { signal, onResult } = opts;
    while (!signal.aborted) {
      this.queue.flush();
      const qp = this.queue.pop();
      if (!qp) {
        const wake = new AbortController();
        const stop = (): void => wake.abort();
        signal.addEventListener('abort', stop, { once: true });
        const next = this.queue.nextBackoffExpiry();
        const ms = Math.min(next === undefined ? 1000 : next - this.clock.now(), 1000);
        await Promise.race([this.queue.waitForActive(wake.signal), this.clock.sleep(ms, wake.signal)]);
        wake.abort();
        signal.removeEventListener('abort', stop);
        continue;
      }
      const out = this.schedulingCycle(qp);
      if (out instanceof Promise) {
        const tracked = out.then((r) => onResult?.(r), this.opts.onError).finally(() => this.bindings.delete(tracked));
        this.bindings.add(tracked);
      } else onResult?.(out);
      // Let informer events in between cycles.
      await new Promise<void>((r) => setImmediate(r));
    }
    await Promise.allSettled([...this.bindings]);
  }

  /** Runs one scheduling cycle; a fit continues as the returned binding promise. */
  private schedulingCycle(qp: QueuedPodInfo): ScheduleResult | Promise<ScheduleResult> {
    const pi = qp.podInfo;
    const pod = pi.pod;
    const fwk = this.frameworkFor(pod);
    if (!fwk) return this.skip(qp, `no profile for schedulerName "${pod.spec?.schedulerName ?? ''}"`);
    if (pi.terminating) return this.skip(qp, 'pod is being deleted');
    if (this.snapshot.placementOf(pi.key) !== undefined) return this.skip(qp, 'pod is already assumed or bound');
    if (pi.parseErrors.length > 0) return this.fail(qp, { code: 'Error', message: pi.parseErrors.join('; '), rejectors: new Set() });

    const state = new CycleState();
    let placement: Placement;
    try {
      placement = this.schedulePod(fwk, state, pi);
    } catch (e) {
      return this.fail(qp, { code: 'Error', message: errorText(e), rejectors: new Set() });
    }

    if (placement.kind === 'fitError') {
      let postFilterMsg: string | undefined;
      let nominatedNodeName: string | undefined;
      let victims: PodInfo[] = [];
      if (fwk.plugins.postFilter.length > 0 && placement.numAllNodes > 0) {
        const post = fwk.runPostFilter(state, pi, placement.statuses);
        if (post.status && post.status.code !== 'Success') postFilterMsg = post.status.message || undefined;
        nominatedNodeName = post.nominatedNodeName;
        victims = [...(post.victims ?? [])];
      }
      const message =
        placement.numAllNodes === 0
          ? 'no nodes available to schedule pods'
          : fitErrorMessage({ numAllNodes: placement.numAllNodes, statuses: placement.statuses, preFilterMsg: placement.preFilterMsg, postFilterMsg });
      if (nominatedNodeName) this.preempt(pi, nominatedNodeName, victims);
      return this.fail(qp, { code: 'Unschedulable', message, rejectors: placement.rejectors, nominatedNodeName, victims });
    }

    const nodeName = placement.nodeName;
    const assumed = this.snapshot.assume(pi, nodeName);
    const hadNomination = this.queue.nominatedNodeFor(pi.key) !== undefined;
    this.queue.deleteNomination(pi.key);
    const reserve = fwk.runReserve(state, assumed, nodeName);
    if (reserve) {
      this.snapshot.forget(pi.key);
      return this.fail(qp, { code: reserve.code, message: reserve.message, rejectors: pluginSet(reserve) });
    }
    return this.bindingCycle(fwk, state, qp, assumed, { nodeName, evaluated: placement.evaluated, feasible: placement.feasible, hadNomination });
  }

  private async bindingCycle(
    fwk: Framework,
    state: CycleState,
    qp: QueuedPodInfo,
    assumed: PodInfo,
    at: { nodeName: string; evaluated: number; feasible: number; hadNomination: boolean },
  ): Promise<ScheduleResult> {
    const { nodeName } = at;
    const pod = qp.podInfo.pod;
    const failure = (s: Status): ScheduleResult => {
      fwk.runUnreserve(state, assumed, nodeName);
      this.snapshot.forget(assumed.key);
      // The resources it held are free again.
      this.queue.onEvent({ resource: 'AssignedPod', action: Action.Delete, oldPod: assumed.pod });
      return this.fail(qp, { code: s.code, message: s.message, rejectors: pluginSet(s) });
    };
    const permit = await fwk.runPermit(state, assumed, nodeName);
    if (permit) return failure(permit);
    const preBind = await fwk.runPreBind(state, assumed, nodeName);
    if (preBind) return failure(preBind);
    const bind = await fwk.runBind(state, assumed, nodeName);
    if (bind && this.notPending.delete(assumed.key)) {
      // Someone else decided this pod's fate; its own informer events will tell the rest.
      fwk.runUnreserve(state, assumed, nodeName);
      this.snapshot.forget(assumed.key);
      this.queue.onEvent({ resource: 'AssignedPod', action: Action.Delete, oldPod: assumed.pod });
      return this.skip(qp, bind.message);
    }
    if (bind) return failure(bind);
    this.queue.done(qp.podInfo.key);
    if (at.hadNomination && pod.status?.nominatedNodeName) this.updateStatus(pod, { nominatedNodeName: null });
    this.opts.recorder?.event({
      regarding: pod,
      type: 'Normal',
      reason: 'Scheduled',
      action: 'Binding',
      note: `Successfully assigned ${qp.podInfo.namespace}/${qp.podInfo.name} to ${nodeName}`,
    });
    fwk.runPostBind(state, assumed, nodeName);
    return { kind: 'scheduled', pod, nodeName, evaluatedNodes: at.evaluated, feasibleNodes: at.feasible };
  }

  /** Filters and scores; throws on plugin errors. */
  private schedulePod(fwk: Framework, state: CycleState, pi: PodInfo): Placement {
    const all = this.snapshot.list();
    const statuses = new NodeToStatus();
    const rejectors = new Set<string>();
    if (all.length === 0) return { kind: 'fitError', statuses, numAllNodes: 0, rejectors };
    const pre = fwk.runPreFilter(state, pi, all);
    for (const r of pre.rejectors) rejectors.add(r);
    if (pre.status) {
      if (!isRejected(pre.status)) throw new Error(pre.status.message);
      statuses.absent = pre.status;
      return { kind: 'fitError', statuses, numAllNodes: all.length, preFilterMsg: pre.status.message, rejectors };
    }
    let nodes = all;
    if (pre.nodeNames) {
      nodes = [...pre.nodeNames].map((n) => this.snapshot.get(n)).filter((n): n is NodeInfo => n !== undefined);
      statuses.absent = Status.unresolvable(`node(s) didn't satisfy plugin(s) [${[...pre.restrictedBy].sort().join(' ')}]`);
    }

    let feasible: NodeInfo[] = [];
    const nominated = pi.pod.status?.nominatedNodeName;
    const nominatedNode = nominated ? this.snapshot.get(nominated) : undefined;
    if (nominatedNode && fwk.runFilterWithNominatedPods(state, pi, nominatedNode) === undefined) feasible = [nominatedNode];

    if (feasible.length === 0 && nodes.length > 0) {
      const want = numFeasibleNodesToFind(fwk.percentageOfNodesToScore, nodes.length);
      const n = nodes.length;
      const start = this.nextStartNodeIndex % n;
      for (let i = 0; i < n && feasible.length < want; i++) {
        const node = nodes[(start + i) % n] as NodeInfo;
        const s = fwk.runFilterWithNominatedPods(state, pi, node);
        if (s === undefined) {
          feasible.push(node);
          continue;
        }
        if (!isRejected(s)) throw new Error(s.message);
        statuses.map.set(node.name, s);
        if (s.plugin) rejectors.add(s.plugin);
      }
      this.nextStartNodeIndex = (this.nextStartNodeIndex + feasible.length + statuses.map.size) % all.length;
    }
    if (feasible.length === 0) return { kind: 'fitError', statuses, numAllNodes: all.length, rejectors };
    const evaluated = feasible.length + statuses.map.size;
    if (feasible.length === 1) return { kind: 'fit', nodeName: (feasible[0] as NodeInfo).name, evaluated, feasible: 1 };

    const preScore = fwk.runPreScore(state, pi, feasible);
    if (preScore) throw new Error(preScore.message);
    const totals = fwk.runScore(state, pi, feasible);
    // Highest total; ties broken uniformly at random (reservoir sampling).
    let best = 0;
    let ties = 0;
    let chosen = 0;
    for (let i = 0; i < totals.length; i++) {
      const t = totals[i] as number;
      if (i === 0 || t > best) {
        best = t;
        ties = 1;
        chosen = i;
      } else if (t === best) {
        ties++;
        if (Math.floor(this.random() * ties) === 0) chosen = i;
      }
    }
    return { kind: 'fit', nodeName: (feasible[chosen] as NodeInfo).name, evaluated, feasible: feasible.length };
  }

  /** Acts on a preemption decision: evict victims, drop lower-priority nominations on the node. */
  private preempt(pi: PodInfo, nodeName: string, victims: readonly PodInfo[]): void {
    for (const v of victims) {
      this.opts.recorder?.event({
        regarding: v.pod,
        related: pi.pod,
        type: 'Normal',
        reason: 'Preempted',
        action: 'Preempting',
        note: `Preempted by pod ${pi.pod.metadata?.uid ?? pi.key} on node ${nodeName}`,
      });
      this.opts.evictor?.(v.pod, { preemptor: pi.pod, nodeName }).catch((e: unknown) => this.opts.onError?.(e));
    }
    for (const other of [...this.queue.nominatedPodsForNode(nodeName)]) {
      if (other.priority >= pi.priority || other.key === pi.key) continue;
      this.queue.deleteNomination(other.key);
      this.updateStatus(other.pod, { nominatedNodeName: null });
    }
    this.queue.nominate(pi, nodeName);
  }

  private fail(
    qp: QueuedPodInfo,
    f: { code: Status['code']; message: string; rejectors: ReadonlySet<string>; nominatedNodeName?: string; victims?: readonly PodInfo[] },
  ): ScheduleResult {
    const pod = qp.podInfo.pod;
    const error = f.code === 'Error';
    this.queue.addUnschedulable(qp, { rejectors: f.rejectors, error });
    this.opts.recorder?.event({ regarding: pod, type: 'Warning', reason: 'FailedScheduling', action: 'Scheduling', note: f.message });
    const update: PodStatusUpdate = {
      condition: { type: 'PodScheduled', status: 'False', reason: error ? 'SchedulerError' : 'Unschedulable', message: f.message },
    };
    if (f.nominatedNodeName) update.nominatedNodeName = f.nominatedNodeName;
    this.updateStatus(pod, update);
    if (error) return { kind: 'error', pod, message: f.message };
    return {
      kind: 'unschedulable',
      pod,
      message: f.message,
      ...(f.nominatedNodeName ? { nominatedNodeName: f.nominatedNodeName } : {}),
      victims: (f.victims ?? []).map((v) => v.pod),
    };
  }

  private skip(qp: QueuedPodInfo, reason: string): ScheduleResult {
    this.queue.done(qp.podInfo.key);
    return { kind: 'skipped', pod: qp.podInfo.pod, reason };
  }

  private updateStatus(pod: Pod, update: PodStatusUpdate): void {
    this.opts.statusUpdater?.(pod, update).catch((e: unknown) => this.opts.onError?.(e));
  }
}

function isTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

function pluginSet(s: Status): Set<string> {
  return new Set(s.plugin ? [s.plugin] : []);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
