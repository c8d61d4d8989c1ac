// The components `k8ts server` runs next to the API server, each talking to it only through
// the API (in-process transport: same authentication, admission and storage path as HTTP,
// without a socket). With a shared datastore (etcd) they run under leader election, so
// several servers run each loop once.
import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { UserInfo } from '../apiserver/authn/user.js';
import type { RunningApiServer } from '../apiserver/server.js';
import { createClient, type ApiClient } from '../client/client.js';
import { InProcessTransport } from '../client/in-process.js';
import { defaultControllers } from '../controllers/index.js';
import type { CsrSigningOptions } from '../controllers/certificates/signing.js';
import { startControllerManager } from '../controllers/manager.js';
import { createEventRecorder } from '../events/broadcaster.js';
import { realClock } from '../informer/clock.js';
import { startScheduler } from '../scheduler/run.js';
import { ensureKubeDnsService } from '../dns/kube-dns-service.js';
import { startDnsServer } from '../dns/server.js';
import type { Logger } from '../log.js';
import { startNodeAgent } from '../node/agent.js';
import { startNodeNetworking } from '../node/networking.js';
import { issueLocalNodeCredentials } from '../node/local-credentials.js';
import { startMetricsServer } from '../metricsserver/server.js';
import { apiObjectSource, apiSummarySource } from '../metricsserver/sources.js';
import { subjectAccessReviewAuthorizer } from '../metricsserver/authz.js';
import { ensureMetricsReaderRole } from '../metricsserver/rbac.js';
import { registerMetricsApi } from '../metricsserver/registration.js';
import type { RuntimeName } from '../node/runtimes.js';

export const COMPONENTS = ['controllers', 'scheduler', 'agent', 'dns', 'proxy', 'netpol', 'ingress', 'metrics-server'] as const;
export type Component = (typeof COMPONENTS)[number];

export interface ControlPlaneOptions {
  disabled: ReadonlySet<string>;
  /** True when other servers may share the datastore (etcd): run loops under leader election. */
  shared: boolean;
  nodeMonitorGracePeriodMs: number;
  clusterCidr: string;
  csrSigning: CsrSigningOptions;
  /** The cluster CA (PEM) the root-ca-cert-publisher puts in every namespace's kube-root-ca.crt. */
  rootCaCert: string;
  /** The node this server runs itself (unless the agent is disabled). */
  node: EmbeddedNode;
  /** Cluster DNS: where it listens, and the kube-dns Service address pods are given. */
  dns: { host: string; port: number; clusterIp: string; address: string };
  metricsServer: MetricsServerSettings;
  log: Logger;
}

/** The bundled metrics-server (metrics.k8s.io), as k3s bundles one. */
export interface MetricsServerSettings {
  host: string;
  /** 0: any free port. */
  port: number;
  /** The address the API server's aggregator reaches it at (the Service's endpoint). */
  address: string;
  resolutionMs: number;
  /** Its serving certificate; `caBundle` (PEM) verifies it (the APIService's caBundle). */
  tls: { cert: string; key: string };
  caBundle: string;
  /** The request-header CA (PEM) and the proxy certificate names it trusts. */
  requestHeaderCA: string;
  allowedNames: readonly string[];
}


export interface EmbeddedNode {
  name: string;
  /** A bearer token the API server maps to `system:node:<name>` (see nodeIdentity). */
  token: string;
  address: string;
  runtime: RuntimeName;
  /** containerd only: an existing CRI socket to use instead of starting containerd. */
  containerRuntimeEndpoint?: string;
  dataDir: string;
  caCert: string;
  caKeyPem: string;
  clusterCidr: string;
  /** Which of the node's network services run (`proxy`, `netpol`, `ingress`), and the ingress ports. */
  proxy: boolean;
  networkPolicy: boolean;
  ingress?: { httpPort: number; httpsPort: number };
  /** The kube-dns Service IP written into ClusterFirst pods' resolv.conf (kubelet --cluster-dns). */
  clusterDns?: string;
  /** The kubelet's hard eviction thresholds (--eviction-hard); default Kubernetes'. */
  evictionHard?: string;
  /** Sysctls pods may set beyond the safe set (--allowed-unsafe-sysctls). */
  allowedUnsafeSysctls?: string[];
}

