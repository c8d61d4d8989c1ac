// The scheduling framework: plugin hooks per extension point, CycleState, and the runner that
// calls one profile's plugins in configured order. Contracts, as in kube-scheduler v1.33:
// - Every hook is optional; a plugin is placed at the points it implements and is enabled for.
// - Success is `undefined`. A preFilter/preScore `Skip` removes that plugin's filter/score for
//   this pod. Filters stop at the first rejection per node; any non-rejection failure is Error.
// - Scores are 0–100 after normalizeScore, then multiplied by the plugin's weight and summed.
// - Everything up to and including permit is synchronous (one scheduling cycle never interleaves
//   with cluster events); preBind/bind are async and run after the pod is assumed.
import type { Clock } from './clock.js';
import type { ClusterEventWithHint } from './events.js';
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';
import type { Snapshot } from './snapshot.js';
import type { VolumeLister } from './volumes.js';
import { isRejected, Status } from './status.js';

export const MAX_NODE_SCORE = 100;

/** Data one plugin keeps for one pod's cycle; cloned for what-if evaluation. */
export interface StateData {
  clone(): StateData;
}

/** Typed key into CycleState (the type parameter ties key and value). */
export class StateKey<T extends StateData> {
  declare private readonly phantom: T;
  constructor(readonly name: string) {}
}

export class CycleState {
  private data = new Map<StateKey<StateData>, StateData>();
  /** Plugins whose preFilter said Skip. */
  skipFilter = new Set<string>();
  /** Plugins whose preScore said Skip. */
  skipScore = new Set<string>();

  read<T extends StateData>(key: StateKey<T>): T | undefined {
    return this.data.get(key) as T | undefined;
  }

  write<T extends StateData>(key: StateKey<T>, value: T): void {
    this.data.set(key, value);
  }

  clone(): CycleState {
    const c = new CycleState();
    for (const [k, v] of this.data) c.data.set(k, v.clone());
    c.skipFilter = new Set(this.skipFilter);
    c.skipScore = new Set(this.skipScore);
    return c;
  }
}

/** A pod waiting in the scheduling queue. */
export interface QueuedPodInfo {
  podInfo: PodInfo;
  /** When it (re)entered the queue; FIFO tiebreak and backoff base. */
  timestamp: number;
  /** When it was first added; never reset. */
  initialAttemptTimestamp: number;
  /** Scheduling attempts so far. */
  attempts: number;
  /** Plugins that rejected it in the last attempt: only their events can requeue it. */
  unschedulablePlugins: Set<string>;
  /** Held back by a preEnqueue plugin (e.g. scheduling gates). */
  gated: boolean;
}

export type PreFilterOutcome = Status | { nodeNames: ReadonlySet<string> } | undefined;

export interface PostFilterOutcome {
  status: Status | undefined;
  nominatedNodeName?: string;
  victims?: readonly PodInfo[];
}

export interface PermitOutcome {
  status: Status | undefined;
  /** With status Wait: how long to wait for allow/reject before giving up. */
  timeoutMs?: number;
}

/** Node statuses of a failed cycle; nodes never evaluated share `absent`. */
export class NodeToStatus {
  readonly map = new Map<string, Status>();
  absent: Status = Status.unresolvable();

  get(name: string): Status {
    return this.map.get(name) ?? this.absent;
  }
}

