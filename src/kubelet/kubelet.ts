// The kubelet: registers the node and keeps its status and lease fresh, and runs the pods bound
// to it on a ContainerRuntime — one serialized worker per pod, woken by API changes, runtime
// relists, probe results, back-off timers and a periodic resync.
import { readFile } from 'node:fs/promises';
import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import { Informer } from '../informer/informer.js';
import { RestartBackoff } from './backoff.js';
import { kubeletConfig, type KubeletConfig, type KubeletOptions } from './config.js';
import type { KubeletContext, PodRecord } from './context.js';
import { podEventRecorder } from './events.js';
import { admitPod, type NodeUsage } from './admission.js';
import { admitSysctls } from './sysctl-admission.js';
import { podRequests, type Amounts } from './resources.js';
import { evictPod } from './evict.js';
import { activeDeadlineAt, DEADLINE_EXCEEDED, failPastDeadline } from './active-deadline.js';
import { TerminationMessages } from './termination-message.js';
import { EvictionManager } from './eviction/eviction-manager.js';
import { SummaryProvider } from './stats/summary.js';
import type { Summary } from './stats/summary-types.js';
import { NodeLease } from './lease.js';
import { rotateContainerLogs } from './logs.js';
import { NodeStatusManager, nodeRef, type NodeStatusInputs } from './node-status.js';
import { ObjectManager } from './objects.js';
import { Pleg } from './pleg.js';
import { InFlightLimit } from '../client/in-flight-limit.js';
import { nodePodFeed, type PodFeed } from './pod-manager.js';
import { PodWorkers, type WorkerOutcome } from './pod-worker.js';
import { ProbeManager } from './probes/probe-manager.js';
import { addSandbox, observePod, type PodRuntimeState } from './runtime-state.js';
import { NotFoundError } from './runtime/runtime.js';
import { sleep } from '../informer/clock.js';
import { rfc3339 } from './status.js';
import { isOwnStatusEcho, writePodStatus } from './status-manager.js';
import { syncPod } from './sync-pod.js';
import { cleanUpPod, terminatePod } from './terminate.js';
import { TokenManager } from './volumes/service-account-token.js';
import { VolumeManager } from './volumes/volume-manager.js';

/**
 * Pod status writes one kubelet keeps in flight (more wait their turn, in order). The API
 * server's priority and fairness decides how its turns are shared with other clients; this
 * bounds the kubelet's connections and keeps enough writes waiting there for its share. A
 * write waiting here cannot be served, and a slot is refilled only once the answer to the
 * previous write has reached the kubelet: with 64, a node starting 1,000 pods at once under
 * a client's burst of creates spent as long waiting for slots as in the server's queue.
 * Kubernetes' kubelet sends over one HTTP/2 connection, which carries hundreds of streams.
 */
const STATUS_WRITES_IN_FLIGHT = 256;

export type { KubeletOptions } from './config.js';

export interface RunningKubelet {
  /** Stops the kubelet's loops; containers keep running (as when a kubelet restarts). */
  stop(): Promise<void>;
  /** The pods this kubelet runs: the latest API objects with the status it last wrote. */
  pods(): Pod[];
  /** What the runtime holds of a pod: its sandboxes (newest first) and their containers. */
  runtimeState(uid: string): Promise<PodRuntimeState>;
  /** The stats/v1alpha1 Summary of this node and its pods (/stats/summary). */
  statsSummary(): Promise<Summary>;
}

async function readId(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim().replace(/-/g, '') || undefined;
  } catch {
    return undefined;
  }
}

function isTerminalPhase(phase: string | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}

/** The pod-running core; `startKubelet` and the simulator give it a pod feed. */
export class Kubelet {
  readonly ctx: KubeletContext;
  readonly workers: PodWorkers;
  private readonly stopper = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private podsSynced = false;
  /**
   * The requests of every admitted pod still on record, finished or not: never less than what
   * `usageBesides` counts, kept up to date as pods are admitted and forgotten.
   */
  private readonly admittedBound: NodeUsage = { pods: 0, milliCpu: 0, memory: 0, ephemeralStorage: 0 };
  private readonly ids: { bootId: string; machineId: string };
  readonly stats: SummaryProvider;
  readonly eviction: EvictionManager;
  private nodeStatus: NodeStatusManager | undefined;

