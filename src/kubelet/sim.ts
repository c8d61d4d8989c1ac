// `k8ts sim`: many light kubelets in one process on the fake runtime, as KWOK and kubemark do —
// each a registered Node with its own lease heartbeat, status and pod workers, all fed by one
// shared watch of bound pods. Nothing is written to disk (no volumes, no log files).
import { tmpdir } from 'node:os';
import type { ApiClient } from '../client/client.js';
import { discardEvents, type EventRecorder } from '../events/recorder.js';
import type { Logger } from '../log.js';
import { kubeletConfig, wallClock, type NodeCapacity } from './config.js';
import { Kubelet } from './kubelet.js';
import { SharedPodFeeds } from './pod-manager.js';
import { FakeRuntime, type FakeRuntimeOptions } from './runtime/fake/fake-runtime.js';

export interface SimulatedNodesOptions {
  client: ApiClient;
  count: number;
  namePrefix: string;
  log: Logger;
  signal: AbortSignal;
  runtimeOptions?: FakeRuntimeOptions;
  recorder?: EventRecorder;
  capacity?: Partial<NodeCapacity>;
  /** Nodes registered at the same time. Default 50. */
  registerConcurrency?: number;
  heartbeatIntervalMs?: number;
  relistIntervalMs?: number;
}

export interface SimulatedNodes {
  names: string[];
  stop(): Promise<void>;
}

const GiB = 1024 ** 3;

export async function startSimulatedNodes(o: SimulatedNodesOptions): Promise<SimulatedNodes> {
  const stop = new AbortController();
  const signal = AbortSignal.any([o.signal, stop.signal]);
  const feeds = new SharedPodFeeds({ client: o.client, clock: wallClock, log: o.log.child('pods'), signal });
  const kubelets: Kubelet[] = [];
  const names = Array.from({ length: o.count }, (_, i) => `${o.namePrefix}${i}`);
  let next = 0;
  const startOne = async (): Promise<void> => {
    while (next < names.length && !signal.aborted) {
      const i = next++;
      const nodeName = names[i] ?? '';
      // Each node gets its own /24 of pod IPs and a made-up address, as a hollow node would.
      const podCidr = `10.${64 + Math.floor(i / 256)}.${i % 256}.0/24`;
      const cfg = kubeletConfig({
        client: o.client,
        runtime: new FakeRuntime({ writeLogs: false, podCidr, ...o.runtimeOptions }),
        nodeName,
        recorder: o.recorder ?? discardEvents,
        log: o.log,
        rootDir: tmpdir(),
        capacity: { cpu: 32, memoryBytes: 256 * GiB, pods: 110, ephemeralStorageBytes: 1024 * GiB, ...o.capacity },
        addresses: [{ type: 'InternalIP', address: `10.${32 + Math.floor(i / 65536)}.${Math.floor(i / 256) % 256}.${i % 256}` }, { type: 'Hostname', address: nodeName }],
        heartbeatIntervalMs: o.heartbeatIntervalMs,
        relistIntervalMs: o.relistIntervalMs ?? 1000,
        volumes: 'none',
      });
      const k = new Kubelet(cfg);
      await k.start(feeds.feedFor(nodeName), { signal });
      kubelets.push(k);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.registerConcurrency ?? 50) }, startOne));
  return {
    names,
    async stop() {
      stop.abort();
      await Promise.all(kubelets.map((k) => k.stop()));
      await Promise.all(kubelets.map((k) => k.cfg.runtime.close()));
    },
  };
}
