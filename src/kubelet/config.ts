// Kubelet configuration: one constructor validates options and injects defaults (the clock,
// host capacity, addresses), so every other file reads a complete, typed config.
import { cpus, hostname, networkInterfaces, totalmem } from 'node:os';
import type { NodeAddress, Taint } from 'kubernetes-types/core/v1.js';
import type { ApiClient } from '../client/client.js';
import type { EventRecorder } from '../events/recorder.js';
import { realClock, type Clock } from '../informer/clock.js';
import type { Logger } from '../log.js';
import type { ContainerRuntime } from './runtime/runtime.js';
import { readHostResolvConf, type ClusterDns } from './dns-config.js';
import { DEFAULT_EVICTION_HARD, parseEvictionHard, type Threshold } from './eviction/thresholds.js';
import type { ServiceLister } from './service-env.js';
import { procHostStats, type HostStatsSource } from './stats/host.js';

export interface NodeCapacity {
  /** Cores, e.g. 4 or 0.5. */
  cpu: number;
  memoryBytes: number;
  pods: number;
  ephemeralStorageBytes: number;
}

export interface CrashLoopBackOffOptions {
  initialMs: number;
  maxMs: number;
  /** A container that ran this long without crashing starts again at `initialMs`. */
  resetAfterMs: number;
}

export interface KubeletOptions {
  client: ApiClient;
  runtime: ContainerRuntime;
  nodeName: string;
  recorder: EventRecorder;
  log: Logger;
  /** `now()` must be wall time in epoch milliseconds (timestamps are written from it). */
  clock?: Clock;
  /** Pods' volumes and logs live under here. */
  rootDir: string;
  nodeLabels?: Record<string, string>;
  registerWithTaints?: Taint[];
  capacity?: Partial<NodeCapacity>;
  addresses?: NodeAddress[];
  kubeletPort?: number;
  leaseDurationSeconds?: number;
  heartbeatIntervalMs?: number;
  /** How often node status is computed; it is written when changed or every 5 minutes. */
  nodeStatusUpdateFrequencyMs?: number;
  crashLoopBackOff?: Partial<CrashLoopBackOffOptions>;
  /** Delay before the first restart of a crashed container (Kubernetes: immediately). */
  firstRestartDelayMs?: number;
  /** How often the runtime is listed to notice container state changes. */
  relistIntervalMs?: number;
  /** Every pod is synced at least this often (Kubernetes' syncFrequency). */
  podResyncIntervalMs?: number;
  containerLogMaxSizeBytes?: number;
  containerLogMaxFiles?: number;
  /** Simulated nodes skip volume setup on disk. */
  volumes?: 'disk' | 'none';
  /** Cluster DNS Service IPs for ClusterFirst pods (kubelet --cluster-dns); none → pods use the host's resolv.conf. */
  clusterDNS?: string[];
  /** Default "cluster.local" (kubelet --cluster-domain). */
  clusterDomain?: string;
  /** The host resolver configuration for Default-policy pods; default /etc/resolv.conf. */
  resolvConf?: string;
  /** Services for the pods' service environment variables; without one pods get none. */
  services?: ServiceLister;
  /**
   * Hard eviction thresholds in the kubelet's --eviction-hard syntax
   * (`memory.available<100Mi,nodefs.available<10%`); default Kubernetes' Linux defaults, "" none.
   */
  evictionHard?: string;
  /**
   * Sysctls a pod may set beyond the safe set (--allowed-unsafe-sysctls): names, or `prefix*`
   * patterns such as `kernel.msg*`.
   */
  allowedUnsafeSysctls?: string[];
  /** How often the eviction manager measures the node (Kubernetes: 10 s). */
  evictionMonitoringIntervalMs?: number;
  /** How long a pressure condition stays True after its threshold was last met (Kubernetes: 5 min). */
  evictionPressureTransitionPeriodMs?: number;
  /** Where node figures come from; default the host (/proc, statfs of rootDir and imageFsDir). */
  hostStats?: HostStatsSource;
  /** The filesystem of images and container layers (the runtime's state); default rootDir. */
  imageFsDir?: string;
  /**
   * A pod's first start that takes the runtime longer than this shows ContainerCreating in
   * the API meanwhile (fast starts write their Running status only).
   */
  containerCreatingStatusDelayMs?: number;
  signal: AbortSignal;
}

export interface KubeletConfig {
  client: ApiClient;
  runtime: ContainerRuntime;
  nodeName: string;
  recorder: EventRecorder;
  log: Logger;
  clock: Clock;
  rootDir: string;
  nodeLabels: Record<string, string>;
  registerWithTaints: Taint[];
  capacity: NodeCapacity;
  addresses: NodeAddress[];
  kubeletPort: number;
  leaseDurationSeconds: number;
  heartbeatIntervalMs: number;
  nodeStatusUpdateFrequencyMs: number;
  nodeStatusReportFrequencyMs: number;
  crashLoopBackOff: CrashLoopBackOffOptions;
  firstRestartDelayMs: number;
  relistIntervalMs: number;
  podResyncIntervalMs: number;
  containerLogMaxSizeBytes: number;
  containerLogMaxFiles: number;
  volumes: 'disk' | 'none';
  clusterDns: ClusterDns;
  services: ServiceLister | undefined;
  evictionHard: Threshold[];
  allowedUnsafeSysctls: readonly string[];
  evictionMonitoringIntervalMs: number;
  evictionPressureTransitionPeriodMs: number;
  hostStats: HostStatsSource;
  containerCreatingStatusDelayMs: number;
}