  constructor(readonly cfg: KubeletConfig, ids?: { bootId: string; machineId: string }) {
    this.ids = ids ?? { bootId: randomUUID(), machineId: createHash('sha256').update(cfg.nodeName).digest('hex').slice(0, 32) };
    const events = podEventRecorder(cfg.recorder);
    const hostIP = cfg.addresses.find((a) => a.type === 'InternalIP')?.address ?? cfg.addresses[0]?.address ?? '127.0.0.1';
    this.workers = new PodWorkers({ clock: cfg.clock, log: cfg.log, sync: (uid) => this.sync(uid) });
    this.ctx = {
      cfg,
      events,
      hostIP,
      probes: new ProbeManager({ runtime: cfg.runtime, clock: cfg.clock, recorder: events, onChange: (uid) => this.workers.trigger(uid) }),
      volumes: new VolumeManager({ rootDir: cfg.rootDir, log: cfg.log, mode: cfg.volumes }),
      objects: new ObjectManager({
        client: cfg.client,
        clock: cfg.clock,
        log: cfg.log,
        mode: cfg.volumes === 'disk' ? 'watch' : 'get',
        onChange: (uids) => uids.forEach((u) => this.workers.trigger(u)),
      }),
      tokens: new TokenManager({ client: cfg.client, clock: cfg.clock }),
      crashBackoff: new RestartBackoff(cfg.crashLoopBackOff),
      terminationMessages: new TerminationMessages(),
      pullBackoff: new RestartBackoff(cfg.crashLoopBackOff),
      sandboxes: new Map(),
      records: new Map(),
      statusWrites: new InFlightLimit(STATUS_WRITES_IN_FLIGHT),
    };
    this.stats = new SummaryProvider({
      nodeName: cfg.nodeName,
      runtime: cfg.runtime,
      host: cfg.hostStats,
      pods: () => this.pods(),
      ...(cfg.volumes === 'disk' ? { volumePath: (pod, v) => this.ctx.volumes.volumePath(pod, v) } : {}),
    });
    const ref = nodeRef(cfg.nodeName);
    this.eviction = new EvictionManager({
      thresholds: cfg.evictionHard,
      summary: (o) => this.stats.summary(o),
      activePods: () => this.evictablePods(),
      evict: async (pod, message) => this.evict(pod.metadata?.uid ?? '', message),
      nodeEvent: (reason, message) => cfg.recorder.event(ref, 'Warning', reason, message),
      onPressureChange: () => void this.nodeStatus?.update().catch((err: unknown) => cfg.log.warn(`error updating node status: ${String(err)}`)),
      clock: cfg.clock,
      pressureTransitionPeriodMs: cfg.evictionPressureTransitionPeriodMs,
      monitoringIntervalMs: cfg.evictionMonitoringIntervalMs,
      log: cfg.log,
    });
  }

  /** The pods this kubelet runs: the latest API objects with the status it last wrote. */
  pods(): Pod[] {
    return [...this.ctx.records.values()].filter((r) => !r.removed).map((r) => (r.lastStatus ? { ...r.pod, status: r.lastStatus } : r.pod));
  }

  private evictablePods(): Pod[] {
    return [...this.ctx.records.values()]
      .filter((r) => r.admission === 'admitted' && !r.removed && r.evicted === undefined && !r.pod.metadata?.deletionTimestamp && !isTerminalPhase((r.lastStatus ?? r.pod.status)?.phase))
      .map((r) => r.pod);
  }

  /** Marks the pod evicted and has its worker kill it and write the Failed/Evicted status. */
  evict(uid: string, message: string): void {
    const rec = this.ctx.records.get(uid);
    if (!rec) return;
    rec.evicted = message;
    this.workers.trigger(uid);
  }

