// The kubelet's eviction manager for hard thresholds (Kubernetes v1.33): every monitoring
// interval it measures the node (the stats Summary), compares each signal with its
// threshold, reports the pressure conditions (kept True for the pressure transition period
// after the last time a threshold was met, so they do not flap), and while a threshold is met
// evicts one pod per pass, chosen by rank.ts. The kubelet turns an eviction into a killed
// pod with phase Failed, reason Evicted and this message; the node lifecycle controller turns
// the conditions into the memory-/disk-/pid-pressure NoSchedule taints.
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { formatExactQuantity, formatQuantity, parseQuantity, quantityText } from '../../api/validation/quantity.js';
import { sleep, type Clock } from '../../informer/clock.js';
import type { Logger } from '../../log.js';
import type { ContainerStats, PodStats, Summary } from '../stats/summary-types.js';
import { rankForEviction, type Reclaim } from './rank.js';
import { thresholdAmount, type Signal, type Threshold } from './thresholds.js';

export type PressureCondition = 'MemoryPressure' | 'DiskPressure' | 'PIDPressure';

export interface Observation {
  available: number;
  capacity: number;
}

const SIGNAL_INFO: Record<Signal, { condition: PressureCondition; reclaim: Reclaim | 'inodes'; bytes: boolean; order: number }> = {
  'memory.available': { condition: 'MemoryPressure', reclaim: 'memory', bytes: true, order: 0 },
  'nodefs.available': { condition: 'DiskPressure', reclaim: 'ephemeral-storage', bytes: true, order: 1 },
  'nodefs.inodesFree': { condition: 'DiskPressure', reclaim: 'inodes', bytes: false, order: 2 },
  'imagefs.available': { condition: 'DiskPressure', reclaim: 'ephemeral-storage', bytes: true, order: 3 },
  'imagefs.inodesFree': { condition: 'DiskPressure', reclaim: 'inodes', bytes: false, order: 4 },
  'pid.available': { condition: 'PIDPressure', reclaim: 'pids', bytes: false, order: 5 },
};

/** What each signal stands at, from a Summary (capacity as the kubelet derives it). */
export function observe(s: Summary): Map<Signal, Observation> {
  const out = new Map<Signal, Observation>();
  const mem = s.node.memory;
  if (mem?.availableBytes !== undefined) out.set('memory.available', { available: mem.availableBytes, capacity: mem.availableBytes + (mem.workingSetBytes ?? 0) });
  const fs = (signal: Signal, inodes: Signal, f: Summary['node']['fs']): void => {
    if (f?.availableBytes !== undefined && f.capacityBytes !== undefined) out.set(signal, { available: f.availableBytes, capacity: f.capacityBytes });
    if (f?.inodesFree !== undefined && f.inodes !== undefined) out.set(inodes, { available: f.inodesFree, capacity: f.inodes });
  };
  fs('nodefs.available', 'nodefs.inodesFree', s.node.fs);
  fs('imagefs.available', 'imagefs.inodesFree', s.node.runtime?.imageFs);
  const rl = s.node.rlimit;
  if (rl?.maxpid !== undefined && rl.curproc !== undefined) out.set('pid.available', { available: Math.max(0, rl.maxpid - rl.curproc), capacity: rl.maxpid });
  return out;
}

function quantity(n: number, binary: boolean): string {
  return formatExactQuantity({ nanos: BigInt(Math.max(0, Math.round(n))) * 1_000_000_000n, format: binary ? 'BinarySI' : 'DecimalSI' });
}

function containerUsage(c: ContainerStats | undefined, what: Reclaim | 'inodes'): number | undefined {
  if (!c) return undefined;
  if (what === 'memory') return c.memory?.workingSetBytes;
  if (what === 'ephemeral-storage') return (c.rootfs?.usedBytes ?? 0) + (c.logs?.usedBytes ?? 0);
  return undefined;
}

/** The container's request for `what` as written, if it has one. */
function requestQuantity(c: Container, what: Reclaim | 'inodes'): string | undefined {
  return quantityText((c.resources?.requests as Record<string, unknown> | undefined)?.[what]);
}

function requestText(c: Container, what: Reclaim | 'inodes'): string {
  const text = requestQuantity(c, what);
  return (text !== undefined ? formatQuantity(text) : undefined) ?? '0';
}

function requestAmount(c: Container, what: Reclaim | 'inodes'): number {
  const text = requestQuantity(c, what);
  return text === undefined ? 0 : (parseQuantity(text) ?? 0);
}

