// The node's service proxy: Services and EndpointSlices informers feed one debounced sync that
// writes the `ip k8ts` nftables table (mode "nftables"), iptables rules (mode "iptables") or
// reconciles k8ts's own listeners (mode "userspace"). Every change reaches the data path within
// debounceMs plus one sync; nothing polls.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { ApiClient } from '../client/client.js';
import { SharedInformerFactory } from '../informer/shared.js';
import type { Logger } from '../log.js';
import { IptablesRunner } from './iptables.js';
import { IptablesProxier } from './iptables-proxier.js';
import { isProxyChain } from './iptables-rules.js';
import { runLoadBalancerStatus } from './loadbalancer-status.js';
import { buildServicePorts } from './model.js';
import { NftRunner } from './nft.js';
import { NftablesProxier } from './nft-proxier.js';
import { SyncRunner } from './sync-runner.js';
import { UserspaceProxier, type Frontend } from './userspace.js';
import { claimNetnsLock, type NetnsLock } from './netns-lock.js';

export type ProxyMode = 'nftables' | 'iptables' | 'userspace';

export interface ProxyOptions {
  client: ApiClient;
  nodeName: string;
  mode: ProxyMode;
  log: Logger;
  signal: AbortSignal;
  /** nftables, iptables: pod addresses of the cluster (traffic from elsewhere is masqueraded); default 10.42.0.0/16. */
  clusterCIDR?: string;
  /** nftables, iptables: write the rules inside this named network namespace (tests, benchmarks). */
  netns?: string;
  /** nftables, iptables: leave the rules in place on stop (a restart then takes them over); default false. */
  keepRulesOnStop?: boolean;
  /** userspace: where node ports listen; default "0.0.0.0". */
  nodePortAddress?: string;
  /**
   * Act as the load balancer of LoadBalancer services (k3s servicelb): set their
   * status.loadBalancer.ingress to this address. One node per cluster should do it.
   */
  loadBalancerAddress?: string;
  /** Coalescing window for changes; default 20 ms. */
  debounceMs?: number;
}

export interface RunningProxy {
  mode: ProxyMode;
  /** Resolves once the last requested sync has been applied (tests, benchmarks). */
  idle(): Promise<void>;
  /** userspace: what it listens on. */
  frontends(): Frontend[];
  /** Stops watching; nftables and iptables modes remove their rules unless keepRulesOnStop, userspace closes its listeners. */
  stop(): Promise<void>;
}

