// NetworkPolicy enforcement on a node (pods with their own IPs, i.e. the containerd runtime):
// NetworkPolicies, Pods and Namespaces informers feed one debounced sync that writes the
// K8TS-NETPOL chains with `iptables-restore --noflush` (changed chains only) and keeps the jump
// to them first in FORWARD, ahead of the service proxy's accept rules.
import type { Namespace, Pod } from 'kubernetes-types/core/v1.js';
import type { NetworkPolicy } from 'kubernetes-types/networking/v1.js';
import type { ApiClient } from '../client/client.js';
import { SharedInformerFactory } from '../informer/shared.js';
import type { Logger } from '../log.js';
import { IptablesRunner } from '../proxy/iptables.js';
import { claimNetnsLock, type NetnsLock } from '../proxy/netns-lock.js';
import { restoreDiff, snapshotOf, type RuleSetSnapshot } from '../proxy/iptables-rules.js';
import { SyncRunner } from '../proxy/sync-runner.js';
import { generateNetpolRules, isNetpolChain, NETPOL_CHAIN, type FilterRuleSet } from './rules.js';

export interface NetworkPolicyOptions {
  client: ApiClient;
  nodeName: string;
  log: Logger;
  signal: AbortSignal;
  /** Write the rules inside this named network namespace (tests). */
  netns?: string;
  debounceMs?: number;
}

export interface RunningNetworkPolicy {
  idle(): Promise<void>;
  /** Stops watching and removes the rules. */
  stop(): Promise<void>;
}

const JUMP_ARGS = ['-m', 'comment', '--comment', 'k8ts network policies', '-j', NETPOL_CHAIN];

/** Applies rule sets; exported for tests that drive it without an API server. */
export class NetpolWriter {
  private applied: RuleSetSnapshot | undefined;

  constructor(private readonly runner: IptablesRunner) {}

  async sync(chains: FilterRuleSet): Promise<void> {
    const next = { nat: new Map<string, string[]>(), filter: chains };
    this.applied ??= await this.current();
    try {
      await this.runner.restore(restoreDiff(this.applied, next));
      this.applied = snapshotOf(next);
    } catch (err) {
      this.applied = undefined;
      throw err;
    }
    await this.ensureJumpFirst();
  }

  async cleanup(): Promise<void> {
    await this.runner.deleteJump({ table: 'filter', chain: 'FORWARD', args: JUMP_ARGS });
    await this.runner.restore(restoreDiff(await this.current(), { nat: new Map(), filter: new Map() }));
    this.applied = undefined;
  }

  private async current(): Promise<RuleSetSnapshot> {
    const chains = (await this.runner.chains('filter')).filter(isNetpolChain);
    return { nat: new Map(), filter: new Map(chains.map((c) => [c, undefined])) };
  }

  private async ensureJumpFirst(): Promise<void> {
    const rules = (await this.runner.iptables('filter', ['-S', 'FORWARD'])).split('\n').filter((l) => l.startsWith('-A '));
    if (rules[0]?.includes(`-j ${NETPOL_CHAIN}`) && rules.filter((r) => r.includes(`-j ${NETPOL_CHAIN}`)).length === 1) return;
    await this.runner.deleteJump({ table: 'filter', chain: 'FORWARD', args: JUMP_ARGS });
    await this.runner.iptables('filter', ['-I', 'FORWARD', '1', ...JUMP_ARGS]);
  }
}

const POLICIES = { group: 'networking.k8s.io', version: 'v1', plural: 'networkpolicies', namespaced: true } as const;
const PODS = { group: '', version: 'v1', plural: 'pods', namespaced: true } as const;
const NAMESPACES = { group: '', version: 'v1', plural: 'namespaces', namespaced: false } as const;

export async function startNetworkPolicy(o: NetworkPolicyOptions): Promise<RunningNetworkPolicy> {
  let lock: NetnsLock | undefined;
  if (!o.netns) {
    lock = await claimNetnsLock('network-policy');
    if (!lock) throw new Error("another k8ts node already enforces network policies in this machine's iptables (one per network namespace; see --disable netpol)");
  }
  const stopped = new AbortController();
  const abort = (): void => stopped.abort();
  o.signal.addEventListener('abort', abort, { once: true });
  const informers = new SharedInformerFactory(o.client, { log: o.log.child('informers'), freeze: 'none' });
  const policies = informers.informerFor<NetworkPolicy>(POLICIES);
  const pods = informers.informerFor<Pod>(PODS);
  const namespaces = informers.informerFor<Namespace>(NAMESPACES);
  const writer = new NetpolWriter(new IptablesRunner({ netns: o.netns }));
  const runner = new SyncRunner({
    name: 'network policy',
    debounceMs: o.debounceMs,
    log: o.log,
    sync: () => writer.sync(generateNetpolRules({ policies: policies.cache.list(), pods: pods.cache.list(), namespaces: namespaces.cache.list(), nodeName: o.nodeName })),
  });
  const onChange = (): void => {
    if (policies.hasSynced() && pods.hasSynced() && namespaces.hasSynced()) runner.request();
  };
  const handlers = { onAdd: onChange, onUpdate: onChange, onDelete: onChange };
  policies.addEventHandler(handlers);
  pods.addEventHandler(handlers);
  namespaces.addEventHandler(handlers);
  informers.start(stopped.signal);
  if (await informers.waitForSync(stopped.signal)) runner.request();
  o.log.info(`network policy enforcement on node ${o.nodeName} started`);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      o.signal.removeEventListener('abort', abort);
      stopped.abort();
      await runner.close();
      await informers.stopped();
      await writer.cleanup().finally(() => lock?.release());
    })());
  o.signal.addEventListener('abort', () => void stop().catch((err: unknown) => o.log.error(`network policy stop: ${String(err)}`)), { once: true });
  return { idle: () => runner.idle(), stop };
}
