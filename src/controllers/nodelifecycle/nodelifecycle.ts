// The node lifecycle controller (Kubernetes v1.33's node-lifecycle-controller with its NoExecute
// taint manager): every nodeMonitorPeriodMs it checks each node's heartbeats (Lease renewTime,
// Ready lastHeartbeatTime); a node quiet for nodeMonitorGracePeriodMs gets its conditions set
// to Unknown. Conditions become taints (not-ready / unreachable, NoSchedule and NoExecute);
// pods on a node that is not Ready are marked not Ready; NoExecute taints evict pods that do
// not tolerate them (see taint-manager.ts).
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../api/errors.js';
import { deepCopy } from '../../api/object.js';
import { objectKey } from '../../informer/cache.js';
import type { Timer } from '../../informer/clock.js';
import type { Informer } from '../../informer/informer.js';
import { NODE_NAME_INDEX } from '../../informer/indexers.js';
import { runWorkers, type ReconcileResult } from '../../informer/workers.js';
import { WorkQueue } from '../../informer/workqueue.js';
import type { ControllerContext, ControllerFactory } from '../controller.js';
import { NodeHealth, readyCondition, unknownConditions } from './health.js';
import { TaintManager, rfc3339 } from './taint-manager.js';
import { desiredTaints, isReady, zoneOf, zoneState, type TaintPolicy } from './taints.js';

const NODES = { group: '', version: 'v1', resource: 'nodes' };
const LEASES = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' };
const PODS = { group: '', version: 'v1', resource: 'pods' };
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export const nodeLifecycleController: ControllerFactory = (ctx) => ({ name: 'node-lifecycle', run: (signal) => run(ctx, signal) });

interface Caches {
  nodes: Informer<Node>;
  leases: Informer<Lease>;
  pods: Informer<Pod>;
}

async function run(ctx: ControllerContext, signal: AbortSignal): Promise<void> {
  const caches: Caches = {
    nodes: ctx.informers.informerFor<Node>(NODES),
    leases: ctx.informers.informerFor<Lease>(LEASES),
    pods: ctx.informers.informerFor<Pod>(PODS),
  };
  const health = new NodeHealth({ gracePeriodMs: ctx.options.nodeMonitorGracePeriodMs });
  const taintManager = new TaintManager(ctx, caches);
  const nodeQueue = new WorkQueue({ clock: ctx.clock });
  const podQueue = new WorkQueue({ clock: ctx.clock });
  /** Last Ready status seen per node, for the NodeReady / NodeNotReady events. */
  const lastReady = new Map<string, string>();

  const podsOn = (nodeName: string): Pod[] => caches.pods.cache.byIndex(NODE_NAME_INDEX, nodeName);
  caches.nodes.addEventHandler({
    onAdd: (n) => nodeQueue.add(objectKey(n)),
    onUpdate: (oldNode, newNode) => {
      nodeQueue.add(objectKey(newNode));
      if (JSON.stringify(noExecute(oldNode)) !== JSON.stringify(noExecute(newNode))) {
        for (const p of podsOn(objectKey(newNode))) podQueue.add(objectKey(p));
      }
    },
    onDelete: (n) => {
      health.forget(objectKey(n));
      lastReady.delete(objectKey(n));
      for (const p of podsOn(objectKey(n))) podQueue.add(objectKey(p));
    },
  });
  caches.leases.addEventHandler({
    onAdd: (l) => { if (l.metadata?.namespace === NODE_LEASE_NAMESPACE) nodeQueue.add(l.metadata.name ?? ''); },
    onUpdate: (_, l) => { if (l.metadata?.namespace === NODE_LEASE_NAMESPACE) nodeQueue.add(l.metadata.name ?? ''); },
  });
  const onPod = (p: Pod): void => {
    podQueue.add(objectKey(p));
    const node = p.spec?.nodeName ? caches.nodes.cache.get(p.spec.nodeName) : undefined;
    if (node && !isReady(node)) nodeQueue.add(objectKey(node));
  };
  caches.pods.addEventHandler({
    onAdd: onPod,
    onUpdate: (_, p) => onPod(p),
    onDelete: (p) => taintManager.forget(objectKey(p)),
  });

  const synced = await Promise.all([caches.nodes.waitForSync(signal), caches.leases.waitForSync(signal), caches.pods.waitForSync(signal)]);
  if (!synced.every(Boolean)) return;

  // The monitor: every period, every node is looked at again (heartbeats age without events).
  let timer: Timer | undefined;
  const tick = (): void => {
    if (signal.aborted) return;
    for (const key of caches.nodes.cache.keys()) nodeQueue.add(key);
    timer = ctx.clock.setTimer(ctx.options.nodeMonitorPeriodMs, tick);
  };
  tick();
  signal.addEventListener('abort', () => timer?.cancel(), { once: true });

  const workers = { workers: ctx.options.workers, signal, log: ctx.log };
  await Promise.all([
    runWorkers(nodeQueue, (name) => reconcileNode(ctx, caches, health, lastReady, name), workers),
    runWorkers(podQueue, (key) => taintManager.reconcile(key), workers),
  ]);
}