/** The embedded node's identity: a token valid for this process only. */
export function nodeIdentity(nodeName: string): { token: string; user: UserInfo } {
  return {
    token: randomBytes(24).toString('hex'),
    user: { username: `system:node:${nodeName}`, groups: ['system:nodes'] },
  };
}

/** A token for the in-process components, valid for this process only. */
export function internalIdentity(): { token: string; user: UserInfo } {
  return {
    token: randomBytes(24).toString('hex'),
    user: { username: 'system:k8ts:control-plane', groups: ['system:masters'] },
  };
}

export interface RunningControlPlane {
  client: ApiClient;
  stop(): Promise<void>;
}

export async function startControlPlane(server: RunningApiServer, token: string, o: ControlPlaneOptions): Promise<RunningControlPlane> {
  const client = createClient(new InProcessTransport({ handler: server.handle, token }));
  const identity = `${hostname()}_${randomUUID()}`;
  const stops: (() => Promise<void>)[] = [];
  if (!o.disabled.has('controllers')) {
    const manager = await startControllerManager({
      client,
      factories: defaultControllers({ nodeIpam: { clusterCidr: o.clusterCidr }, csrSigning: o.csrSigning, rootCaCert: o.rootCaCert }),
      options: { nodeMonitorGracePeriodMs: o.nodeMonitorGracePeriodMs },
      log: o.log.child('controller-manager'),
      ...(o.shared ? { leaderElection: { identity } } : {}),
    });
    stops.push(() => manager.stop());
    o.log.info(`controller manager started${o.shared ? ' (leader election on Lease kube-system/kube-controller-manager)' : ''}`);
  }
  if (!o.disabled.has('scheduler')) {
    const recorder = createEventRecorder({ client, component: 'default-scheduler', clock: realClock, log: o.log.child('scheduler/events') });
    const stopScheduler = new AbortController();
    const scheduler = await startScheduler({
      client,
      recorder,
      log: o.log.child('scheduler'),
      signal: stopScheduler.signal,
      ...(o.shared ? { leaderElection: { identity } } : {}),
    });
    stops.push(async () => {
      await scheduler.stop();
      await recorder.flush();
      recorder.close();
    });
    o.log.info(`scheduler started${o.shared ? ' (leader election on Lease kube-system/kube-scheduler)' : ''}`);
  }
  if (!o.disabled.has('dns')) {
    const dnsStop = new AbortController();
    try {
      const dns = await startDnsServer({ client, host: o.dns.host, port: o.dns.port, log: o.log.child('dns'), signal: dnsStop.signal });
      await ensureKubeDnsService(client, { clusterIp: o.dns.clusterIp, address: o.dns.address, port: dns.port });
      stops.push(async () => {
        dnsStop.abort();
        await dns.stop();
      });
      o.log.info(`cluster DNS on ${o.dns.host}:${dns.port} (Service kube-system/kube-dns ${o.dns.clusterIp})`);
    } catch (err) {
      // A taken or privileged port must not stop the cluster: say so and go on without DNS.
      dnsStop.abort();
      o.log.warn(`cluster DNS not started on port ${o.dns.port}: ${err instanceof Error ? err.message : String(err)} (see --cluster-dns-port)`);
    }
  }
  if (!o.disabled.has('metrics-server')) {
    const m = o.metricsServer;
    try {
      await ensureMetricsReaderRole(client);
      const running = await startMetricsServer({
        summaries: apiSummarySource(client),
        objects: apiObjectSource(client),
        authorize: subjectAccessReviewAuthorizer(client),
        host: m.host,
        port: m.port,
        tls: m.tls,
        requestHeader: { clientCA: m.requestHeaderCA, allowedNames: m.allowedNames },
        resolutionMs: m.resolutionMs,
        log: o.log.child('metrics-server'),
      });
      stops.push(() => running.stop());
      await registerMetricsApi(client, { address: m.address, port: running.port, caBundle: m.caBundle });
      o.log.info(`metrics-server on ${m.host}:${running.port} (metrics.k8s.io/v1beta1, scraping every ${m.resolutionMs / 1000} s)`);
    } catch (err) {
      // As with DNS: a taken port must not stop the cluster.
      o.log.warn(`metrics-server not started on port ${m.port}: ${err instanceof Error ? err.message : String(err)} (see --metrics-server-port)`);
    }
  }
  if (!o.disabled.has('agent')) {
    const dnsOn = !o.disabled.has('dns');
    const agent = await startEmbeddedAgent(server, { ...o.node, proxy: !o.disabled.has('proxy'), networkPolicy: !o.disabled.has('netpol'), ...(o.disabled.has('ingress') ? { ingress: undefined } : {}), ...(dnsOn ? { clusterDns: o.dns.clusterIp } : {}) }, o.log);
    stops.push(() => agent.stop());
    o.log.info(`node ${agent.nodeName} started (runtime ${o.node.runtime}, kubelet port ${agent.kubeletPort})`);
  }
  return {
    client,
    async stop() {
      for (const stop of stops.reverse()) await stop().catch((err: unknown) => o.log.warn(`stop: ${String(err)}`));
      client.close();
    },
  };
}

