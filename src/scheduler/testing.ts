// Builders and a harness for scheduler tests: a Scheduler whose binder and evictor feed results
// back as informer events would (bound pod → updatePod, evicted pod → removePod).
import type { Node, PersistentVolume, PersistentVolumeClaim, Pod, PodSpec, Taint } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { FakeClock } from './clock.js';
import type { Handle } from './framework.js';
import { PodInfo } from './pod-info.js';
import type { Snapshot } from './snapshot.js';
import type { SchedulerConfiguration } from './config.js';
import { Scheduler, type PodStatusUpdate, type ScheduleResult, type SchedulerEvent } from './scheduler.js';
import { NO_VOLUMES, type VolumeLister } from './volumes.js';

export function makeNode(
  name: string,
  opts: { cpu?: string; memory?: string; pods?: string; labels?: Record<string, string>; taints?: Taint[]; unschedulable?: boolean } = {},
): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...opts.labels } },
    spec: { taints: opts.taints, unschedulable: opts.unschedulable },
    status: { allocatable: { cpu: opts.cpu ?? '4', memory: opts.memory ?? '16Gi', pods: opts.pods ?? '110' } },
  };
}

let uid = 0;
export function makePod(name: string, opts: { cpu?: string; memory?: string; labels?: Record<string, string>; namespace?: string } & Partial<PodSpec> = {}): Pod {
  const { cpu, memory, labels, namespace, ...spec } = opts;
  const requests: Record<string, string> = {};
  if (cpu) requests['cpu'] = cpu;
  if (memory) requests['memory'] = memory;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: namespace ?? 'default', uid: `uid-${name}-${++uid}`, labels },
    spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', resources: { requests } }], ...spec },
  };
}

export interface Harness {
  scheduler: Scheduler;
  clock: FakeClock;
  bindings: Map<string, string>;
  events: SchedulerEvent[];
  statusUpdates: { pod: string; update: PodStatusUpdate }[];
  evicted: string[];
  /** Current objects by name, as an informer cache would hold them. */
  pods: Map<string, Pod>;
  add(...pods: Pod[]): void;
  /** scheduleOne until the queue's activeQ is empty; returns every result. */
  drain(): Promise<ScheduleResult[]>;
}

export function harness(
  opts: { config?: SchedulerConfiguration; nodes?: Node[]; bindFails?: (pod: Pod) => boolean | Error; volumes?: VolumeLister } = {},
): Harness {
  const clock = new FakeClock(1_000_000);
  const pods = new Map<string, Pod>();
  const h: Harness = {
    clock,
    bindings: new Map(),
    events: [],
    statusUpdates: [],
    evicted: [],
    pods,
    scheduler: new Scheduler({
      clock,
      random: () => 0,
      config: opts.config,
      volumes: opts.volumes,
      binder: async (pod, nodeName) => {
        const fails = opts.bindFails?.(pod);
        if (fails instanceof Error) throw fails;
        if (fails) throw new Error('binding rejected');
        const name = pod.metadata?.name ?? '';
        h.bindings.set(name, nodeName);
        const bound: Pod = { ...pod, spec: { containers: [], ...pod.spec, nodeName } };
        pods.set(name, bound);
        h.scheduler.updatePod(pod, bound);
      },
      recorder: { event: (e) => h.events.push(e) },
      statusUpdater: async (pod, update) => {
        h.statusUpdates.push({ pod: pod.metadata?.name ?? '', update });
        const current = pods.get(pod.metadata?.name ?? '');
        if (current && update.nominatedNodeName !== undefined) {
          const next: Pod = { ...current, status: { ...current.status, nominatedNodeName: update.nominatedNodeName ?? undefined } };
          pods.set(pod.metadata?.name ?? '', next);
          h.scheduler.updatePod(current, next);
        }
      },
      evictor: async (victim) => {
        h.evicted.push(victim.metadata?.name ?? '');
        pods.delete(victim.metadata?.name ?? '');
        h.scheduler.removePod(victim);
      },
    }),
    add(...list) {
      for (const p of list) {
        pods.set(p.metadata?.name ?? '', p);
        h.scheduler.addPod(p);
        // Distinct queue timestamps keep FIFO order observable.
        clock.advance(1);
      }
    },
    async drain() {
      const out: ScheduleResult[] = [];
      for (let r = await h.scheduler.scheduleOne(); r; r = await h.scheduler.scheduleOne()) {
        out.push(r);
        // Let fire-and-forget callbacks (status updates, evictions) land, as informers would.
        await new Promise<void>((res) => setImmediate(res));
      }
      return out;
    },
  };
  for (const n of opts.nodes ?? []) h.scheduler.addNode(n);
  return h;
}

/** A Handle over a bare snapshot, for plugin unit tests (filters run without other plugins). */
export function bareHandle(snapshot: Snapshot, volumes: VolumeLister = NO_VOLUMES): Handle {
  return {
    snapshot,
    clock: new FakeClock(),
    random: () => 0,
    nominator: { nominatedPodsForNode: () => [] },
    disruption: { violates: () => false },
    volumes,
    runFilterWithNominatedPods: () => undefined,
    runPreFilterAddPod: () => undefined,
    runPreFilterRemovePod: () => undefined,
    bind: async () => {},
  };
}

/** Places pods (already carrying spec.nodeName) into the snapshot. */
/** A VolumeLister over fixed objects, for the volume plugins' tests. */
export function fixedVolumes(o: { claims?: PersistentVolumeClaim[]; volumes?: PersistentVolume[]; classes?: StorageClass[] }): VolumeLister {
  return {
    claim: (ns, name) => o.claims?.find((c) => (c.metadata?.namespace ?? 'default') === ns && c.metadata?.name === name),
    volume: (name) => o.volumes?.find((v) => v.metadata?.name === name),
    volumes: () => o.volumes ?? [],
    storageClass: (name) => o.classes?.find((c) => c.metadata?.name === name),
  };
}

export function place(snapshot: Snapshot, ...pods: Pod[]): void {
  for (const p of pods) snapshot.addPod(new PodInfo(p));
}

export function onNode(pod: Pod, nodeName: string): Pod {
  return { ...pod, spec: { containers: [], ...pod.spec, nodeName } };
}