/** Kubernetes' eviction message, e.g. "The node was low on resource: memory. Threshold quantity: 100Mi, available: 51200Ki. Container big was using 200Mi, request is 0, has larger consumption of memory. " */
export function evictionMessage(pod: Pod, stats: PodStats | undefined, t: Threshold, obs: Observation): string {
  const info = SIGNAL_INFO[t.signal];
  let message = `The node was low on resource: ${info.reclaim}. `;
  const amount = 'quantity' in t.value ? (formatQuantity(t.value.text) ?? t.value.text) : quantity(thresholdAmount(t, obs.capacity), false);
  message += `Threshold quantity: ${amount}, available: ${quantity(obs.available, info.bytes && obs.available % 1024 === 0)}. `;
  if (info.reclaim === 'memory' || info.reclaim === 'ephemeral-storage') {
    for (const c of pod.spec?.containers ?? []) {
      const usage = containerUsage(stats?.containers.find((s) => s.name === c.name), info.reclaim);
      if (usage === undefined || usage <= requestAmount(c, info.reclaim)) continue;
      message += `Container ${c.name} was using ${quantity(usage, usage % 1024 === 0)}, request is ${requestText(c, info.reclaim)}, has larger consumption of ${info.reclaim}. `;
    }
  }
  return message;
}

export interface EvictionManagerOptions {
  thresholds: readonly Threshold[];
  /** The node's Summary; pod stats are asked for only when a threshold is met. */
  summary: (o: { pods: boolean }) => Promise<Summary>;
  /** Pods that may be evicted: admitted, not finished, not being deleted. */
  activePods: () => Pod[];
  /** Kills the pod and marks it Failed/Evicted with `message`. */
  evict: (pod: Pod, message: string) => Promise<void>;
  /** A Warning event on the node (EvictionThresholdMet). */
  nodeEvent: (reason: string, message: string) => void;
  /** The conditions changed: the node status is worth recomputing now. */
  onPressureChange: () => void;
  clock: Clock;
  /** How long a condition stays True after its threshold was last met (Kubernetes: 5 min). */
  pressureTransitionPeriodMs: number;
  /** How often to measure (Kubernetes: 10 s). */
  monitoringIntervalMs: number;
  log: Logger;
}

export class EvictionManager {
  private readonly lastMet = new Map<PressureCondition, number>();
  private reported = new Set<PressureCondition>();

  constructor(private readonly o: EvictionManagerOptions) {}

  /** Conditions that are True now. */
  pressure(): Set<PressureCondition> {
    const now = this.o.clock.now();
    const out = new Set<PressureCondition>();
    for (const [c, at] of this.lastMet) if (now - at < this.o.pressureTransitionPeriodMs) out.add(c);
    return out;
  }

  /** One pass: measure, update conditions, evict at most one pod. Returns the evicted pod. */
  async synchronize(): Promise<Pod | undefined> {
    if (this.o.thresholds.length === 0) return undefined;
    const observations = observe(await this.o.summary({ pods: false }));
    const now = this.o.clock.now();
    const met = this.o.thresholds
      .filter((t) => {
        const obs = observations.get(t.signal);
        return obs !== undefined && obs.available < thresholdAmount(t, obs.capacity);
      })
      .sort((a, b) => SIGNAL_INFO[a.signal].order - SIGNAL_INFO[b.signal].order);
    for (const t of met) this.lastMet.set(SIGNAL_INFO[t.signal].condition, now);
    const pressure = this.pressure();
    if (pressure.size !== this.reported.size || [...pressure].some((c) => !this.reported.has(c))) {
      this.reported = pressure;
      this.o.onPressureChange();
    }
    const t = met[0];
    const obs = t && observations.get(t.signal);
    if (!t || !obs) return undefined;
    const info = SIGNAL_INFO[t.signal];
    this.o.log.warn(`eviction threshold met: ${t.signal} available ${obs.available} of ${obs.capacity}`);
    this.o.nodeEvent('EvictionThresholdMet', `Attempting to reclaim ${info.reclaim}`);
    const byUid = new Map((await this.o.summary({ pods: true })).pods.map((p) => [p.podRef.uid, p]));
    const statsOf = (p: Pod): PodStats | undefined => byUid.get(p.metadata?.uid ?? '');
    const victim = rankForEviction(this.o.activePods(), info.reclaim === 'inodes' ? 'ephemeral-storage' : info.reclaim, statsOf)[0];
    if (!victim) {
      this.o.log.warn('eviction manager: no pod to evict');
      return undefined;
    }
    const message = evictionMessage(victim, statsOf(victim), t, obs);
    this.o.log.info(`evicting pod ${victim.metadata?.namespace ?? ''}/${victim.metadata?.name ?? ''}: ${message}`);
    await this.o.evict(victim, message);
    return victim;
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.synchronize();
      } catch (err) {
        this.o.log.warn(`eviction manager: ${String(err)}`);
      }
      await sleep(this.o.clock, this.o.monitoringIntervalMs, signal);
    }
  }
}
