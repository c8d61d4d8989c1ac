// Forwarding of names outside the cluster to the upstream resolvers: the query is relayed as
// bytes under a fresh ID (UDP over one shared socket per address family, TCP over a connection
// per query), each upstream tried in turn within a timeout. No answer → the caller says SERVFAIL.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, isIPv6 } from 'node:net';

export interface Upstream {
  host: string;
  port: number;
}

/** "10.0.0.1", "10.0.0.1:5353", "::1" or "[::1]:5353". */
export function parseUpstream(text: string): Upstream {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return { host: bracketed[1] ?? '', port: Number(bracketed[2] ?? 53) };
  if (isIPv6(text)) return { host: text, port: 53 };
  const [host = '', port] = text.split(':');
  return { host, port: Number(port ?? 53) };
}

interface Pending {
  upstream: Upstream;
  resolve: (answer: Buffer | undefined) => void;
}

export class Forwarder {
  private readonly sockets = new Map<'udp4' | 'udp6', UdpSocket>();
  private readonly pending = new Map<number, Pending>();
  private closed = false;

  constructor(
    private readonly upstreams: readonly Upstream[],
    private readonly timeoutMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** The upstream's answer with the query's own ID, or undefined when every upstream failed. */
  async forward(query: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    const id = query.readUInt16BE(0);
    for (const upstream of this.upstreams) {
      if (this.closed) return undefined;
      const answer = transport === 'udp' ? await this.viaUdp(query, upstream) : await this.viaTcp(query, upstream);
      if (answer && answer.length >= 12) {
        answer.writeUInt16BE(id, 0);
        return answer;
      }
    }
    return undefined;
  }

  private socket(family: 'udp4' | 'udp6'): UdpSocket {
    let s = this.sockets.get(family);
    if (!s) {
      s = createSocket(family);
      s.on('message', (msg, rinfo) => {
        if (msg.length < 12) return;
        const p = this.pending.get(msg.readUInt16BE(0));
        // Only the upstream asked may answer (a spoofed reply from elsewhere is dropped).
        if (!p || p.upstream.port !== rinfo.port || normalize(p.upstream.host) !== normalize(rinfo.address)) return;
        p.resolve(msg);
      });
      s.on('error', () => undefined);
      s.unref();
      this.sockets.set(family, s);
    }
    return s;
  }

  private viaUdp(query: Buffer, upstream: Upstream): Promise<Buffer | undefined> {
    const id = this.freeId();
    if (id === undefined) return Promise.resolve(undefined);
    const out = Buffer.from(query);
    out.writeUInt16BE(id, 0);
    return new Promise((resolve) => {
      const finish = (answer: Buffer | undefined): void => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(answer);
      };
      const timer = setTimeout(() => finish(undefined), this.timeoutMs);
      this.pending.set(id, { upstream, resolve: finish });
      this.socket(isIPv6(upstream.host) ? 'udp6' : 'udp4').send(out, upstream.port, upstream.host, (err) => {
        if (err) finish(undefined);
      });
    });
  }

  private freeId(): number | undefined {
    for (let i = 0; i < 64; i++) {
      const id = Math.floor(this.random() * 0x10000);
      if (!this.pending.has(id)) return id;
    }
    return undefined;
  }

  private viaTcp(query: Buffer, upstream: Upstream): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      const sock = connect({ host: upstream.host, port: upstream.port });
      let buf = Buffer.alloc(0);
      const finish = (answer: Buffer | undefined): void => {
        clearTimeout(timer);
        sock.destroy();
        resolve(answer);
      };
      const timer = setTimeout(() => finish(undefined), this.timeoutMs);
      sock.on('error', () => finish(undefined));
      sock.on('close', () => finish(undefined));
      sock.on('connect', () => {
        const len = Buffer.alloc(2);
        len.writeUInt16BE(query.length, 0);
        sock.write(Buffer.concat([len, query]));
      });
      sock.on('data', (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) finish(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      });
    });
  }

  close(): void {
    this.closed = true;
    for (const p of this.pending.values()) p.resolve(undefined);
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
  }
}

function normalize(host: string): string {
  return host.replace(/^::ffff:/, '').toLowerCase();
}