  async nodeStatusInputs(): Promise<NodeStatusInputs> {
    const v = await this.cfg.runtime.version();
    const images = (await this.cfg.runtime.listImages()).slice(0, 50).map((i) => ({ names: [...new Set([i.ref, ...i.repoTags])], sizeBytes: i.sizeBytes }));
    const conditions = (await this.cfg.runtime.conditions?.().catch(() => undefined)) ?? [];
    const down = conditions.filter((c) => !c.status);
    const runtimeNotReady = down.length
      ? `container runtime ${down.some((c) => c.type === 'NetworkReady') ? 'network ' : ''}not ready: ${down.map((c) => `${c.type}=false reason:${c.reason} message:${c.message}`).join(', ')}`
      : undefined;
    return { runtimeVersion: `${v.runtimeName}://${v.runtimeVersion}`, images, ...this.ids, ...(runtimeNotReady ? { runtimeNotReady } : {}), pressure: this.eviction.pressure() };
  }

  /** Registers the node, then runs heartbeats, status updates, relists and pod workers. */
  async start(feed: PodFeed, options: { signal: AbortSignal; register?: boolean }): Promise<void> {
    const signal = AbortSignal.any([options.signal, this.stopper.signal]);
    const nodeStatus = new NodeStatusManager(this.cfg, () => this.nodeStatusInputs());
    this.nodeStatus = nodeStatus;
    await nodeStatus.register(signal);
    const lease = new NodeLease({
      client: this.cfg.client,
      nodeName: this.cfg.nodeName,
      nodeUid: () => nodeStatus.nodeUid,
      leaseDurationSeconds: this.cfg.leaseDurationSeconds,
      heartbeatIntervalMs: this.cfg.heartbeatIntervalMs,
      clock: this.cfg.clock,
      log: this.cfg.log,
    });
    const pleg = new Pleg({
      runtime: this.cfg.runtime,
      clock: this.cfg.clock,
      log: this.cfg.log,
      intervalMs: this.cfg.relistIntervalMs,
      sawSandbox: (uid, id) => {
        addSandbox(this.ctx, uid, id);
        if (this.podsSynced && !this.ctx.records.has(uid)) this.workers.trigger(uid);
      },
      changed: (marks) => {
        // A pod left by its last sync in just this state needs no sync for it.
        for (const [uid, mark] of marks) if (this.ctx.records.get(uid)?.settled !== mark) this.workers.trigger(uid);
      },
    });
    await pleg.relist().catch((err: unknown) => this.cfg.log.warn(`initial relist failed: ${String(err)}`));
    const unsubscribe = feed.subscribe({ upsert: (pod) => this.upsert(pod), remove: (pod) => this.remove(pod) });
    signal.addEventListener('abort', unsubscribe, { once: true });
    this.loops.push(
      lease.run(signal),
      nodeStatus.run(signal),
      pleg.run(signal),
      this.resyncLoop(signal),
      feed.waitForSync(signal).then((ok) => {
        this.podsSynced = ok;
        // Sandboxes of pods the API no longer has are cleaned up now.
        if (ok) for (const uid of this.ctx.sandboxes.keys()) if (!this.ctx.records.has(uid)) this.workers.trigger(uid);
      }),
    );
    // Simulated nodes measure no host: only real ones run the eviction manager.
    if (this.cfg.volumes === 'disk') this.loops.push(this.logRotationLoop(signal), this.eviction.run(signal));
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    this.workers.close();
    this.ctx.probes.stopAll();
    this.ctx.objects.close();
    await Promise.allSettled(this.loops);
    await this.workers.idle();
  }

