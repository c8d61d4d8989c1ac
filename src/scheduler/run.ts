// The scheduler as a component: informers on nodes, pods, namespaces, PriorityClasses and
// PodDisruptionBudgets feed the core; its decisions go back through the API (bindings, pod
// status, preemption deletes, events). Talks only to the API, like every component; with
// leader election, only the holder of the kube-system/kube-scheduler Lease schedules.
import type { Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import { findResource, type ResourceInfo } from '../api/resources.js';
import type { ApiClient } from '../client/client.js';
import { runLeaderElection } from '../leaderelection/leader-election.js';
import type { EventRecorder } from '../events/recorder.js';
import { NAMESPACE_INDEX } from '../informer/indexers.js';
import { SharedInformerFactory } from '../informer/shared.js';
import type { Logger } from '../log.js';
import { InFlightLimit } from '../client/in-flight-limit.js';
import { apiBinder, apiEvictor, apiStatusUpdater, schedulerRecorder } from './api-writes.js';
import type { Clock } from './clock.js';
import type { SchedulerConfiguration } from './config.js';
import { disruptionChecker } from './disruption-budgets.js';
import { Action, type StorageResource } from './events.js';
import { resolvePriority } from './priority.js';
import { Scheduler, type ScheduleResult } from './scheduler.js';
import type { VolumeLister } from './volumes.js';

export interface SchedulerLeaderElection {
  /** Unique per candidate, e.g. `<hostname>_<random>`. */
  identity: string;
  /** Default "kube-system"; the Lease is "kube-scheduler", as Kubernetes names it. */
  namespace?: string;
  /** Defaults 15 s / 10 s / 2 s, as kube-scheduler. */
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

export interface StartSchedulerOptions {
  client: ApiClient;
  recorder: EventRecorder;
  log: Logger;
  /** Stops the scheduler like `stop()` does. */
  signal: AbortSignal;
  clock?: Clock;
  config?: SchedulerConfiguration;
  /** Informers shared with other components of the same process; default: the scheduler's own. */
  informers?: SharedInformerFactory;
  /** API writes (bindings, status patches, deletes) in flight at once; default 64. */
  maxInflightWrites?: number;
  /** Schedule only while holding the `kube-scheduler` Lease (several schedulers for HA). */
  leaderElection?: SchedulerLeaderElection;
  /** Sees every scheduling outcome (tests, benchmarks, metrics). */
  onResult?: (result: ScheduleResult) => void;
}

export interface RunningScheduler {
  /** The scheduler of the current term; undefined while not leading (or before the caches synced). */
  readonly scheduler: Scheduler | undefined;
  /** Stops scheduling, waits for bindings in flight, gives up the Lease, stops the scheduler's own informers. */
  stop(): Promise<void>;
}

function core(plural: string, group = '', version = 'v1'): ResourceInfo {
  const r = findResource(group, version, plural);
  if (!r) throw new Error(`resource table has no ${group || 'core'}/${version} ${plural}`);
  return r;
}

/** Informer handlers that tell the scheduler a storage object was added or changed. */
function storageEvents(scheduler: Scheduler, resource: StorageResource): { onAdd(): void; onUpdate(): void } {
  return {
    onAdd: () => scheduler.storageChanged(resource, Action.Add),
    onUpdate: () => scheduler.storageChanged(resource, Action.UpdateOther),
  };
}

/**
 * Starts informers, waits until their caches have synced (so the first decisions see the
 * whole cluster), then schedules until stopped — with leader election, only while leading,
 * with a fresh Scheduler (rebuilt from the caches) each term. Resolves once the caches have
 * synced; if `signal` aborts first it resolves with a scheduler that never ran.
 */
export async function startScheduler(options: StartSchedulerOptions): Promise<RunningScheduler> {
  const { client, log } = options;
  const ownInformers = options.informers === undefined;
  const informers = options.informers ?? new SharedInformerFactory(client, { log: log.child('informers') });
  const nodes = informers.informerFor<Node>(core('nodes'));
  const pods = informers.informerFor<Pod>(core('pods'));
  const namespaces = informers.informerFor<Namespace>(core('namespaces'));
  const priorityClasses = informers.informerFor<PriorityClass>(core('priorityclasses', 'scheduling.k8s.io'));
  const budgets = informers.informerFor<PodDisruptionBudget>(core('poddisruptionbudgets', 'policy'));
  const claims = informers.informerFor<PersistentVolumeClaim>(core('persistentvolumeclaims'));
  const persistentVolumes = informers.informerFor<PersistentVolume>(core('persistentvolumes'));
  const storageClasses = informers.informerFor<StorageClass>(core('storageclasses', 'storage.k8s.io'));
  const volumes: VolumeLister = {
    claim: (namespace, name) => claims.cache.get(`${namespace}/${name}`),
    volume: (name) => persistentVolumes.cache.get(name),
    volumes: () => persistentVolumes.cache.list(),
    storageClass: (name) => storageClasses.cache.get(name),
  };

  const currentPod = (namespace: string, name: string): Pod | undefined => pods.cache.get(`${namespace}/${name}`);
  const writes = { client, limiter: new InFlightLimit(options.maxInflightWrites ?? 64), currentPod };

  const stopping = new AbortController();
  const onAbort = (): void => stopping.abort();
  options.signal.addEventListener('abort', onAbort, { once: true });
  if (options.signal.aborted) stopping.abort();
  if (ownInformers) informers.start(stopping.signal);
  let current: Scheduler | undefined;

  const stopInformers = async (): Promise<void> => {
    options.signal.removeEventListener('abort', onAbort);
    stopping.abort();
    if (ownInformers) await informers.stopped();
  };
  if (!(await informers.waitForSync(stopping.signal))) {
    await stopInformers();
    return { scheduler: undefined, stop: stopInformers };
  }

  // Pods name a PriorityClass; the Priority admission plugin would have resolved it into
  // spec.priority. Where it has not, resolve it here, once per cached object.
  const resolved = new WeakMap<Pod, Pod>();
  const withPriority = (pod: Pod): Pod => {
    if (pod.spec?.priority !== undefined || !pod.spec) return pod;
    let out = resolved.get(pod);
    if (!out) {
      const p = resolvePriority(pod, priorityClasses.cache.list());
      out = p && (p.priority !== 0 || pod.spec.priorityClassName)
        ? { ...pod, spec: { ...pod.spec, priority: p.priority, preemptionPolicy: pod.spec.preemptionPolicy ?? (p.preemptionPolicy as 'Never' | 'PreemptLowerPriority') } }
        : pod;
      resolved.set(pod, out);
    }
    return out;
  };

  /** One term: a Scheduler fed from the caches until `signal` aborts. */
  const schedule = async (signal: AbortSignal): Promise<void> => {
    const scheduler = new Scheduler({
      binder: apiBinder(writes),
      statusUpdater: apiStatusUpdater(writes),
      evictor: apiEvictor(writes),
      recorder: schedulerRecorder(options.recorder),
      disruption: disruptionChecker((ns) => budgets.cache.byIndex(NAMESPACE_INDEX, ns)),
      volumes,
      config: options.config,
      clock: options.clock,
      onError: (e) => log.warn(e instanceof Error ? e.message : String(e)),
    });
    // Each handler first replays what its (synced) cache holds, so nodes and namespaces are
    // known before the first pod arrives.
    const removers = [
      nodes.addEventHandler({
        onAdd: (n) => scheduler.addNode(n),
        onUpdate: (o, n) => scheduler.updateNode(o, n),
        onDelete: (n) => scheduler.removeNode(n),
      }),
      namespaces.addEventHandler({
        onAdd: (ns) => scheduler.setNamespace(ns),
        onUpdate: (_o, ns) => scheduler.setNamespace(ns),
        onDelete: (ns) => scheduler.removeNamespace(ns.metadata?.name ?? ''),
      }),
      claims.addEventHandler(storageEvents(scheduler, 'PersistentVolumeClaim')),
      persistentVolumes.addEventHandler(storageEvents(scheduler, 'PersistentVolume')),
      storageClasses.addEventHandler(storageEvents(scheduler, 'StorageClass')),
      pods.addEventHandler({
        onAdd: (p) => scheduler.addPod(withPriority(p)),
        onUpdate: (o, p) => scheduler.updatePod(withPriority(o), withPriority(p)),
        onDelete: (p) => scheduler.removePod(p),
      }),
    ];
    current = scheduler;
    log.info(`scheduling (${nodes.cache.keys().length} nodes, ${pods.cache.keys().length} pods cached)`);
    try {
      await scheduler.run({
        signal,
        onResult: (r) => {
          if (r.kind === 'error') log.warn(`pod ${r.pod.metadata?.namespace ?? ''}/${r.pod.metadata?.name ?? ''}: ${r.message}`);
          options.onResult?.(r);
        },
      });
    } finally {
      for (const remove of removers) remove();
      if (current === scheduler) current = undefined;
    }
  };

  const le = options.leaderElection;
  const running = le
    ? runLeaderElection(
        {
          client,
          identity: le.identity,
          leaseName: 'kube-scheduler',
          namespace: le.namespace,
          leaseDurationMs: le.leaseDurationMs,
          renewDeadlineMs: le.renewDeadlineMs,
          retryPeriodMs: le.retryPeriodMs,
          log: log.child('leader-election'),
        },
        { onStartedLeading: (signal) => schedule(signal) },
        stopping.signal,
      )
    : schedule(stopping.signal);
  return {
    get scheduler() {
      return current;
    },
    stop: async () => {
      stopping.abort();
      await running;
      await stopInformers();
    },
  };
}
