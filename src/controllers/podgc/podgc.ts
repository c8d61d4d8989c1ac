// The pod garbage collector (Kubernetes v1.33's pod-garbage-collector). Every check period it
// force-deletes (grace period 0):
//   - terminated pods (Succeeded/Failed) beyond terminatedPodGcThreshold, oldest first;
//   - pods bound to a node that no longer exists, once the node has been missing for the
//     quarantine period and the API confirms it is gone;
//   - terminating pods never scheduled to a node;
//   - terminating pods on a not-Ready node tainted node.kubernetes.io/out-of-service.
// Pods not yet terminal are first marked Failed (with a DisruptionTarget condition where
// Kubernetes adds one), so their owners see why they went.
import type { Node, Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../api/errors.js';
import { deepCopy } from '../../api/object.js';
import type { Timer } from '../../informer/clock.js';
import type { Informer } from '../../informer/informer.js';
import type { ControllerContext, ControllerFactory } from '../controller.js';

const PODS = { group: '', version: 'v1', resource: 'pods' };
const NODES = { group: '', version: 'v1', resource: 'nodes' };
const OUT_OF_SERVICE_TAINT = 'node.kubernetes.io/out-of-service';

export interface PodGcOptions {
  /** How long a node must be missing before its pods go (Kubernetes: 40 s). */
  quarantineMs?: number;
  /** How often the collector runs (Kubernetes: 20 s). */
  checkPeriodMs?: number;
}

export const DEFAULT_POD_GC_OPTIONS: Required<PodGcOptions> = { quarantineMs: 40_000, checkPeriodMs: 20_000 };

export function configurePodGc(options: PodGcOptions = {}): ControllerFactory {
  const o = { ...DEFAULT_POD_GC_OPTIONS, ...options };
  return (ctx) => ({ name: 'pod-garbage-collector', run: (signal) => run(ctx, o, signal) });
}

export const podGarbageCollectorController: ControllerFactory = configurePodGc();

interface Caches {
  pods: Informer<Pod>;
  nodes: Informer<Node>;
}

async function run(ctx: ControllerContext, options: Required<PodGcOptions>, signal: AbortSignal): Promise<void> {
  const caches: Caches = { pods: ctx.informers.informerFor<Pod>(PODS), nodes: ctx.informers.informerFor<Node>(NODES) };
  const synced = await Promise.all([caches.pods.waitForSync(signal), caches.nodes.waitForSync(signal)]);
  if (!synced.every(Boolean)) return;
  /** node name → clock time it was first found missing. */
  const missingSince = new Map<string, number>();
  // One pass at a time; the next is timed from the end of the last. Stopping waits for the pass in flight.
  let timer: Timer | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  const pass = (): void => {
    inFlight = gc(ctx, caches, options, missingSince)
      .catch((err: unknown) => ctx.log.error(`pod gc: ${err instanceof Error ? err.message : String(err)}`))
      .then(() => {
        if (!signal.aborted) timer = ctx.clock.setTimer(options.checkPeriodMs, pass);
      });
  };
  pass();
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  timer?.cancel();
  await inFlight;
}

function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

async function gc(ctx: ControllerContext, caches: Caches, options: Required<PodGcOptions>, missingSince: Map<string, number>): Promise<void> {
  const pods = caches.pods.cache.list();
  await gcTerminated(ctx, pods);
  await gcOrphaned(ctx, caches, pods, options, missingSince);
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp && !pod.spec?.nodeName) await forceDelete(ctx, pod, undefined);
  }
  await gcOutOfService(ctx, caches, pods);
}

async function gcTerminated(ctx: ControllerContext, pods: readonly Pod[]): Promise<void> {
  const threshold = ctx.options.terminatedPodGcThreshold;
  if (threshold <= 0) return;
  const terminated = pods.filter((p) => isTerminal(p) && !p.metadata?.deletionTimestamp);
  const excess = terminated.length - threshold;
  if (excess <= 0) return;
  // Evicted pods go first, then the oldest.
  const evicted = (p: Pod): number => (p.status?.reason === 'Evicted' ? 0 : 1);
  terminated.sort((a, b) => evicted(a) - evicted(b) || (a.metadata?.creationTimestamp ?? '').localeCompare(b.metadata?.creationTimestamp ?? '') || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  for (const pod of terminated.slice(0, excess)) await forceDelete(ctx, pod, undefined);
}

async function gcOrphaned(ctx: ControllerContext, caches: Caches, pods: readonly Pod[], options: Required<PodGcOptions>, missingSince: Map<string, number>): Promise<void> {
  const now = ctx.clock.now();
  const missing = new Set<string>();
  for (const pod of pods) {
    const node = pod.spec?.nodeName;
    if (node && !caches.nodes.cache.get(node)) missing.add(node);
  }
  for (const name of missingSince.keys()) if (!missing.has(name)) missingSince.delete(name);
  for (const name of missing) {
    const since = missingSince.get(name) ?? now;
    missingSince.set(name, since);
    if (now - since < options.quarantineMs) continue;
    // The cache could be behind: ask the API before deleting anything.
    if (await nodeExists(ctx, name)) {
      missingSince.delete(name);
      continue;
    }
    const condition: PodCondition = { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists' };
    for (const pod of pods) if (pod.spec?.nodeName === name) await forceDelete(ctx, pod, condition);
  }
}

async function gcOutOfService(ctx: ControllerContext, caches: Caches, pods: readonly Pod[]): Promise<void> {
  for (const pod of pods) {
    const nodeName = pod.spec?.nodeName;
    if (!pod.metadata?.deletionTimestamp || !nodeName) continue;
    const node = caches.nodes.cache.get(nodeName);
    if (!node) continue;
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    if (ready || !(node.spec?.taints ?? []).some((t) => t.key === OUT_OF_SERVICE_TAINT)) continue;
    const condition: PodCondition = { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists' };
    await forceDelete(ctx, pod, condition);
  }
}

async function nodeExists(ctx: ControllerContext, name: string): Promise<boolean> {
  try {
    await ctx.client.resource<Node>(NODES).get(name);
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return false;
    throw err;
  }
}

/** Marks a pod that is still running Failed (with `condition`, if given), then deletes it with no grace period. */
async function forceDelete(ctx: ControllerContext, pod: Pod, condition: PodCondition | undefined): Promise<void> {
  const client = ctx.client.resource<Pod>(PODS, pod.metadata?.namespace);
  const name = pod.metadata?.name ?? '';
  try {
    if (!isTerminal(pod)) {
      const copy = deepCopy(pod);
      const now = new Date().toISOString().replace(/\.[0-9]+Z$/, 'Z');
      const conditions = (copy.status?.conditions ?? []).filter((c) => c.type !== condition?.type);
      if (condition) conditions.push({ ...condition, lastTransitionTime: now });
      await client.updateStatus({ ...copy, status: { ...copy.status, phase: 'Failed', conditions } });
    }
    await client.delete(name, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata?.uid } });
    ctx.log.info(`pod gc: deleted pod ${pod.metadata?.namespace ?? ''}/${name}`);
  } catch (err) {
    // Gone already, or changed since the cache saw it: the next pass looks again.
    if (err instanceof ApiError && (err.code === 404 || err.code === 409)) return;
    throw err;
  }
}
