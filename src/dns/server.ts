// Cluster DNS over UDP and TCP on one port: the cluster zone answered from informer caches
// (services, endpointslices, pods), everything else forwarded to the upstream resolvers.
import type { Socket as UdpSocket } from 'node:dgram';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { ApiClient } from '../client/client.js';
import { SharedInformerFactory } from '../informer/shared.js';
import { NAMESPACE_INDEX } from '../informer/indexers.js';
import type { Logger } from '../log.js';
import type { ClusterView } from './cluster-records.js';
import { Forwarder, parseUpstream } from './forward.js';
import { listenUdpEachAndTcp } from './listen.js';
import { listenOnEachAddress, localIPv4Addresses } from './listen-each-address.js';
import { readResolvConf } from './resolv-conf.js';
import { respond, type ResponderContext } from './respond.js';

export interface DnsServerOptions {
  client: ApiClient;
  /** Default "0.0.0.0": UDP on each local IPv4 address (see listen-each-address.ts), TCP on all. */
  host?: string;
  /** 0 picks a free port (the same one for UDP and TCP). */
  port: number;
  /** Default "cluster.local". */
  clusterDomain?: string;
  /** "ip" or "ip:port"; default the nameservers of the host's /etc/resolv.conf. */
  upstream?: string[];
  /** Per upstream attempt; default 2000 ms. */
  upstreamTimeoutMs?: number;
  /** How long start waits for the caches before serving anyway (cluster names SERVFAIL until synced); default 5000 ms. */
  syncTimeoutMs?: number;
  log: Logger;
  signal: AbortSignal;
}

export interface RunningDnsServer {
  port: number;
  stop(): Promise<void>;
}

const SERVICES = { group: '', version: 'v1', plural: 'services', namespaced: true } as const;
const SLICES = { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', namespaced: true } as const;
const PODS = { group: '', version: 'v1', plural: 'pods', namespaced: true } as const;
const TCP_IDLE_MS = 10_000;

export async function startDnsServer(o: DnsServerOptions): Promise<RunningDnsServer> {
  const zone = (o.clusterDomain ?? 'cluster.local').replace(/\.$/, '');
  const host = o.host ?? '0.0.0.0';
  const stopped = new AbortController();
  const abort = (): void => stopped.abort();
  o.signal.addEventListener('abort', abort, { once: true });
  const informers = new SharedInformerFactory(o.client, { log: o.log.child('informers'), freeze: 'none' });
  const services = informers.informerFor<Service>(SERVICES, {
    indexers: { clusterIP: (s) => (s.spec?.clusterIPs ?? []).filter((ip) => ip !== 'None') },
  });
  const slices = informers.informerFor<EndpointSlice>(SLICES, {
    indexers: {
      service: (s) => {
        const name = s.metadata?.labels?.['kubernetes.io/service-name'];
        return name ? [`${s.metadata?.namespace ?? ''}/${name}`] : [];
      },
    },
  });
  const pods = informers.informerFor<Pod>(PODS, {
    indexers: { podIP: (p) => (p.status?.podIPs ?? []).map((ip) => `${p.metadata?.namespace ?? ''}/${ip.ip}`) },
  });
  informers.start(stopped.signal);
  const view: ClusterView = {
    service: (ns, name) => services.cache.get(`${ns}/${name}`),
    hasServices: (ns) => services.cache.byIndex(NAMESPACE_INDEX, ns).length > 0,
    serviceByClusterIp: (ip) => services.cache.byIndex('clusterIP', ip)[0],
    endpointSlices: (ns, svc) => slices.cache.byIndex('service', `${ns}/${svc}`),
    podByIp: (ns, ip) => pods.cache.byIndex('podIP', `${ns}/${ip}`)[0],
  };
  const synced = await Promise.race([
    informers.waitForSync(stopped.signal),
    new Promise<false>((resolve) => setTimeout(() => resolve(false), o.syncTimeoutMs ?? 5000).unref()),
  ]);
  if (!synced) o.log.warn('serving before the caches synced: cluster names answer SERVFAIL until they do');

  const upstream = (o.upstream ?? readResolvConf().nameservers).map(parseUpstream);
  if (upstream.length === 0) o.log.warn('no upstream resolvers: names outside the cluster answer SERVFAIL');
  const forwarder = new Forwarder(upstream, o.upstreamTimeoutMs ?? 2000);
  const context = (transport: 'udp' | 'tcp'): ResponderContext => ({
    transport,
    view,
    zone,
    forward: (q, t) => forwarder.forward(q, t),
    ready: () => services.hasSynced() && slices.hasSynced() && pods.hasSynced(),
  });
  const udpContext = context('udp');
  const tcpContext = context('tcp');
  const fail = (err: unknown): void => o.log.error(`answering a query: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);

  const onQuery = (udp: UdpSocket): void => {
    udp.on('message', (msg, rinfo) => {
      respond(msg, udpContext)
        .then((answer) => {
          if (answer) udp.send(answer, rinfo.port, rinfo.address);
        })
        .catch(fail);
    });
    udp.on('error', (err) => o.log.error(`udp: ${err.message}`));
  };

  const connections = new Set<Socket>();
  const tcp = createServer((sock) => {
    connections.add(sock);
    sock.setTimeout(TCP_IDLE_MS, () => sock.destroy());
    sock.on('close', () => connections.delete(sock));
    sock.on('error', () => sock.destroy());
    let buf: Buffer = Buffer.alloc(0);
    sock.on('data', (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const query = Buffer.from(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        buf = buf.subarray(2 + query.length);
        respond(query, tcpContext)
          .then((answer) => {
            if (!answer || sock.destroyed) return;
            const len = Buffer.alloc(2);
            len.writeUInt16BE(answer.length, 0);
            sock.write(Buffer.concat([len, answer]));
          })
          .catch(fail);
      }
    });
  });
  let bound: { udp: UdpSocket[]; port: number };
  try {
    bound = host === '0.0.0.0' ? await listenOnEachAddress(localIPv4Addresses(), o.port, onQuery, tcp) : await listenUdpEachAndTcp([host], host, o.port, onQuery, tcp);
  } catch (err) {
    stopped.abort();
    throw err;
  }
  const { udp, port } = bound;
  o.log.info(`serving ${zone} on ${host}:${(tcp.address() as AddressInfo).port} (udp, tcp); upstream ${upstream.map((u) => `${u.host}:${u.port}`).join(', ') || 'none'}`);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      o.signal.removeEventListener('abort', abort);
      stopped.abort();
      forwarder.close();
      for (const socket of udp) socket.close();
      const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
      for (const c of connections) c.destroy();
      await closed;
      await informers.stopped();
    })());
  o.signal.addEventListener('abort', () => void stop(), { once: true });
  return { port, stop };
}
