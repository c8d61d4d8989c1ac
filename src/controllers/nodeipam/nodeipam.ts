// The node IPAM controller (Kubernetes' range allocator): gives every node a spec.podCIDR /
// spec.podCIDRs block of the cluster CIDR, never one another node holds, and takes the block
// back when the node is deleted. Blocks already on nodes are claimed before any is handed out.
import type { Node } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../api/errors.js';
import { objectKey } from '../../informer/cache.js';
import { runWorkers, type ReconcileResult } from '../../informer/workers.js';
import { WorkQueue } from '../../informer/workqueue.js';
import type { Informer } from '../../informer/informer.js';
import type { ControllerContext, ControllerFactory } from '../controller.js';
import { CidrSet } from './cidr-set.js';

const NODES = { group: '', version: 'v1', resource: 'nodes' };

export const DEFAULT_CLUSTER_CIDR = '10.42.0.0/16';
export const DEFAULT_NODE_MASK_SIZE = 24;
const EXHAUSTED_RETRY_MS = 10_000;

export interface NodeIpamOptions {
  /** Default DEFAULT_CLUSTER_CIDR (one IPv4 or IPv6 CIDR). */
  clusterCidr?: string;
  /** Prefix length of each node's block; default DEFAULT_NODE_MASK_SIZE. */
  nodeMaskSize?: number;
}

/** Validates the options at once (a bad CIDR throws here, not when the controller runs). */
export function nodeIpamController(options: NodeIpamOptions = {}): ControllerFactory {
  const clusterCidr = options.clusterCidr ?? DEFAULT_CLUSTER_CIDR;
  const nodeMaskSize = options.nodeMaskSize ?? DEFAULT_NODE_MASK_SIZE;
  new CidrSet(clusterCidr, nodeMaskSize);
  return (ctx) => ({ name: 'node-ipam', run: (signal) => run(ctx, new CidrSet(clusterCidr, nodeMaskSize), signal) });
}

function podCidrs(node: Node): string[] {
  const list = node.spec?.podCIDRs ?? [];
  if (list.length > 0) return [...list];
  return node.spec?.podCIDR ? [node.spec.podCIDR] : [];
}

async function run(ctx: ControllerContext, cidrs: CidrSet, signal: AbortSignal): Promise<void> {
  const nodes: Informer<Node> = ctx.informers.informerFor<Node>(NODES);
  const queue = new WorkQueue({ clock: ctx.clock });
  /** Blocks written to nodes whose new state the cache does not show yet (node name → block). */
  const pending = new Map<string, string>();
  nodes.addEventHandler({
    onAdd: (n) => queue.add(objectKey(n)),
    onUpdate: (_, n) => queue.add(objectKey(n)),
    onDelete: (n) => {
      for (const c of podCidrs(n)) cidrs.release(c);
      const p = pending.get(objectKey(n));
      if (p) cidrs.release(p);
      pending.delete(objectKey(n));
    },
  });
  if (!(await nodes.waitForSync(signal))) return;
  for (const n of nodes.cache.list()) for (const c of podCidrs(n)) cidrs.occupy(c);

  const reconcile = async (name: string): Promise<ReconcileResult> => {
    const node = nodes.cache.get(name);
    if (!node) return;
    const held = podCidrs(node);
    if (held.length > 0) {
      for (const c of held) cidrs.occupy(c);
      const p = pending.get(name);
      if (p && !held.includes(p)) cidrs.release(p);
      pending.delete(name);
      return;
    }
    if (pending.has(name)) return;
    const cidr = cidrs.allocateNext();
    if (!cidr) {
      ctx.recorder.event(node, 'Normal', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable`);
      return { requeueAfterMs: EXHAUSTED_RETRY_MS };
    }
    pending.set(name, cidr);
    try {
      await ctx.client.resource<Node>(NODES).patch(name, 'merge', {
        metadata: { uid: node.metadata?.uid },
        spec: { podCIDR: cidr, podCIDRs: [cidr] },
      });
    } catch (err) {
      pending.delete(name);
      cidrs.release(cidr);
      if (err instanceof ApiError && err.code === 404) return;
      ctx.recorder.event(node, 'Warning', 'CIDRAssignmentFailed', `Node ${name} status is now: CIDRAssignmentFailed`);
      throw err;
    }
    return;
  };
  await runWorkers(queue, reconcile, { workers: ctx.options.workers, signal, log: ctx.log });
}