export interface Plugin {
  readonly name: string;
  less?(a: QueuedPodInfo, b: QueuedPodInfo): boolean;
  preEnqueue?(pod: PodInfo): Status | undefined;
  preFilter?(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): PreFilterOutcome;
  /** PreFilter extensions: keep preFilter state right when a pod is added to / removed from `node`. */
  addPod?(state: CycleState, pod: PodInfo, added: PodInfo, node: NodeInfo): Status | undefined;
  removePod?(state: CycleState, pod: PodInfo, removed: PodInfo, node: NodeInfo): Status | undefined;
  filter?(state: CycleState, pod: PodInfo, node: NodeInfo): Status | undefined;
  postFilter?(state: CycleState, pod: PodInfo, statuses: NodeToStatus): PostFilterOutcome;
  preScore?(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Status | undefined;
  score?(state: CycleState, pod: PodInfo, node: NodeInfo): number;
  /** Rewrites `scores` (parallel to `nodes`) in place into 0–100. */
  normalizeScore?(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], scores: number[]): void;
  reserve?(state: CycleState, pod: PodInfo, nodeName: string): Status | undefined;
  unreserve?(state: CycleState, pod: PodInfo, nodeName: string): void;
  permit?(state: CycleState, pod: PodInfo, nodeName: string): PermitOutcome;
  preBind?(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status | undefined>;
  /** Skip passes the pod to the next bind plugin. */
  bind?(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status | undefined>;
  postBind?(state: CycleState, pod: PodInfo, nodeName: string): void;
  eventsToRegister?(): readonly ClusterEventWithHint[];
}

/** Pods nominated to nodes by preemption; filters count those of equal or higher priority. */
export interface Nominator {
  nominatedPodsForNode(nodeName: string): readonly PodInfo[];
}

/** Disruption budgets for preemption; the default allows every eviction. */
export interface DisruptionChecker {
  /** True when evicting this pod would violate a PodDisruptionBudget. */
  violates(victim: PodInfo): boolean;
}

/** What plugins may use besides their own arguments. */
export interface Handle {
  readonly snapshot: Snapshot;
  readonly clock: Clock;
  readonly random: () => number;
  readonly nominator: Nominator;
  readonly disruption: DisruptionChecker;
  /** Claims, volumes and storage classes for the volume plugins. */
  readonly volumes: VolumeLister;
  runFilterWithNominatedPods(state: CycleState, pod: PodInfo, node: NodeInfo): Status | undefined;
  runPreFilterAddPod(state: CycleState, pod: PodInfo, added: PodInfo, node: NodeInfo): Status | undefined;
  runPreFilterRemovePod(state: CycleState, pod: PodInfo, removed: PodInfo, node: NodeInfo): Status | undefined;
  /** Calls the injected binder (the `pods/binding` write). */
  bind(pod: PodInfo, nodeName: string): Promise<void>;
}

export interface ScorePluginEntry {
  plugin: Plugin;
  weight: number;
}

/** The plugins of one profile, per extension point, in order. */
export interface PluginSet {
  queueSort: Plugin;
  preEnqueue: Plugin[];
  preFilter: Plugin[];
  filter: Plugin[];
  postFilter: Plugin[];
  preScore: Plugin[];
  score: ScorePluginEntry[];
  reserve: Plugin[];
  permit: Plugin[];
  preBind: Plugin[];
  bind: Plugin[];
  postBind: Plugin[];
  all: Plugin[];
}

export interface PreFilterRun {
  status: Status | undefined;
  /** Only these nodes may fit (intersection of plugin results); undefined = all. */
  nodeNames: Set<string> | undefined;
  /** Plugins that rejected the pod. */
  rejectors: Set<string>;
  /** Plugins whose result narrowed the candidate nodes. */
  restrictedBy: string[];
}

interface WaitingPod {
  pending: Set<string>;
  settle: (s: Status | undefined) => void;
}

/** Runs one profile's plugins. */
export class Framework {
  private readonly waiting = new Map<string, WaitingPod>();

  constructor(
    readonly profileName: string,
    readonly plugins: PluginSet,
    readonly handle: Handle,
    readonly percentageOfNodesToScore: number | undefined,
  ) {}

  get hasFilters(): boolean {
    return this.plugins.filter.length > 0;
  }

  runPreFilter(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): PreFilterRun {
    const run: PreFilterRun = { status: undefined, nodeNames: undefined, rejectors: new Set(), restrictedBy: [] };
    for (const pl of this.plugins.preFilter) {
      const out = callPlugin(pl, () => pl.preFilter?.(state, pod, nodes));
      if (out === undefined) continue;
      if (out instanceof Status) {
        if (out.code === 'Skip') {
          state.skipFilter.add(pl.name);
          continue;
        }
        if (out.code === 'Success') continue;
        out.withPlugin(pl.name);
        if (isRejected(out)) run.rejectors.add(pl.name);
        run.status = out;
        return run;
      }
      run.restrictedBy.push(pl.name);
      run.nodeNames = run.nodeNames ? new Set([...run.nodeNames].filter((n) => out.nodeNames.has(n))) : new Set(out.nodeNames);
      if (run.nodeNames.size === 0) {
        run.status = Status.unresolvable(`node(s) didn't satisfy plugin(s) [${pl.name}] simultaneously`).withPlugin(pl.name);
        run.rejectors.add(pl.name);
        return run;
      }
    }
    return run;
  }

  runFilter(state: CycleState, pod: PodInfo, node: NodeInfo): Status | undefined {
    for (const pl of this.plugins.filter) {
      if (state.skipFilter.has(pl.name)) continue;
      const s = callPlugin(pl, () => pl.filter?.(state, pod, node));
      if (s === undefined || s.code === 'Success') continue;
      if (!isRejected(s)) return Status.error(`running "${pl.name}" filter plugin: ${s.message}`).withPlugin(pl.name);
      return s.withPlugin(pl.name);
    }
    return undefined;
  }

  /**
   * Filters twice when pods of equal or higher priority are nominated to the node: once as if
   * they were there (so they keep their room), once without (so affinity to them does not count).
   */
  runFilterWithNominatedPods(state: CycleState, pod: PodInfo, node: NodeInfo): Status | undefined {
    const nominated = this.handle.nominator.nominatedPodsForNode(node.name);
    if (nominated.length === 0) return this.runFilter(state, pod, node);
    let withState = state;
    let withNode = node;
    let added = false;
    for (const np of nominated) {
      if (np.key === pod.key || np.priority < pod.priority) continue;
      if (!added) {
        withState = state.clone();
        withNode = node.clone();
        added = true;
      }
      withNode.addPod(np);
      const s = this.runPreFilterAddPod(withState, pod, np, withNode);
      if (s) return s;
    }
    const first = this.runFilter(withState, pod, withNode);
    if (!added || first) return first;
    return this.runFilter(state, pod, node);
  }

  runPreFilterAddPod(state: CycleState, pod: PodInfo, added: PodInfo, node: NodeInfo): Status | undefined {
    for (const pl of this.plugins.preFilter) {
      if (!pl.addPod || state.skipFilter.has(pl.name)) continue;
      const s = callPlugin(pl, () => pl.addPod?.(state, pod, added, node));
      if (s && s.code !== 'Success') return Status.error(`running AddPod on PreFilter plugin "${pl.name}": ${s.message}`);
    }
    return undefined;
  }

  runPreFilterRemovePod(state: CycleState, pod: PodInfo, removed: PodInfo, node: NodeInfo): Status | undefined {
    for (const pl of this.plugins.preFilter) {
      if (!pl.removePod || state.skipFilter.has(pl.name)) continue;
      const s = callPlugin(pl, () => pl.removePod?.(state, pod, removed, node));
      if (s && s.code !== 'Success') return Status.error(`running RemovePod on PreFilter plugin "${pl.name}": ${s.message}`);
    }
    return undefined;
  }

  /** The first postFilter plugin that succeeds (or errors) decides; otherwise the last rejection. */
  runPostFilter(state: CycleState, pod: PodInfo, statuses: NodeToStatus): PostFilterOutcome {
    let last: PostFilterOutcome = { status: Status.unschedulable() };
    for (const pl of this.plugins.postFilter) {
      const raw = callPlugin(pl, () => pl.postFilter?.(state, pod, statuses));
      const out: PostFilterOutcome = raw instanceof Status ? { status: raw } : (raw ?? { status: Status.unschedulable() });
      if (out.status === undefined || out.status.code === 'Success') return out;
      if (!isRejected(out.status)) return out;
      last = out;
    }
    return last;
  }

  runPreScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Status | undefined {
    for (const pl of this.plugins.preScore) {
      const s = callPlugin(pl, () => pl.preScore?.(state, pod, nodes));
      if (s === undefined || s.code === 'Success') continue;
      if (s.code === 'Skip') {
        state.skipScore.add(pl.name);
        continue;
      }
      return Status.error(`running PreScore plugin "${pl.name}": ${s.message}`).withPlugin(pl.name);
    }
    return undefined;
  }

  /** Weighted total score per node (parallel to `nodes`). Throws on a plugin failure. */
  runScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): number[] {
    const totals = new Array<number>(nodes.length).fill(0);
    const scores = new Array<number>(nodes.length);
    for (const { plugin, weight } of this.plugins.score) {
      if (state.skipScore.has(plugin.name) || !plugin.score) continue;
      for (let i = 0; i < nodes.length; i++) scores[i] = plugin.score(state, pod, nodes[i] as NodeInfo);
      plugin.normalizeScore?.(state, pod, nodes, scores);
      for (let i = 0; i < nodes.length; i++) {
        const s = scores[i] as number;
        if (s < 0 || s > MAX_NODE_SCORE) throw new Error(`plugin "${plugin.name}" returns an invalid score ${s}, it should in the range of [0, ${MAX_NODE_SCORE}] after normalizing`);
        totals[i] = (totals[i] as number) + s * weight;
      }
    }
    return totals;
  }

  /** Runs reserve in order; on failure unreserves everything (in reverse) and returns the status. */
  runReserve(state: CycleState, pod: PodInfo, nodeName: string): Status | undefined {
    for (const pl of this.plugins.reserve) {
      const s = callPlugin(pl, () => pl.reserve?.(state, pod, nodeName));
      if (s && s.code !== 'Success') {
        this.runUnreserve(state, pod, nodeName);
        return s.withPlugin(pl.name);
      }
    }
    return undefined;
  }

  runUnreserve(state: CycleState, pod: PodInfo, nodeName: string): void {
    for (const pl of [...this.plugins.reserve].reverse()) pl.unreserve?.(state, pod, nodeName);
  }

  /**
   * Permit: any rejection rejects; any Wait parks the pod until every waiting plugin allows it
   * (via `allow`) or one rejects or its timeout passes (then Unschedulable).
   */
  async runPermit(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status | undefined> {
    const pending = new Set<string>();
    let timeoutMs = Infinity;
    for (const pl of this.plugins.permit) {
      const raw = callPlugin(pl, () => pl.permit?.(state, pod, nodeName));
      const out: PermitOutcome = raw instanceof Status ? { status: raw } : (raw ?? { status: undefined });
      const s = out.status;
      if (s === undefined || s.code === 'Success') continue;
      if (s.code === 'Wait') {
        pending.add(pl.name);
        timeoutMs = Math.min(timeoutMs, out.timeoutMs ?? 15 * 60_000);
        continue;
      }
      return s.withPlugin(pl.name);
    }
    if (pending.size === 0) return undefined;
    const abort = new AbortController();
    const settled = new Promise<Status | undefined>((resolve) => {
      this.waiting.set(pod.key, { pending, settle: resolve });
    });
    const timedOut = this.handle.clock.sleep(timeoutMs, abort.signal).then(() =>
      Status.unschedulable(`rejected due to timeout after waiting ${timeoutMs / 1000}s at plugin ${[...pending][0] ?? ''}`),
    );
    const result = await Promise.race([settled, timedOut]);
    abort.abort();
    this.waiting.delete(pod.key);
    return result;
  }

  /** A waiting plugin allows the pod; it proceeds once all have. Returns false when not waiting. */
  allow(podKey: string, pluginName: string): boolean {
    const w = this.waiting.get(podKey);
    if (!w) return false;
    w.pending.delete(pluginName);
    if (w.pending.size === 0) w.settle(undefined);
    return true;
  }

  reject(podKey: string, pluginName: string, message: string): boolean {
    const w = this.waiting.get(podKey);
    if (!w) return false;
    w.settle(Status.unschedulable(message).withPlugin(pluginName));
    return true;
  }

  waitingPodKeys(): string[] {
    return [...this.waiting.keys()];
  }

  async runPreBind(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status | undefined> {
    for (const pl of this.plugins.preBind) {
      const s = await callPluginAsync(pl, () => pl.preBind?.(state, pod, nodeName));
      if (s && s.code !== 'Success') return s.withPlugin(pl.name);
    }
    return undefined;
  }

  async runBind(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status | undefined> {
    for (const pl of this.plugins.bind) {
      const s = await callPluginAsync(pl, () => pl.bind?.(state, pod, nodeName));
      if (s?.code === 'Skip') continue;
      if (s && s.code !== 'Success') return s.withPlugin(pl.name);
      return undefined;
    }
    return Status.error('no bind plugin bound the pod');
  }

  runPostBind(state: CycleState, pod: PodInfo, nodeName: string): void {
    for (const pl of this.plugins.postBind) pl.postBind?.(state, pod, nodeName);
  }
}

/** A throwing plugin is an Error status, never a crashed scheduler. */
function callPlugin<T>(pl: Plugin, fn: () => T): T | Status {
  try {
    return fn();
  } catch (e) {
    return Status.error(`plugin "${pl.name}": ${e instanceof Error ? e.message : String(e)}`).withPlugin(pl.name);
  }
}

async function callPluginAsync(pl: Plugin, fn: () => Promise<Status | undefined> | undefined): Promise<Status | undefined> {
  try {
    return await fn();
  } catch (e) {
    return Status.error(`plugin "${pl.name}": ${e instanceof Error ? e.message : String(e)}`).withPlugin(pl.name);
  }
}
