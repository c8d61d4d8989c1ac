// The event recorder every component shares: `kubectl describe` shows what it records as
// `Events:` (reason, message, count, first/last seen). Repeats of the same event are
// aggregated into one Event whose count grows, as Kubernetes' recorder does.
import type { ObjectLike } from '../client/client.js';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  /**
   * Records that `reason` happened to `object` (which must carry apiVersion, kind, metadata
   * name/namespace/uid). Never throws and never blocks the caller: delivery is best effort,
   * in the background, like Kubernetes' broadcaster.
   */
  event(object: ObjectLike, type: EventType, reason: string, message: string): void;
}

/** A recorder that drops everything (for tests that do not look at events). */
export const discardEvents: EventRecorder = { event: () => undefined };