/**
 * The server's own node: a kubelet with certificates issued directly by the cluster CA (no
 * TLS bootstrap needed in-process), talking to the API as `system:node:<name>`.
 */
async function startEmbeddedAgent(server: RunningApiServer, node: EmbeddedNode, log: Logger): Promise<{ nodeName: string; kubeletPort: number; stop(): Promise<void> }> {
  const creds = issueLocalNodeCredentials({
    caCert: node.caCert,
    caKey: node.caKeyPem,
    nodeName: node.name,
    servingNames: [node.address, node.name, hostname().toLowerCase()],
  });
  if (!creds.serving) throw new Error('no kubelet serving certificate was issued');
  const client = createClient(new InProcessTransport({ handler: server.handle, token: node.token }));
  const stop = new AbortController();
  const agent = await startNodeAgent({
    client,
    nodeName: node.name,
    runtime: node.runtime,
    dataDir: node.dataDir,
    kubeletTls: { cert: creds.serving.cert, key: creds.serving.key, clientCA: node.caCert },
    address: node.address,
    kubeletPort: 0,
    kubelet: {
      ...(node.clusterDns ? { clusterDNS: [node.clusterDns] } : {}),
      ...(node.evictionHard !== undefined ? { evictionHard: node.evictionHard } : {}),
      ...(node.allowedUnsafeSysctls ? { allowedUnsafeSysctls: node.allowedUnsafeSysctls } : {}),
    },
    ...(node.containerRuntimeEndpoint ? { containerRuntimeEndpoint: node.containerRuntimeEndpoint } : {}),
    log: log.child('agent'),
    signal: stop.signal,
  });
  const networking = node.proxy || node.networkPolicy || node.ingress
    ? await startNodeNetworking({
        client,
        nodeName: node.name,
        runtime: node.runtime,
        address: node.address,
        clusterCidr: node.clusterCidr,
        proxy: node.proxy,
        networkPolicy: node.networkPolicy,
        loadBalancer: node.proxy,
        ...(node.ingress ? { ingress: node.ingress } : {}),
        log: log.child('agent'),
        signal: stop.signal,
      })
    : undefined;
  return {
    nodeName: agent.nodeName,
    kubeletPort: agent.kubeletPort,
    async stop() {
      await networking?.stop();
      await agent.stop();
      stop.abort();
      client.close();
    },
  };
}
