// The userspace mode: k8ts itself accepts connections (TCP) and datagrams (UDP) for every
// service port and relays them to an endpoint. For the process runtime (pods on the host
// network) and machines without iptables.
//
// Frontends of one service port (a cluster IP cannot be bound without iptables, so it gets a
// loopback stand-in):
//   cluster IP a.b.c.d:port   → listens on 127.b.c.d:port (`serviceLoopbackAddress`), internal policy
//   node port                 → listens on <nodePortAddress, default 0.0.0.0>:nodePort, external policy
//   load-balancer/external IP → listens on that IP:port when it is an address of this machine
// A listener that goes away stops accepting; its open connections run to their end (draining),
// as do connections to an endpoint that was removed.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../log.js';
import { Balancer } from './balancer.js';
import { usableEndpoints, type ServicePort } from './model.js';

/** The loopback address standing in for a cluster IP: 127 and its last three octets (10.43.0.10 → 127.43.0.10). */
export function serviceLoopbackAddress(clusterIP: string): string {
  const parts = clusterIP.split('.');
  return `127.${parts[1] ?? '0'}.${parts[2] ?? '0'}.${parts[3] ?? '0'}`;
}

export interface UserspaceOptions {
  log: Pick<Logger, 'warn' | 'debug' | 'info'>;
  /** Where node ports listen; default "0.0.0.0". */
  nodePortAddress?: string;
  /** Idle UDP "connections" end after this long; default 30000 ms. */
  udpIdleMs?: number;
  /** Give up on an endpoint that does not accept within this long; default 3000 ms. */
  connectTimeoutMs?: number;
}

export interface Frontend {
  protocol: 'TCP' | 'UDP';
  address: string;
  port: number;
  serviceId: string;
  scope: 'internal' | 'external';
}

interface Listener {
  frontend: Frontend;
  balancer: Balancer;
  close(): void;
}

const ignore = (): void => undefined;
const connectTimedOut = (upstream: Socket): void => {
  upstream.destroy(new Error('connect timeout'));
};
const clientAddress = (client: Socket): string => (client.remoteAddress ?? '').replace(/^::ffff:/, '');

/**
 * Copies `from` to `to` and passes its end on as a half-close. `from` is paused only while `to`
 * is full, and only then does the relay wait for `to` to drain.
 */
function relay(from: Socket, to: Socket): void {
  from.on('data', (chunk: Buffer) => {
    if (to.write(chunk)) return;
    from.pause();
    to.once('drain', () => from.resume());
  });
  from.on('end', () => to.end());
}

const frontendKey = (f: Pick<Frontend, 'protocol' | 'address' | 'port'>): string => `${f.protocol} ${f.address}:${f.port}`;

export class UserspaceProxier {
  private readonly listeners = new Map<string, Listener>();
  private readonly failed = new Set<string>();
  private readonly sockets = new Set<Socket | UdpSocket>();

  constructor(private readonly o: UserspaceOptions) {}

  /** Listening frontends (for tests and logs). */
  frontends(): Frontend[] {
    return [...this.listeners.values()].map((l) => l.frontend);
  }

  /** Brings listeners and endpoint sets in line with `ports`. */
  async update(ports: readonly ServicePort[]): Promise<void> {
    const wanted = new Map<string, { frontend: Frontend; sp: ServicePort }>();
    for (const sp of ports) {
      if (sp.protocol === 'SCTP') continue;
      const protocol = sp.protocol;
      const add = (address: string, port: number, scope: Frontend['scope']): void => {
        const f: Frontend = { protocol, address, port, serviceId: sp.id, scope };
        wanted.set(frontendKey(f), { frontend: f, sp });
      };
      for (const ip of sp.clusterIPs) add(serviceLoopbackAddress(ip), sp.port, 'internal');
      if (sp.nodePort !== undefined) add(this.o.nodePortAddress ?? '0.0.0.0', sp.nodePort, 'external');
      for (const ip of [...sp.loadBalancerIPs, ...sp.externalIPs]) add(ip, sp.port, 'external');
    }
    for (const [key, l] of this.listeners) {
      const w = wanted.get(key);
      if (!w || w.frontend.serviceId !== l.frontend.serviceId) {
        l.close();
        this.listeners.delete(key);
        this.o.log.debug(`userspace: stopped ${key} (${l.frontend.serviceId})`);
      }
    }
    for (const key of this.failed) if (!wanted.has(key)) this.failed.delete(key);
    const opening: Promise<void>[] = [];
    for (const [key, { frontend, sp }] of wanted) {
      const localOnly = frontend.scope === 'internal' ? sp.internalTrafficPolicy === 'Local' : sp.externalTrafficPolicy === 'Local';
      const eps = usableEndpoints(sp.endpoints, { localOnly });
      const existing = this.listeners.get(key);
      if (existing) {
        existing.balancer.update(eps, sp.affinityTimeoutSeconds);
        continue;
      }
      const balancer = new Balancer();
      balancer.update(eps, sp.affinityTimeoutSeconds);
      opening.push(
        this.open(frontend, balancer).then(
          (l) => {
            this.listeners.set(key, l);
            this.failed.delete(key);
            this.o.log.debug(`userspace: listening on ${key} for ${frontend.serviceId}`);
          },
          (err: unknown) => {
            if (!this.failed.has(key)) this.o.log.warn(`userspace: cannot listen on ${key} for ${frontend.serviceId}: ${err instanceof Error ? err.message : String(err)}`);
            this.failed.add(key);
          },
        ),
      );
    }
    await Promise.all(opening);
  }