function noExecute(node: Node): unknown[] {
  return (node.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
}

function taintPolicy(caches: Caches, node: Node): TaintPolicy {
  const zones = new Map<string, Node[]>();
  // The node as just written counts, not the cache's possibly older copy of it.
  for (const cached of caches.nodes.cache.list()) {
    const n = cached.metadata?.name === node.metadata?.name ? node : cached;
    const z = zoneOf(n);
    zones.set(z, [...(zones.get(z) ?? []), n]);
  }
  const states = [...zones.values()].map(zoneState);
  return {
    mayAddNoExecute: zoneState(zones.get(zoneOf(node)) ?? [node]) === 'Normal',
    allZonesDisrupted: states.length > 0 && states.every((s) => s === 'FullDisruption'),
  };
}

async function reconcileNode(
  ctx: ControllerContext,
  caches: Caches,
  health: NodeHealth,
  lastReady: Map<string, string>,
  name: string,
): Promise<ReconcileResult> {
  let node = caches.nodes.cache.get(name);
  if (!node) return;
  const nodes = ctx.client.resource<Node>(NODES);
  const now = rfc3339(new Date());
  try {
    const stale = health.observe(node, caches.leases.cache.get(`${NODE_LEASE_NAMESPACE}/${name}`), ctx.clock.now());
    const conditions = stale ? unknownConditions(node, now) : undefined;
    if (conditions) {
      const copy = deepCopy(node);
      node = await nodes.updateStatus({ ...copy, status: { ...copy.status, conditions } });
    }
    const status = readyCondition(node)?.status ?? 'Unknown';
    const previous = lastReady.get(name);
    lastReady.set(name, status);
    if (previous !== undefined && previous !== status && (previous === 'True' || status === 'True')) {
      const change = status === 'True' ? 'NodeReady' : 'NodeNotReady';
      ctx.recorder.event(node, 'Normal', change, `Node ${name} status is now: ${change}`);
    }
    const taints = desiredTaints(node, taintPolicy(caches, node), now);
    if (taints) {
      const next = deepCopy(node);
      next.spec = { ...next.spec, taints };
      if (taints.length === 0) delete next.spec.taints;
      node = await nodes.update(next);
    }
    if (status !== 'True') await markPodsNotReady(ctx, caches, name, now);
  } catch (err) {
    // The cache was behind; the informer event for the newer node queues it again.
    if (err instanceof ApiError && (err.code === 409 || err.code === 404)) return { requeueAfterMs: 100 };
    throw err;
  }
  return;
}

/** Pods on a node that is not Ready cannot be trusted to serve: their Ready condition becomes False. */
async function markPodsNotReady(ctx: ControllerContext, caches: Caches, nodeName: string, now: string): Promise<void> {
  for (const pod of caches.pods.cache.byIndex(NODE_NAME_INDEX, nodeName)) {
    const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
    if (!ready || ready.status === 'False' || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
    const copy = deepCopy(pod);
    const next: Pod = {
      ...copy,
      status: {
        ...copy.status,
        conditions: (copy.status?.conditions ?? []).map((c) => (c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: now } : c)),
      },
    };
    try {
      await ctx.client.resource<Pod>(PODS, pod.metadata?.namespace).updateStatus(next);
      ctx.recorder.event(pod, 'Warning', 'NodeNotReady', 'Node is not ready');
    } catch (err) {
      if (!(err instanceof ApiError && (err.code === 409 || err.code === 404))) throw err;
    }
  }
}
