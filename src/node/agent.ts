// The node agent: one machine's share of a cluster. Opens the container runtime over its state
// directory, serves the kubelet API (logs, exec, attach, port-forward — what the API server
// proxies kubectl to — and /stats/summary) and runs the kubelet, which registers the Node with
// that endpoint's port and runs the pods bound to it. `k8ts agent` runs it against a remote API server; `k8ts
// server` may run one in-process for its own machine.
//
// Layout under <dataDir>/agent/: runtime/<name>/ (the runtime's state; the process runtime
// re-adopts its containers from there after a restart; the containerd runtime keeps its own
// containerd there), kubelet/ (pod volumes and logs).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Taint } from 'kubernetes-types/core/v1.js';
import type { ApiClient } from '../client/client.js';
import { createEventRecorder, type BroadcastingEventRecorder } from '../events/broadcaster.js';
import type { EventRecorder } from '../events/recorder.js';
import { wallClock, type KubeletOptions } from '../kubelet/config.js';
import { startKubelet, type RunningKubelet } from '../kubelet/kubelet.js';
import { startKubeletServer, type RunningKubeletServer } from '../kubelet/server/server.js';
import type { ContainerRuntime } from '../kubelet/runtime/runtime.js';
import type { Logger } from '../log.js';
import { authorizeKubeletCaller, logReader, resolvePod, statsSummary } from './kubelet-api.js';
import { startPodNetwork } from './pod-network.js';
import { openRuntime, type RuntimeName } from './runtimes.js';

/** Kubelet settings a deployment may tune (tests shorten them), and the cluster DNS pods use. */
export type KubeletTuning = Partial<
  Pick<
    KubeletOptions,
    'heartbeatIntervalMs' | 'nodeStatusUpdateFrequencyMs' | 'leaseDurationSeconds' | 'relistIntervalMs' | 'crashLoopBackOff' | 'capacity' | 'podResyncIntervalMs' | 'clusterDNS' | 'clusterDomain' | 'evictionHard' | 'allowedUnsafeSysctls'
  >
>;

export interface NodeAgentOptions {
  /** Authenticated as the node (system:node:<name>, group system:nodes). */
  client: ApiClient;
  nodeName: string;
  runtime: RuntimeName;
  dataDir: string;
  /**
   * PEM serving certificate and key of the kubelet API, and the CA its callers' client
   * certificates must chain to. Omitted: plain HTTP open to everyone (in-process clusters and
   * tests only; the API server then needs `kubelet: { scheme: 'http' }`).
   */
  kubeletTls?: { cert: string; key: string; clientCA: string };
  /** The node's InternalIP: where the API server reaches the kubelet API. */
  address: string;
  /** Default 10250; 0 picks a free port (reported in the Node's daemonEndpoints). */
  kubeletPort?: number;
  /** Default "0.0.0.0". */
  kubeletBindAddress?: string;
  nodeLabels?: Record<string, string>;
  registerWithTaints?: Taint[];
  log: Logger;
  /** Default: a recorder writing Events as component "kubelet" from this node. */
  recorder?: EventRecorder;
  kubelet?: KubeletTuning;
  /** containerd only: use this CRI socket instead of starting containerd (see RuntimeOpenOptions). */
  containerRuntimeEndpoint?: string;
  signal: AbortSignal;
}

export interface RunningNodeAgent {
  nodeName: string;
  kubeletPort: number;
  runtime: ContainerRuntime;
  /** Stops the kubelet and its API; containers keep running (re-adopted on the next start). */
  stop(): Promise<void>;
}

