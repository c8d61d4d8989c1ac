// The contract every controller of the controller manager implements. Controllers are
// level-based: they watch through shared informers, queue object keys (never "what
// happened"), and reconcile a key by reading the informer caches and writing to the API.
import type { ApiClient } from '../client/client.js';
import type { EventRecorder } from '../events/recorder.js';
import type { SharedInformerFactory } from '../informer/shared.js';
import type { Clock } from '../informer/clock.js';
import type { Logger } from '../log.js';

/** Tunables shared by the controllers; each has the Kubernetes default unless noted. */
export interface ControllerOptions {
  /** Node lifecycle: a node with no heartbeat for this long becomes Ready=Unknown (default 40 s). */
  nodeMonitorGracePeriodMs: number;
  /** Node lifecycle: how often node health is checked (default 5 s). */
  nodeMonitorPeriodMs: number;
  /** PodGC: terminated pods kept before the oldest are deleted (default 12,500). */
  terminatedPodGcThreshold: number;
  /** Events older than this are deleted (default 1 h; storage TTL where supported). */
  eventTtlMs: number;
  /** Worker count per controller (default 5; Kubernetes uses 5 for most). */
  workers: number;
}

export const DEFAULT_CONTROLLER_OPTIONS: ControllerOptions = {
  nodeMonitorGracePeriodMs: 40_000,
  nodeMonitorPeriodMs: 5_000,
  terminatedPodGcThreshold: 12_500,
  eventTtlMs: 3_600_000,
  workers: 5,
};

export interface ControllerContext {
  client: ApiClient;
  informers: SharedInformerFactory;
  recorder: EventRecorder;
  clock: Clock;
  log: Logger;
  options: ControllerOptions;
}

export interface Controller {
  /** Kubernetes' name for it, e.g. "replicaset", "deployment", "garbage-collector". */
  readonly name: string;
  /**
   * Registers informers and handlers, waits for the caches to sync, then reconciles until
   * `signal` aborts. Resolves once stopped; rejects only on a programming error.
   */
  run(signal: AbortSignal): Promise<void>;
}

export type ControllerFactory = (context: ControllerContext) => Controller;