/** Wall-clock time with unref'd timers: what the kubelet runs on outside tests. */
export const wallClock: Clock = { now: () => Date.now(), setTimer: (ms, fn) => realClock.setTimer(ms, fn) };

const GiB = 1024 ** 3;

export function hostCapacity(): NodeCapacity {
  return { cpu: cpus().length, memoryBytes: totalmem(), pods: 110, ephemeralStorageBytes: 100 * GiB };
}

/** The first non-internal IPv4 address, else loopback, plus the host name. */
export function hostAddresses(nodeName: string): NodeAddress[] {
  let ip = '127.0.0.1';
  outer: for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4' && !a.internal) {
        ip = a.address;
        break outer;
      }
    }
  }
  return [
    { type: 'InternalIP', address: ip },
    { type: 'Hostname', address: nodeName || hostname() },
  ];
}

function positive(name: string, v: number): number {
  if (!Number.isFinite(v) || v < 0) throw new Error(`kubelet: ${name} must be a non-negative number, got ${v}`);
  return v;
}

export function kubeletConfig(o: Omit<KubeletOptions, 'signal'>): KubeletConfig {
  if (!o.nodeName) throw new Error('kubelet: nodeName is required');
  const host = hostCapacity();
  const clb = { initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000, ...o.crashLoopBackOff };
  return {
    client: o.client,
    runtime: o.runtime,
    nodeName: o.nodeName,
    recorder: o.recorder,
    log: o.log,
    clock: o.clock ?? wallClock,
    rootDir: o.rootDir,
    nodeLabels: o.nodeLabels ?? {},
    registerWithTaints: o.registerWithTaints ?? [],
    capacity: { ...host, ...o.capacity },
    addresses: o.addresses ?? hostAddresses(o.nodeName),
    kubeletPort: o.kubeletPort ?? 10250,
    leaseDurationSeconds: positive('leaseDurationSeconds', o.leaseDurationSeconds ?? 40),
    heartbeatIntervalMs: positive('heartbeatIntervalMs', o.heartbeatIntervalMs ?? 10_000),
    nodeStatusUpdateFrequencyMs: positive('nodeStatusUpdateFrequencyMs', o.nodeStatusUpdateFrequencyMs ?? 10_000),
    nodeStatusReportFrequencyMs: 300_000,
    crashLoopBackOff: {
      initialMs: positive('crashLoopBackOff.initialMs', clb.initialMs),
      maxMs: positive('crashLoopBackOff.maxMs', clb.maxMs),
      resetAfterMs: positive('crashLoopBackOff.resetAfterMs', clb.resetAfterMs),
    },
    firstRestartDelayMs: Math.min(1000, positive('firstRestartDelayMs', o.firstRestartDelayMs ?? 0)),
    relistIntervalMs: positive('relistIntervalMs', o.relistIntervalMs ?? 200),
    podResyncIntervalMs: positive('podResyncIntervalMs', o.podResyncIntervalMs ?? 60_000),
    containerLogMaxSizeBytes: positive('containerLogMaxSizeBytes', o.containerLogMaxSizeBytes ?? 10 * 1024 * 1024),
    containerLogMaxFiles: Math.max(2, o.containerLogMaxFiles ?? 5),
    volumes: o.volumes ?? 'disk',
    clusterDns: {
      servers: o.clusterDNS ?? [],
      domain: (o.clusterDomain ?? 'cluster.local').replace(/\.$/, ''),
      host: readHostResolvConf(o.resolvConf ?? '/etc/resolv.conf'),
    },
    services: o.services,
    evictionHard: parseEvictionHard(o.evictionHard ?? DEFAULT_EVICTION_HARD),
    allowedUnsafeSysctls: o.allowedUnsafeSysctls ?? [],
    evictionMonitoringIntervalMs: positive('evictionMonitoringIntervalMs', o.evictionMonitoringIntervalMs ?? 10_000),
    evictionPressureTransitionPeriodMs: positive('evictionPressureTransitionPeriodMs', o.evictionPressureTransitionPeriodMs ?? 300_000),
    hostStats: o.hostStats ?? procHostStats({ nodeFsDir: o.rootDir, imageFsDir: o.imageFsDir ?? o.rootDir }),
    containerCreatingStatusDelayMs: positive('containerCreatingStatusDelayMs', o.containerCreatingStatusDelayMs ?? 100),
  };
}
