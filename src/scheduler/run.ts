// The scheduler as a component: informers on nodes, pods, namespaces, PriorityClasses and
// PodDisruptionBudgets feed the core; its decisions go back through the API (bindings, pod
// status, preemption deletes, events). Talks only to the API, like every component.
import type { Namespace, Node, Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import { findResource, type ResourceInfo } from '../api/resources.js';
import type { ApiClient } from '../client/client.js';
import type { EventRecorder } from '../events/recorder.js';
import { NAMESPACE_INDEX } from '../informer/indexers.js';
import { SharedInformerFactory } from '../informer/shared.js';
import type { Logger } from '../log.js';
import { apiBinder, apiEvictor, apiStatusUpdater, schedulerRecorder, WriteLimiter } from './api-writes.js';
import type { Clock } from './clock.js';
import type { SchedulerConfiguration } from './config.js';
import { disruptionChecker } from './disruption-budgets.js';
import { resolvePriority } from './priority.js';
import { Scheduler, type ScheduleResult } from './scheduler.js';

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
  /** Sees every scheduling outcome (tests, benchmarks, metrics). */
  onResult?: (result: ScheduleResult) => void;
}

export interface RunningScheduler {
  readonly scheduler: Scheduler;
  /** Stops scheduling, waits for bindings in flight, stops the scheduler's own informers. */
  stop(): Promise<void>;
}

function core(plural: string, group = '', version = 'v1'): ResourceInfo {
  const r = findResource(group, version, plural);
  if (!r) throw new Error(`resource table has no ${group || 'core'}/${version} ${plural}`);
  return r;
}

/**
 * Starts informers, waits until their caches have synced (so the first decisions see the
 * whole cluster), then schedules until stopped. Resolves once scheduling has begun; if
 * `signal` aborts before the caches sync it resolves with a scheduler that never ran.
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

  const currentPod = (namespace: string, name: string): Pod | undefined => pods.cache.get(`${namespace}/${name}`);
  const writes = { client, limiter: new WriteLimiter(options.maxInflightWrites ?? 64), currentPod };
  const scheduler = new Scheduler({
    binder: apiBinder(writes),
    statusUpdater: apiStatusUpdater(writes),
    evictor: apiEvictor(writes),
    recorder: schedulerRecorder(options.recorder),
    disruption: disruptionChecker((ns) => budgets.cache.byIndex(NAMESPACE_INDEX, ns)),
    config: options.config,
    clock: options.clock,
    onError: (e) => log.warn(e instanceof Error ? e.message : String(e)),
  });

  const stopping = new AbortController();
  const onAbort = (): void => stopping.abort();
  options.signal.addEventListener('abort', onAbort, { once: true });
  if (options.signal.aborted) stopping.abort();
  if (ownInformers) informers.start(stopping.signal);

  const stopInformers = async (): Promise<void> => {
    options.signal.removeEventListener('abort', onAbort);
    stopping.abort();
    if (ownInformers) await informers.stopped();
  };
  if (!(await informers.waitForSync(stopping.signal))) {
    await stopInformers();
    return { scheduler, stop: stopInformers };
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

  // Registered after every cache synced: each handler first replays what its cache holds, so
  // nodes and namespaces are known before the first pod arrives.
  nodes.addEventHandler({
    onAdd: (n) => scheduler.addNode(n),
    onUpdate: (o, n) => scheduler.updateNode(o, n),
    onDelete: (n) => scheduler.removeNode(n),
  });
  namespaces.addEventHandler({
    onAdd: (ns) => scheduler.setNamespace(ns),
    onUpdate: (_o, ns) => scheduler.setNamespace(ns),
    onDelete: (ns) => scheduler.removeNamespace(ns.metadata?.name ?? ''),
  });
  pods.addEventHandler({
    onAdd: (p) => scheduler.addPod(withPriority(p)),
    onUpdate: (o, p) => scheduler.updatePod(withPriority(o), withPriority(p)),
    onDelete: (p) => scheduler.removePod(p),
  });

  log.info(`scheduling (${nodes.cache.keys().length} nodes, ${pods.cache.keys().length} pods cached)`);
  const running = scheduler.run({
    signal: stopping.signal,
    onResult: (r) => {
      if (r.kind === 'error') log.warn(`pod ${r.pod.metadata?.namespace ?? ''}/${r.pod.metadata?.name ?? ''}: ${r.message}`);
      options.onResult?.(r);
    },
  });
  return {
    scheduler,
    stop: async () => {
      stopping.abort();
      await running;
      await stopInformers();
    },
  };
}
