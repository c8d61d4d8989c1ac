// DefaultPreemption (PostFilter): when a pod fits nowhere, find nodes where evicting lower-priority
// pods makes it fit, keeping as many of them as possible (most important first, pods whose
// eviction would violate a disruption budget reprieved first). Among candidates pick, in order:
// fewest budget violations, lowest highest-victim priority, lowest priority sum, fewest
// victims, latest start of the highest-priority victims. The caller evicts the victims and
// records the nominated node.
import type { CycleState, Handle, Plugin, PostFilterOutcome } from '../../framework.js';
import { NodeToStatus } from '../../framework.js';
import { fitErrorMessage } from '../../fit-error.js';
import type { NodeInfo } from '../../node-info.js';
import type { PodInfo } from '../../pod-info.js';
import { Status } from '../../status.js';
import { PluginName } from '../names.js';

export interface DefaultPreemptionArgs {
  minCandidateNodesPercentage?: number;
  minCandidateNodesAbsolute?: number;
}

interface Candidate {
  nodeName: string;
  victims: PodInfo[];
  violations: number;
}

const NOT_HELPFUL = 'Preemption is not helpful for scheduling';
const NO_VICTIMS = 'No preemption victims found for incoming pod';

function startTime(p: PodInfo): number {
  const t = p.pod.status?.startTime;
  return t ? Date.parse(t) : Number.MAX_SAFE_INTEGER;
}

/** MoreImportantPod: higher priority, then started earlier. */
function moreImportant(a: PodInfo, b: PodInfo): number {
  return b.priority - a.priority || startTime(a) - startTime(b);
}

function withPrefix(s: Status): Status {
  return new Status(s.code, s.message ? [`preemption: ${s.message}`] : []);
}

export function defaultPreemption(handle: Handle, args: DefaultPreemptionArgs = {}): Plugin {
  const pct = args.minCandidateNodesPercentage ?? 10;
  const abs = args.minCandidateNodesAbsolute ?? 100;

  function selectVictims(state: CycleState, pod: PodInfo, node: NodeInfo): { victims: PodInfo[]; violations: number } | Status {
    const potential = node.pods.filter((p) => p.priority < pod.priority);
    if (potential.length === 0) return Status.unresolvable(NO_VICTIMS);
    for (const p of potential) {
      node.removePod(p.key);
      const s = handle.runPreFilterRemovePod(state, pod, p, node);
      if (s) return s;
    }
    const fits = handle.runFilterWithNominatedPods(state, pod, node);
    if (fits) return fits;
    potential.sort(moreImportant);
    const violating = potential.filter((p) => handle.disruption.violates(p));
    const nonViolating = potential.filter((p) => !handle.disruption.violates(p));
    const victims: PodInfo[] = [];
    let violations = 0;
    const reprieve = (p: PodInfo): boolean => {
      node.addPod(p);
      handle.runPreFilterAddPod(state, pod, p, node);
      if (handle.runFilterWithNominatedPods(state, pod, node) === undefined) return true;
      node.removePod(p.key);
      handle.runPreFilterRemovePod(state, pod, p, node);
      victims.push(p);
      return false;
    };
    for (const p of violating) if (!reprieve(p)) violations++;
    for (const p of nonViolating) reprieve(p);
    return { victims, violations };
  }

  function pick(candidates: readonly Candidate[]): Candidate {
    const free = candidates.find((c) => c.victims.length === 0);
    if (free) return free;
    const offset = 2 ** 31;
    const highest = (c: Candidate): number => Math.max(...c.victims.map((v) => v.priority));
    const sum = (c: Candidate): number => c.victims.reduce((s, v) => s + v.priority + offset, 0);
    const earliestOfHighest = (c: Candidate): number => {
      const h = highest(c);
      return Math.min(...c.victims.filter((v) => v.priority === h).map(startTime));
    };
    const criteria: ((c: Candidate) => number)[] = [(c) => c.violations, highest, sum, (c) => c.victims.length, (c) => -earliestOfHighest(c)];
    let pool = [...candidates];
    for (const score of criteria) {
      const best = Math.min(...pool.map(score));
      pool = pool.filter((c) => score(c) === best);
      if (pool.length === 1) break;
    }
    return pool[0] as Candidate;
  }

  return {
    name: PluginName.DefaultPreemption,
    postFilter(state, pod, statuses): PostFilterOutcome {
      if (pod.pod.spec?.preemptionPolicy === 'Never') {
        return { status: withPrefix(Status.unschedulable('not eligible due to preemptionPolicy=Never.')) };
      }
      const nominated = pod.pod.status?.nominatedNodeName;
      if (nominated && statuses.get(nominated).code !== 'UnschedulableAndUnresolvable') {
        const ni = handle.snapshot.get(nominated);
        if (ni?.pods.some((p) => p.priority < pod.priority && p.terminating)) {
          return { status: withPrefix(Status.unschedulable('not eligible due to a terminating pod on the nominated node.')) };
        }
      }
      const all = handle.snapshot.list();
      const potential = all.filter((n) => statuses.get(n.name).code === 'Unschedulable');
      const dryRun = new NodeToStatus();
      dryRun.absent = Status.unresolvable(NOT_HELPFUL);
      const candidates: Candidate[] = [];
      if (potential.length > 0) {
        const want = Math.min(potential.length, Math.max(Math.trunc((potential.length * pct) / 100), abs));
        const offset = Math.floor(handle.random() * potential.length);
        for (let i = 0; i < potential.length && candidates.length < want; i++) {
          const node = potential[(offset + i) % potential.length] as NodeInfo;
          const r = selectVictims(state.clone(), pod, node.clone());
          if (r instanceof Status) dryRun.map.set(node.name, r);
          else candidates.push({ nodeName: node.name, ...r });
        }
      }
      if (candidates.length === 0) {
        return { status: withPrefix(Status.unschedulable(fitErrorMessage({ numAllNodes: all.length, statuses: dryRun }))) };
      }
      const best = pick(candidates);
      return { status: undefined, nominatedNodeName: best.nodeName, victims: best.victims };
    },
  };
}
