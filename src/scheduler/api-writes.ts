// The scheduler's writes to the API, as kube-scheduler makes them: the pods/binding
// subresource, PodScheduled / nominatedNodeName status patches, preemption (DisruptionTarget
// condition, then delete with the victim's own grace period) and events. Each takes the
// informer's current view of the pod so unchanged statuses are not written again.
import type { Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../api/errors.js';
import { findResource, type ResourceInfo } from '../api/resources.js';
import type { ApiClient } from '../client/client.js';
import type { InFlightLimit } from '../client/in-flight-limit.js';
import type { ResourceClient } from '../client/resource-client.js';
import { apiErrorFromResponse } from '../client/status.js';
import type { EventRecorder } from '../events/recorder.js';
import { PodNotPendingError, type Binder, type Evictor, type EventRecorder as SchedulerRecorder, type StatusUpdater } from './scheduler.js';
import { DEFAULT_SCHEDULER_NAME } from './config.js';

const PODS = mustFind('pods');

function mustFind(plural: string): ResourceInfo {
  const r = findResource('', 'v1', plural);
  if (!r) throw new Error(`resource table has no core/v1 ${plural}`);
  return r;
}

export interface ApiWriteOptions {
  client: ApiClient;
  /** Bounds concurrent writes so a burst of bindings does not open a socket per pod. */
  limiter: InFlightLimit;
  /** The informer's latest copy of a pod (by namespace/name), to skip writes that change nothing. */
  currentPod: (namespace: string, name: string) => Pod | undefined;
  /** RFC 3339 wall-clock time for condition transitions. */
  now?: () => string;
}

function nameOf(pod: Pod): { namespace: string; name: string } {
  return { namespace: pod.metadata?.namespace ?? 'default', name: pod.metadata?.name ?? '' };
}

function podsIn(client: ApiClient, namespace: string): ResourceClient<Pod> {
  return client.resource<Pod>(PODS, namespace);
}

function rfc3339Now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

function isApiError(e: unknown, ...codes: number[]): e is ApiError {
  return e instanceof ApiError && codes.includes(e.code);
}

/**
 * POST pods/{name}/binding with a v1 Binding naming the node. 409 (bound already, or being
 * deleted) and 404 (gone) become PodNotPendingError: nothing to retry.
 */
export function apiBinder(o: ApiWriteOptions): Binder {
  return async (pod, nodeName) => {
    const { namespace, name } = nameOf(pod);
    const binding = {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name, namespace, ...(pod.metadata?.uid ? { uid: pod.metadata.uid } : {}) },
      target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
    };
    const path = podsIn(o.client, namespace).objectPath(name, namespace, 'binding');
    const res = await o.limiter.run(() =>
      o.client.transport.request({ method: 'POST', path, body: Buffer.from(JSON.stringify(binding)), contentType: 'application/json' }),
    );
    if (res.status >= 200 && res.status < 300) return;
    const err = apiErrorFromResponse(res.status, res.body);
    if (err.code === 409 || err.code === 404) throw new PodNotPendingError(err.message);
    throw err;
  };
}

/** A condition to write, or undefined when the pod already carries it (same status, reason, message). */
function conditionPatch(current: Pod, want: PodCondition, now: string): Record<string, unknown> | undefined {
  const existing = current.status?.conditions?.find((c) => c.type === want.type);
  if (existing && existing.status === want.status && existing.reason === want.reason && existing.message === want.message) return undefined;
  const transition = existing && existing.status === want.status ? existing.lastTransitionTime : now;
  return { ...want, lastProbeTime: null, lastTransitionTime: transition ?? now };
}

/**
 * Strategic-merge PATCH of pods/{name}/status: the PodScheduled condition (merged by type) and
 * nominatedNodeName (null clears it). Skipped when the informer's copy already says so; a pod
 * that is gone is not an error.
 */
export function apiStatusUpdater(o: ApiWriteOptions): StatusUpdater {
  const now = o.now ?? rfc3339Now;
  return async (pod, update) => {
    const { namespace, name } = nameOf(pod);
    const current = o.currentPod(namespace, name) ?? pod;
    const status: Record<string, unknown> = {};
    if (update.condition) {
      const c = conditionPatch(current, update.condition, now());
      if (c) status['conditions'] = [c];
    }
    if (update.nominatedNodeName !== undefined) {
      const have = current.status?.nominatedNodeName || null;
      if (have !== update.nominatedNodeName) status['nominatedNodeName'] = update.nominatedNodeName;
    }
    if (Object.keys(status).length === 0) return;
    try {
      await o.limiter.run(() => podsIn(o.client, namespace).patch(name, 'strategic', { status }, { subresource: 'status' }));
    } catch (e) {
      if (!isApiError(e, 404)) throw e;
    }
  };
}

/**
 * Preemption as kube-scheduler does it: mark the victim DisruptionTarget=True
 * (PreemptionByScheduler), then DELETE it with its own grace period (not the eviction API:
 * budgets were weighed when choosing victims). The uid precondition spares a same-named successor.
 */
export function apiEvictor(o: ApiWriteOptions): Evictor {
  const now = o.now ?? rfc3339Now;
  return async (victim, { preemptor }) => {
    const { namespace, name } = nameOf(victim);
    const pods = podsIn(o.client, namespace);
    const schedulerName = preemptor.spec?.schedulerName || DEFAULT_SCHEDULER_NAME;
    const condition = conditionPatch(
      o.currentPod(namespace, name) ?? victim,
      { type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler', message: `${schedulerName}: preempting to accommodate a higher priority pod` },
      now(),
    );
    try {
      if (condition) await o.limiter.run(() => pods.patch(name, 'strategic', { status: { conditions: [condition] } }, { subresource: 'status' }));
      const uid = victim.metadata?.uid;
      await o.limiter.run(() => pods.delete(name, uid ? { preconditions: { uid } } : {}));
    } catch (e) {
      if (!isApiError(e, 404, 409)) throw e;
    }
  };
}

/** The scheduler's events (with the Kubernetes reasons and notes) through the shared recorder. */
export function schedulerRecorder(recorder: EventRecorder): SchedulerRecorder {
  return {
    event: (e) => {
      const m = e.regarding.metadata ?? {};
      const ref = { apiVersion: 'v1', kind: 'Pod', metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion } };
      recorder.event(ref, e.type, e.reason, e.note);
    },
  };
}