  private upsert(pod: Pod): void {
    const uid = pod.metadata?.uid ?? '';
    let rec = this.ctx.records.get(uid);
    if (!rec) {
      rec = {
        uid,
        pod,
        removed: false,
        admission: 'pending',
        firstSeen: this.cfg.clock.now(),
        waiting: new Map(),
        pullFailures: new Map(),
        forceRestart: new Set(),
        lastStatus: undefined,
        terminated: false,
      };
      this.ctx.records.set(uid, rec);
    }
    const previous = rec.pod;
    const echo = !rec.removed && previous !== pod && isOwnStatusEcho(rec, previous, pod);
    rec.pod = pod;
    rec.removed = false;
    if (!echo) this.workers.trigger(uid);
  }

  private remove(pod: Pod): void {
    const rec = this.ctx.records.get(pod.metadata?.uid ?? '');
    if (!rec) return;
    rec.pod = pod;
    rec.removed = true;
    this.workers.trigger(rec.uid);
  }

  private async sync(uid: string): Promise<WorkerOutcome> {
    const rec = this.ctx.records.get(uid);
    if (!rec) return this.cleanUpOrphan(uid);
    if (rec.removed) {
      await cleanUpPod(this.ctx, rec);
      this.ctx.probes.removePod(uid);
      this.ctx.records.delete(uid);
      if (rec.admission === 'admitted' && rec.requests) addUsage(this.admittedBound, rec.requests, -1);
      return { done: true };
    }
    if (rec.admission === 'pending') this.admit(rec);
    if (rec.admission === 'rejected') {
      if (rec.rejectedStatus) await writePodStatus(this.ctx, rec, rec.rejectedStatus);
      return {};
    }
    if (rec.pod.metadata?.deletionTimestamp) {
      if (!rec.terminated) await terminatePod(this.ctx, rec);
      return {};
    }
    if (rec.evicted !== undefined && !isTerminalPhase((rec.lastStatus ?? rec.pod.status)?.phase)) {
      await evictPod(this.ctx, rec, rec.evicted);
      return {};
    }
    const status = rec.lastStatus ?? rec.pod.status;
    const deadline = isTerminalPhase(status?.phase) && status?.reason !== DEADLINE_EXCEEDED ? undefined : activeDeadlineAt(rec.pod, status, rec.firstSeen);
    if (deadline !== undefined && this.ctx.cfg.clock.now() >= deadline) {
      await failPastDeadline(this.ctx, rec);
      return {};
    }
    const outcome = await syncPod(this.ctx, rec);
    if (deadline === undefined) return outcome;
    const untilDeadline = Math.max(0, deadline - this.ctx.cfg.clock.now());
    return { ...outcome, requeueAfterMs: Math.min(outcome.requeueAfterMs ?? untilDeadline, untilDeadline) };
  }

  private admit(rec: PodRecord): void {
    if (isTerminalPhase(rec.pod.status?.phase)) {
      rec.admission = 'admitted';
      return;
    }
    const requests = podRequests(rec.pod);
    const sysctls = admitSysctls(rec.pod, this.cfg.allowedUnsafeSysctls);
    // A pod that fits even beside every admitted pod, finished ones included, is admitted
    // without the exact count (a pass over all pods), which only matters near capacity.
    let result = sysctls.admit ? admitPod(requests, this.admittedBound, this.cfg.capacity) : sysctls;
    if (!result.admit && sysctls.admit) result = admitPod(requests, this.usageBesides(rec), this.cfg.capacity);
    if (result.admit) {
      rec.admission = 'admitted';
      rec.requests = requests;
      addUsage(this.admittedBound, requests, 1);
      return;
    }
    rec.admission = 'rejected';
    this.ctx.events.podEvent(rec.pod, 'Warning', result.reason, result.message.replace(/^Pod was rejected: /, ''));
    const previous = rec.pod.status ?? {};
    rec.rejectedStatus = {
      phase: 'Failed',
      reason: result.reason,
      message: result.message,
      startTime: previous.startTime ?? rfc3339(rec.firstSeen),
      ...(previous.qosClass ? { qosClass: previous.qosClass } : {}),
    };
  }