  /** Stops every listener and cuts every relayed connection. */
  async close(): Promise<void> {
    for (const l of this.listeners.values()) l.close();
    this.listeners.clear();
    for (const s of this.sockets) {
      if ('destroy' in s) s.destroy();
      else s.close();
    }
    this.sockets.clear();
  }

  private open(f: Frontend, balancer: Balancer): Promise<Listener> {
    return f.protocol === 'TCP' ? this.openTcp(f, balancer) : this.openUdp(f, balancer);
  }

  private openTcp(f: Frontend, balancer: Balancer): Promise<Listener> {
    // pauseOnConnect: nothing is read from a client before its endpoint accepted (a refused
    // endpoint is retried with another one, and the client's bytes must not be lost to it).
    // allowHalfOpen: a client's FIN is passed on and the endpoint can still answer.
    const server: Server = createServer({ noDelay: true, pauseOnConnect: true, allowHalfOpen: true }, (client) => this.relayTcp(f, balancer, client));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: f.address, port: f.port, exclusive: true }, () => {
        server.off('error', reject);
        server.on('error', (err) => this.o.log.warn(`userspace: ${frontendKey(f)}: ${err.message}`));
        resolve({ frontend: f, balancer, close: () => server.close() });
      });
    });
  }

  // Per connection: the client's address is read (a getpeername call) only for ClientIP
  // affinity or the log line, and the set of endpoints tried only after a refusal.
  private relayTcp(f: Frontend, balancer: Balancer, client: Socket): void {
    this.track(client);
    client.on('error', ignore);
    const clientIp = balancer.sticky ? clientAddress(client) : '';
    this.connectUpstream(f, balancer, client, clientIp, undefined);
  }

  private connectUpstream(f: Frontend, balancer: Balancer, client: Socket, clientIp: string, tried: Set<string> | undefined): void {
    const ep = balancer.pick(clientIp, tried);
    if (!ep || client.destroyed) {
      if (!client.destroyed) this.o.log.debug(`userspace: ${f.serviceId}: no endpoint accepted a connection from ${clientAddress(client)}`);
      client.destroy();
      return;
    }
    const upstream = connect({ host: ep.ip, port: ep.port, noDelay: true, allowHalfOpen: true });
    const timer = setTimeout(connectTimedOut, this.o.connectTimeoutMs ?? 3000, upstream);
    const failed = (): void => {
      clearTimeout(timer);
      upstream.destroy();
      const again = tried ?? new Set<string>();
      again.add(ep.key);
      this.connectUpstream(f, balancer, client, clientIp, again);
    };
    upstream.once('error', failed);
    upstream.once('connect', () => {
      clearTimeout(timer);
      upstream.off('error', failed);
      upstream.on('error', ignore);
      // A client that went away while its endpoint was being reached leaves nothing to relay.
      if (client.destroyed) {
        upstream.destroy();
        return;
      }
      // Each socket closes itself once both of its directions ended (or on an error); then its
      // peer is cut too.
      this.track(upstream);
      upstream.on('close', () => client.destroy());
      client.on('close', () => upstream.destroy());
      relay(client, upstream);
      relay(upstream, client);
      client.resume();
    });
  }

  private track(s: Socket): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
  }

  private openUdp(f: Frontend, balancer: Balancer): Promise<Listener> {
    const server = createSocket({ type: 'udp4', reuseAddr: false });
    const sessions = new Map<string, { upstream: UdpSocket; end: () => void; timer: NodeJS.Timeout; ip: string; port: number }>();
    const idleMs = this.o.udpIdleMs ?? 30_000;
    server.on('message', (msg, rinfo) => {
      const key = `${rinfo.address}:${rinfo.port}`;
      let s = sessions.get(key);
      if (!s) {
        const ep = balancer.pick(rinfo.address);
        if (!ep) return;
        const upstream = createSocket('udp4');
        this.sockets.add(upstream);
        const end = (): void => {
          clearTimeout(session.timer);
          sessions.delete(key);
          this.sockets.delete(upstream);
          upstream.close();
        };
        const session = { upstream, end, timer: setTimeout(end, idleMs), ip: ep.ip, port: ep.port };
        upstream.on('error', end);
        upstream.on('message', (reply, from) => {
          if (from.address !== session.ip || from.port !== session.port) return;
          session.timer.refresh();
          server.send(reply, rinfo.port, rinfo.address);
        });
        sessions.set(key, session);
        s = session;
      }
      s.timer.refresh();
      s.upstream.send(msg, s.port, s.ip);
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.bind({ address: f.address, port: f.port, exclusive: true }, () => {
        server.off('error', reject);
        server.on('error', (err) => this.o.log.warn(`userspace: ${frontendKey(f)}: ${err.message}`));
        // Replies must leave through the frontend socket, so its sessions end with it.
        const close = (): void => {
          for (const session of [...sessions.values()]) session.end();
          server.close();
        };
        resolve({ frontend: f, balancer, close });
      });
    });
  }
}
