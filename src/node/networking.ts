// What a node runs for Services besides the kubelet, as kube-proxy runs on every node: the
// service proxy (nftables, else iptables, rules for containerd pods, K8TS_PROXY_MODE to force
// one; a userspace relay for the process runtime), the network policy enforcer (containerd
// only: it needs pod IPs), the ingress proxy and the servicelb-style load balancer address.
// Each part can be left out (`--disable` of `k8ts server` and `k8ts agent`); each part that
// cannot start (no iptables, a taken port) is logged and skipped: the node keeps running pods.
import type { ApiClient } from '../client/client.js';
import { startIngressController } from '../ingress/controller.js';
import type { Logger } from '../log.js';
import { startNetworkPolicy } from '../netpol/netpol.js';
import { chooseProxyMode } from '../proxy/mode.js';
import { startProxy } from '../proxy/proxy.js';
import type { RuntimeName } from './runtimes.js';

export interface NodeNetworkingOptions {
  client: ApiClient;
  nodeName: string;
  runtime: RuntimeName;
  /** The node's InternalIP: the LoadBalancer and Ingress address. */
  address: string;
  clusterCidr: string;
  /** Run the service proxy. */
  proxy: boolean;
  /** Enforce NetworkPolicies (containerd runtime only). */
  networkPolicy: boolean;
  /** This node answers for LoadBalancer Services (one node per cluster; needs the proxy). */
  loadBalancer: boolean;
  /** Ingress proxy ports; undefined: no ingress on this node. */
  ingress?: { httpPort: number; httpsPort: number };
  log: Logger;
  signal: AbortSignal;
}

export async function startNodeNetworking(o: NodeNetworkingOptions): Promise<{ stop(): Promise<void> }> {
  const stops: (() => Promise<void>)[] = [];
  const attempt = async (what: string, start: () => Promise<() => Promise<void>>): Promise<void> => {
    try {
      stops.push(await start());
    } catch (err) {
      o.log.warn(`${what} not started: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  if (o.proxy && o.runtime !== 'fake') {
    const choice = await chooseProxyMode({ podsHaveOwnAddresses: o.runtime === 'containerd', requested: process.env['K8TS_PROXY_MODE'] }).catch((err: unknown) => {
      o.log.warn(`service proxy not started: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    });
    if (choice) {
      const mode = choice.mode;
      o.log.info(`service proxy mode ${mode}: ${choice.reason}`);
      await attempt(`service proxy (${mode})`, async () => {
        const proxy = await startProxy({
          client: o.client,
          nodeName: o.nodeName,
          mode,
          clusterCIDR: o.clusterCidr,
          ...(o.loadBalancer ? { loadBalancerAddress: o.address } : {}),
          log: o.log.child('proxy'),
          signal: o.signal,
        });
        o.log.info(`service proxy running (${mode} mode)`);
        return () => proxy.stop();
      });
    }
  }
  if (o.networkPolicy && o.runtime === 'containerd') {
    await attempt('network policy', async () => {
      const netpol = await startNetworkPolicy({ client: o.client, nodeName: o.nodeName, log: o.log.child('netpol'), signal: o.signal });
      return () => netpol.stop();
    });
  }
  const ingressPorts = o.ingress;
  if (ingressPorts) {
    await attempt(`ingress on ports ${ingressPorts.httpPort}/${ingressPorts.httpsPort}`, async () => {
      // The userspace proxy serves cluster IPs on loopback stand-ins (127.43.0.1:443 for the
      // kubernetes Service): an ingress on the wildcard address would take those ports from it.
      const userspace = o.proxy && o.runtime === 'process';
      const ingress = await startIngressController({
        client: o.client,
        httpPort: ingressPorts.httpPort,
        httpsPort: ingressPorts.httpsPort,
        ...(userspace ? { bindAddress: o.address } : {}),
        address: o.address,
        log: o.log.child('ingress'),
        signal: o.signal,
      });
      o.log.info(`ingress proxy on ${userspace ? o.address : ''}:${ingress.httpPort} (http) and :${ingress.httpsPort ?? ingressPorts.httpsPort} (https)`);
      return () => ingress.stop();
    });
  }
  return {
    async stop() {
      for (const stop of stops.reverse()) await stop().catch((err: unknown) => o.log.warn(`stop: ${String(err)}`));
    },
  };
}