  /** What the other pods admitted here that are still active request. */
  private usageBesides(except: PodRecord): NodeUsage {
    const used: NodeUsage = { pods: 0, milliCpu: 0, memory: 0, ephemeralStorage: 0 };
    for (const r of this.ctx.records.values()) {
      if (r === except || r.admission !== 'admitted' || r.removed || !r.requests) continue;
      if (!isTerminalPhase((r.lastStatus ?? r.pod.status)?.phase)) addUsage(used, r.requests, 1);
    }
    return used;
  }

  private async cleanUpOrphan(uid: string): Promise<WorkerOutcome> {
    if (!this.podsSynced) return { done: true };
    const rt = this.cfg.runtime;
    for (const id of this.ctx.sandboxes.get(uid) ?? []) {
      for (const c of await rt.listContainers({ sandboxId: id })) {
        await rt.stopContainer(c.id, 0).catch(ignoreNotFound);
        await rt.removeContainer(c.id).catch(ignoreNotFound);
      }
      await rt.stopPodSandbox(id).catch(ignoreNotFound);
      await rt.removePodSandbox(id).catch(ignoreNotFound);
    }
    this.ctx.sandboxes.delete(uid);
    await this.ctx.volumes.tearDown(uid);
    return { done: true };
  }

  private async resyncLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await sleep(this.cfg.clock, this.cfg.podResyncIntervalMs, signal);
      for (const uid of this.ctx.records.keys()) this.workers.trigger(uid);
    }
  }

  private async logRotationLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await sleep(this.cfg.clock, 10_000, signal);
      if (signal.aborted) return;
      try {
        const running = (await this.cfg.runtime.listContainers()).filter((c) => c.state === 'running' && c.logPath);
        for (const c of running) await rotateContainerLogs(c.logPath, { maxSizeBytes: this.cfg.containerLogMaxSizeBytes, maxFiles: this.cfg.containerLogMaxFiles, now: this.cfg.clock.now() });
      } catch (err) {
        this.cfg.log.warn(`log rotation failed: ${String(err)}`);
      }
    }
  }
}

/** One watch of all Services, for the pods' service environment variables (as the kubelet's service lister). */
function serviceInformer(options: KubeletOptions): Informer<Service> {
  return new Informer<Service>({
    name: 'services',
    source: options.client.resource<Service>({ group: '', version: 'v1', plural: 'services', namespaced: true }),
    clock: options.clock,
    log: options.log.child('informer/services'),
  });
}

function ignoreNotFound(err: unknown): void {
  if (!(err instanceof NotFoundError)) throw err;
}

/** Starts a kubelet for one node; resolves once the node is registered. */
export async function startKubelet(options: KubeletOptions): Promise<RunningKubelet> {
  const services = options.services ? undefined : serviceInformer(options);
  const cfg = kubeletConfig({ ...options, services: options.services ?? (services && { hasSynced: () => services.hasSynced(), list: () => services.cache.list() }) });
  const machineId = (await readId('/etc/machine-id')) ?? createHash('sha256').update(hostname()).digest('hex').slice(0, 32);
  const bootId = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => randomUUID())).trim();
  const kubelet = new Kubelet(cfg, { bootId, machineId });
  const stop = new AbortController();
  const signal = AbortSignal.any([options.signal, stop.signal]);
  const feed = nodePodFeed({ client: cfg.client, nodeName: cfg.nodeName, clock: cfg.clock, log: cfg.log, signal });
  if (services) void services.run(signal);
  await kubelet.start(feed, { signal });
  return {
    async stop() {
      stop.abort();
      await kubelet.stop();
    },
    pods: () => kubelet.pods(),
    runtimeState: (uid) => observePod(kubelet.ctx, uid),
    statsSummary: () => kubelet.stats.summary(),
  };
}

/** Adds (`sign` 1) or takes away (-1) one pod's requests. */
function addUsage(usage: NodeUsage, requests: Amounts, sign: 1 | -1): void {
  usage.pods += sign;
  usage.milliCpu += sign * requests.milliCpu;
  usage.memory += sign * requests.memory;
  usage.ephemeralStorage += sign * requests.ephemeralStorage;
}