const SERVICES = { group: '', version: 'v1', plural: 'services', namespaced: true } as const;
const SLICES = { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', namespaced: true } as const;

export async function startProxy(o: ProxyOptions): Promise<RunningProxy> {
  const log = o.log;
  let lock: NetnsLock | undefined;
  if (o.mode !== 'userspace' && !o.netns) {
    // One lock for both kernel modes: an nftables and an iptables proxy would DNAT the same addresses.
    lock = await claimNetnsLock('service-proxy');
    if (!lock) throw new Error("another k8ts service proxy already writes this machine's rules (one per network namespace; see --disable proxy)");
  }
  const stopped = new AbortController();
  const abort = (): void => stopped.abort();
  o.signal.addEventListener('abort', abort, { once: true });
  const informers = new SharedInformerFactory(o.client, { log: log.child('informers'), freeze: 'none' });
  const services = informers.informerFor<Service>(SERVICES);
  const slices = informers.informerFor<EndpointSlice>(SLICES);

  const ports = (): ReturnType<typeof buildServicePorts> => buildServicePorts(services.cache.list(), slices.cache.list(), o.nodeName);
  let apply: () => Promise<void>;
  let teardown: () => Promise<void>;
  let frontends: () => Frontend[] = () => [];
  if (o.mode === 'nftables') {
    if (!o.netns) enableBridgeNetfilter(log);
    await removeOtherModeRules('nftables', o.netns, log);
    const proxier = new NftablesProxier(new NftRunner({ netns: o.netns }), { clusterCIDR: o.clusterCIDR }, log);
    apply = async () => {
      const r = await proxier.sync(ports());
      if (r.commands > 0) log.debug(`nftables sync: ${r.full ? 'full, ' : ''}${r.commands} commands, generated in ${r.generateMs.toFixed(1)} ms, applied in ${r.applyMs.toFixed(1)} ms`);
    };
    teardown = () => (o.keepRulesOnStop ? Promise.resolve() : proxier.cleanup());
  } else if (o.mode === 'iptables') {
    if (!o.netns) enableBridgeNetfilter(log);
    await removeOtherModeRules('iptables', o.netns, log);
    const proxier = new IptablesProxier(new IptablesRunner({ netns: o.netns }), { clusterCIDR: o.clusterCIDR }, log);
    let last = '';
    apply = async () => {
      const r = await proxier.sync(ports());
      const figures = `${r.chainsWritten} chains, generated in ${r.generateMs.toFixed(1)} ms, restored in ${r.restoreMs.toFixed(1)} ms`;
      if (r.chainsWritten > 0 && figures !== last) log.debug(`iptables sync: ${figures}`);
      last = figures;
    };
    teardown = () => (o.keepRulesOnStop ? Promise.resolve() : proxier.cleanup());
  } else {
    const proxier = new UserspaceProxier({ log, nodePortAddress: o.nodePortAddress });
    apply = () => proxier.update(ports());
    teardown = () => proxier.close();
    frontends = () => proxier.frontends();
  }

  const runner = new SyncRunner({ name: `${o.mode} proxy`, sync: apply, debounceMs: o.debounceMs, log });
  const onChange = (): void => {
    if (services.hasSynced() && slices.hasSynced()) runner.request();
  };
  const handlers = { onAdd: onChange, onUpdate: onChange, onDelete: onChange };
  services.addEventHandler(handlers);
  slices.addEventHandler(handlers);
  informers.start(stopped.signal);
  const lbRun = o.loadBalancerAddress
    ? runLoadBalancerStatus({ client: o.client, services, address: o.loadBalancerAddress, log: log.child('servicelb'), signal: stopped.signal })
    : Promise.resolve();
  if (await informers.waitForSync(stopped.signal)) runner.request();
  log.info(`service proxy (${o.mode}) on node ${o.nodeName} started`);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      o.signal.removeEventListener('abort', abort);
      stopped.abort();
      await runner.close();
      await Promise.allSettled([informers.stopped(), lbRun]);
      await teardown().finally(() => lock?.release());
    })());
  o.signal.addEventListener('abort', () => void stop().catch((err: unknown) => log.error(`proxy stop: ${String(err)}`)), { once: true });
  return { mode: o.mode, idle: () => runner.idle(), frontends: () => frontends(), stop };
}

/**
 * Rules an earlier run left in the other kernel mode would DNAT the same addresses at the same
 * hooks (as kube-proxy, each mode clears the other's at start). Best effort: a machine without
 * the other tool has nothing of it to clear.
 */
async function removeOtherModeRules(mode: 'nftables' | 'iptables', netns: string | undefined, log: Pick<Logger, 'info' | 'debug'>): Promise<void> {
  try {
    if (mode === 'iptables') {
      const nft = new NftRunner({ netns });
      if ((await nft.list()) !== undefined) await new NftablesProxier(nft, {}, log).cleanup();
      return;
    }
    const runner = new IptablesRunner({ netns });
    if ((await runner.chains('nat')).some(isProxyChain)) await new IptablesProxier(runner, {}, log).cleanup();
  } catch (err) {
    log.debug(`no ${mode === 'iptables' ? 'nftables' : 'iptables'} proxy rules to remove: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Pods on one bridge reach each other's service IPs only if bridged traffic passes iptables
 * (otherwise a reply skips the reverse NAT); kube-proxy needs the same setting.
 */
function enableBridgeNetfilter(log: Pick<Logger, 'info' | 'warn'>): void {
  const path = '/proc/sys/net/bridge/bridge-nf-call-iptables';
  if (!existsSync(path)) {
    log.warn('br_netfilter is not loaded: pods may not reach services whose endpoints share their bridge');
    return;
  }
  try {
    if (readFileSync(path, 'utf8').trim() !== '1') {
      writeFileSync(path, '1');
      log.info('set net.bridge.bridge-nf-call-iptables=1');
    }
  } catch (err) {
    log.warn(`cannot set net.bridge.bridge-nf-call-iptables: ${err instanceof Error ? err.message : String(err)}`);
  }
}
