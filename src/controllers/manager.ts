// The controller manager: runs a set of controllers in one process with one shared informer
// factory and one event broadcaster, keeps each controller running (a controller that fails is
// logged and restarted with backoff; it never takes the process down), and — with leader
// election — runs them only while this process holds the `kube-controller-manager` Lease.
import { setMaxListeners } from 'node:events';
import { Backoff, type BackoffOptions } from '../informer/backoff.js';
import { realClock, sleep, type Clock } from '../informer/clock.js';
import { SharedInformerFactory } from '../informer/shared.js';
import type { ApiClient } from '../client/client.js';
import { createEventBroadcaster, type EventBroadcaster } from '../events/broadcaster.js';
import type { Logger } from '../log.js';
import { DEFAULT_CONTROLLER_OPTIONS, type ControllerContext, type ControllerFactory, type ControllerOptions } from './controller.js';
import { runLeaderElection } from '../leaderelection/leader-election.js';

export interface ManagerLeaderElection {
  identity: string;
  /** Default "kube-system". */
  namespace?: string;
  /** Default "kube-controller-manager". */
  leaseName?: string;
  /** Defaults 15 s / 10 s / 2 s, as kube-controller-manager. */
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

export interface ControllerManagerOptions {
  client: ApiClient;
  factories: readonly ControllerFactory[];
  options?: Partial<ControllerOptions>;
  clock?: Clock;
  log: Logger;
  leaderElection?: ManagerLeaderElection;
  /** Delays between restarts of a failing controller (default 1 s doubling to 1 min). */
  restartBackoff?: BackoffOptions;
}

export interface RunningControllerManager {
  /** Stops the controllers (and gives up the Lease); resolves once everything has stopped. */
  stop(): Promise<void>;
}

export async function startControllerManager(o: ControllerManagerOptions): Promise<RunningControllerManager> {
  const clock = o.clock ?? realClock;
  const log = o.log;
  const options: ControllerOptions = { ...DEFAULT_CONTROLLER_OPTIONS, ...o.options };
  const events = createEventBroadcaster({ client: o.client, clock, log: log.child('events') });
  const stop = new AbortController();

  const runControllers = (signal: AbortSignal): Promise<void> => runTerm({ ...o, clock, options, events }, signal);

  const done = o.leaderElection
    ? runLeaderElection(
        {
          client: o.client,
          identity: o.leaderElection.identity,
          leaseName: o.leaderElection.leaseName ?? 'kube-controller-manager',
          namespace: o.leaderElection.namespace,
          leaseDurationMs: o.leaderElection.leaseDurationMs,
          renewDeadlineMs: o.leaderElection.renewDeadlineMs,
          retryPeriodMs: o.leaderElection.retryPeriodMs,
          clock,
          log: log.child('leader-election'),
        },
        { onStartedLeading: runControllers, onNewLeader: (id) => log.info(`the leader is ${id}`) },
        stop.signal,
      )
    : runControllers(stop.signal);
  const finished = done.catch((err: unknown) => log.error(`controller manager failed: ${err instanceof Error ? err.message : String(err)}`));

  return {
    async stop() {
      stop.abort();
      await finished;
      await events.flush();
      events.close();
    },
  };
}

interface TermOptions {
  client: ApiClient;
  factories: readonly ControllerFactory[];
  options: ControllerOptions;
  clock: Clock;
  log: Logger;
  events: EventBroadcaster;
  restartBackoff?: BackoffOptions;
}

/** One leadership term (or the whole run without leader election): fresh informers, every controller. */
async function runTerm(o: TermOptions, signal: AbortSignal): Promise<void> {
  // Every informer and controller of the term listens on this signal.
  setMaxListeners(0, signal);
  const informers = new SharedInformerFactory(o.client, { clock: o.clock, log: o.log.child('informers') });
  informers.start(signal);
  await Promise.all(o.factories.map((factory, i) => supervise(o, factory, informers, `controller-${i}`, signal)));
  await informers.stopped();
}

/** Runs one controller until `signal` aborts, restarting it with backoff whenever it fails or returns early. */
async function supervise(o: TermOptions, factory: ControllerFactory, informers: SharedInformerFactory, fallbackName: string, signal: AbortSignal): Promise<void> {
  const backoff = new Backoff({ initialMs: 1_000, maxMs: 60_000, jitter: 0.1, ...o.restartBackoff });
  let name = fallbackName;
  const recorder = o.events.recorderFor(() => ({ component: eventSourceFor(name) }));
  while (!signal.aborted) {
    const started = o.clock.now();
    try {
      const context: ControllerContext = { client: o.client, informers, recorder, clock: o.clock, log: namedLogger(o.log, () => name), options: o.options };
      const controller = factory(context);
      name = controller.name;
      o.log.info(`starting ${name}`);
      await controller.run(signal);
      if (signal.aborted) return;
      o.log.error(`${name} stopped on its own; restarting it`);
    } catch (err) {
      if (signal.aborted) return;
      o.log.error(`${name} failed: ${err instanceof Error ? err.message : String(err)}; restarting it`);
    }
    // A controller that ran for a long while before failing starts again from a short delay.
    if (o.clock.now() - started > 60_000) backoff.reset();
    await sleep(o.clock, backoff.next(), signal);
  }
}

/** Kubernetes' event source for a controller: "<name>-controller", with its few exceptions. */
const EVENT_SOURCES: Readonly<Record<string, string>> = {
  endpoints: 'endpoint-controller',
  nodelifecycle: 'node-controller',
  horizontalpodautoscaling: 'horizontal-pod-autoscaler',
};

export function eventSourceFor(controllerName: string): string {
  return EVENT_SOURCES[controllerName] ?? `${controllerName}-controller`;
}

/** A child logger named by the controller, whose name is known only once the factory has run. */
function namedLogger(parent: Logger, name: () => string): Logger {
  const current = (): Logger => parent.child(name());
  return {
    error: (m) => current().error(m),
    warn: (m) => current().warn(m),
    info: (m) => current().info(m),
    debug: (m) => current().debug(m),
    child: (c) => namedLogger(parent, () => `${name()}/${c}`),
  };
}