export async function startNodeAgent(o: NodeAgentOptions): Promise<RunningNodeAgent> {
  const log = o.log;
  const base = join(o.dataDir, 'agent');
  const runtimeDir = join(base, 'runtime', o.runtime);
  const rootDir = join(base, 'kubelet');
  mkdirSync(runtimeDir, { recursive: true, mode: 0o700 });
  mkdirSync(rootDir, { recursive: true, mode: 0o700 });
  const opened = await openRuntime(o.runtime, { stateDir: runtimeDir, nodeName: o.nodeName, log, registriesFile: join(o.dataDir, 'registries.yaml'),
    ...(o.containerRuntimeEndpoint ? { containerRuntimeEndpoint: o.containerRuntimeEndpoint } : {}),
  });
  const runtime = opened.runtime;
  const version = await runtimeVersion(runtime, log).catch(async (err: unknown) => {
    await opened.close();
    throw err;
  });
  log.info(`runtime ${o.runtime} (${version.runtimeName} ${version.runtimeVersion}) over ${runtimeDir}`);
  // Ends the watches this agent runs besides the kubelet's, on stop or when o.signal aborts.
  const own = new AbortController();
  const onAbort = (): void => own.abort();
  o.signal.addEventListener('abort', onAbort, { once: true });

  let kubelet: RunningKubelet | undefined;
  const ref = (): RunningKubelet | undefined => kubelet;
  let server: RunningKubeletServer | undefined;
  let ownRecorder: BroadcastingEventRecorder | undefined;
  try {
    server = await startKubeletServer({
      runtime,
      host: o.kubeletBindAddress ?? '0.0.0.0',
      port: o.kubeletPort ?? 10250,
      ...(o.kubeletTls ? { tls: o.kubeletTls, authorize: authorizeKubeletCaller } : {}),
      resolvePod: (namespace, name) => resolvePod(ref, namespace, name),
      readLogs: logReader(ref, runtime),
      listPods: () => ref()?.pods() ?? [],
      statsSummary: () => statsSummary(ref),
      log: log.child('kubelet-api'),
    });
    const recorder = o.recorder ?? (ownRecorder = createEventRecorder({ client: o.client, clock: wallClock, log: log.child('events'), component: 'kubelet', host: o.nodeName }));
    kubelet = await startKubelet({
      client: o.client,
      runtime,
      nodeName: o.nodeName,
      recorder,
      log: log.child('kubelet'),
      rootDir,
      nodeLabels: o.nodeLabels,
      registerWithTaints: o.registerWithTaints,
      addresses: [
        { type: 'InternalIP', address: o.address },
        { type: 'Hostname', address: o.nodeName },
      ],
      kubeletPort: server.port,
      imageFsDir: runtimeDir,
      ...o.kubelet,
      signal: o.signal,
    });
  } catch (err) {
    own.abort();
    o.signal.removeEventListener('abort', onAbort);
    await server?.close();
    ownRecorder?.close();
    await opened.close();
    throw err;
  }
  // The runtime's pod network needs the podCIDR the node-ipam controller assigns after the
  // node registered: until it arrives sandboxes fail to get an address and pods wait in
  // ContainerCreating, retried by the kubelet.
  const setPodCIDR = opened.setPodCIDR;
  if (setPodCIDR) {
    startPodNetwork({ client: o.client, nodeName: o.nodeName, setPodCIDR: (cidr) => setPodCIDR(cidr), routes: true, log: log.child('pod-network'), signal: own.signal });
  }
  log.info(`node ${o.nodeName} registered; kubelet API on ${o.address}:${server.port}`);
  const running = { kubelet, server };
  let stopped: Promise<void> | undefined;
  return {
    nodeName: o.nodeName,
    kubeletPort: server.port,
    runtime,
    stop: () =>
      (stopped ??= (async () => {
        own.abort();
        o.signal.removeEventListener('abort', onAbort);
        await running.kubelet.stop();
        await running.server.close();
        if (ownRecorder) {
          await ownRecorder.flush();
          ownRecorder.close();
        }
        await opened.close();
      })()),
  };
}

/**
 * The runtime's version, waiting while it is still starting: containerd answers its socket
 * before the CRI plugin is initialized ("server is not initialized yet"), longer after a
 * restart with containers to re-adopt.
 */
async function runtimeVersion(runtime: ContainerRuntime, log: Logger, timeoutMs = 60_000): Promise<{ runtimeName: string; runtimeVersion: string }> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await runtime.version();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      if (attempt === 0) log.info(`waiting for the runtime to be ready: ${err instanceof Error ? err.message : String(err)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
