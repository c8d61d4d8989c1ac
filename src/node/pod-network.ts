// The node's share of the pod network, kept from a watch of all Nodes: the node's own
// spec.podCIDR handed to the runtime once the node-ipam controller assigns it, and — like
// flannel's host-gw backend — a host route to every other node's podCIDR via that node's
// InternalIP. Nodes whose InternalIP is an address of this machine need no route: their
// bridges are local, so the kernel already routes to them.
import { execFile } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { promisify } from 'node:util';
import type { Node } from 'kubernetes-types/core/v1.js';
import type { ApiClient } from '../client/client.js';
import { Informer } from '../informer/informer.js';
import type { Logger } from '../log.js';

const run = promisify(execFile);

export interface PodNetworkOptions {
  client: ApiClient;
  nodeName: string;
  /** Called with the own node's podCIDR when it appears or changes. */
  setPodCIDR(podCIDR: string): Promise<void>;
  /** Maintain host routes to other nodes' podCIDRs (needs root and `ip`). */
  routes: boolean;
  log: Logger;
  signal: AbortSignal;
}

/** A route to `cidr` through `via`, or undefined when none is needed. */
export interface PodRoute {
  cidr: string;
  via: string;
}

function localAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(a.address);
  return out;
}

/** The route another node's pods need from here, or undefined (no CIDR, no address, or local). */
export function routeFor(node: Node, local: ReadonlySet<string>): PodRoute | undefined {
  const cidr = node.spec?.podCIDR;
  const via = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  if (!cidr || !via || local.has(via) || via.startsWith('127.')) return undefined;
  return { cidr, via };
}

export interface RunningPodNetwork {
  /** Resolves once the first list of Nodes was handled. */
  synced: Promise<boolean>;
}

export function startPodNetwork(o: PodNetworkOptions): RunningPodNetwork {
  const log = o.log;
  const informer = new Informer<Node>({
    name: 'nodes',
    source: o.client.resource<Node>({ group: '', version: 'v1', plural: 'nodes', namespaced: false }),
    freeze: 'none',
    log,
  });
  let appliedCIDR: string | undefined;
  /** Routes installed by this agent, by node name. */
  const routes = new Map<string, PodRoute>();
  // One change at a time, in order: CIDR writes and route commands must not interleave.
  let chain: Promise<void> = Promise.resolve();
  const enqueue = (what: string, step: () => Promise<void>): void => {
    chain = chain.then(step).catch((err: unknown) => log.warn(`${what}: ${err instanceof Error ? err.message : String(err)}`));
  };

  const sync = (node: Node): void => {
    const name = node.metadata?.name ?? '';
    if (name === o.nodeName) {
      const cidr = node.spec?.podCIDR;
      if (cidr && cidr !== appliedCIDR) {
        appliedCIDR = cidr;
        enqueue(`configuring pod network ${cidr}`, async () => {
          await o.setPodCIDR(cidr);
          log.info(`pod network configured for podCIDR ${cidr}`);
        });
      }
      return;
    }
    if (!o.routes) return;
    const want = routeFor(node, localAddresses());
    const have = routes.get(name);
    if (want?.cidr === have?.cidr && want?.via === have?.via) return;
    if (have) {
      routes.delete(name);
      if (!want || want.cidr !== have.cidr) enqueue(`removing route ${have.cidr}`, () => removeRoute(have));
    }
    if (want) {
      routes.set(name, want);
      enqueue(`adding route ${want.cidr} via ${want.via}`, async () => {
        await run('ip', ['route', 'replace', want.cidr, 'via', want.via]);
        log.info(`route to node ${name}'s pods: ${want.cidr} via ${want.via}`);
      });
    }
  };
  const removeRoute = async (r: PodRoute): Promise<void> => {
    await run('ip', ['route', 'del', r.cidr, 'via', r.via]).catch(() => undefined);
  };

  informer.addEventHandler({
    onAdd: sync,
    onUpdate: (_old, node) => sync(node),
    onDelete: (node) => {
      const name = node.metadata?.name ?? '';
      const have = routes.get(name);
      if (!have) return;
      routes.delete(name);
      enqueue(`removing route ${have.cidr}`, () => removeRoute(have));
    },
  });
  informer.run(o.signal).catch((err: unknown) => log.error(`node watch ended: ${err instanceof Error ? err.message : String(err)}`));
  return { synced: informer.waitForSync(o.signal) };
}
