// Port forwarding over a SPDY session (kubectl 1.27–1.30 directly after an HTTP upgrade;
// 1.31+ inside a WebSocket tunnel). Each forwarded connection opens two streams carrying
// `port` and `requestid` headers: `streamtype: error` (this side writes a message there when
// the forward fails) and `streamtype: data` (the bytes). Both are closed when the pod side of
// the connection ends.
import type { PortStream } from '../kubelet/runtime/runtime.js';
import { RstStatus } from './spdy/frames.js';
import type { SpdySession, SpdyStream } from './spdy/session.js';

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
/** The WebSocket sub-protocol of kubectl 1.31+: SPDY frames inside binary messages. */
export const PORT_FORWARD_TUNNEL_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';

export interface PortForwardTarget {
  /** Connects to the port in the pod's network. */
  open(port: number): Promise<PortStream>;
  /** Names the pod in error messages, e.g. `web, uid 1234`. */
  describe: string;
}

interface Pair {
  port: number;
  error?: SpdyStream;
  data?: SpdyStream;
  timer: NodeJS.Timeout;
}

export function servePortForward(session: SpdySession, target: PortForwardTarget, options: { pairTimeoutMs?: number; log?: (line: string) => void } = {}): void {
  const log = options.log ?? (() => undefined);
  const pairs = new Map<string, Pair>();
  const open = new Set<PortStream>();
  session.onClose(() => {
    for (const p of pairs.values()) clearTimeout(p.timer);
    for (const s of open) s.close();
  });
  session.onStream((stream) => {
    const type = stream.header('streamtype');
    const port = Number(stream.header('port'));
    if ((type !== 'error' && type !== 'data') || !Number.isInteger(port) || port < 1 || port > 65535) {
      log(`port-forward: rejecting stream ${stream.id}: streamtype ${type ?? '-'}, port ${stream.header('port') ?? '-'}`);
      stream.reset(RstStatus.protocolError);
      return;
    }
    const key = stream.header('requestid') ?? `port-${port}`;
    let pair = pairs.get(key);
    if (!pair) {
      const timer = setTimeout(() => {
        pairs.delete(key);
        pair?.error?.reset();
        pair?.data?.reset();
      }, options.pairTimeoutMs ?? 30_000);
      timer.unref();
      pair = { port, timer };
      pairs.set(key, pair);
    }
    if (pair[type]) {
      stream.reset(RstStatus.protocolError);
      return;
    }
    pair[type] = stream;
    stream.reply();
    const { error, data } = pair;
    if (error && data) {
      clearTimeout(pair.timer);
      pairs.delete(key);
      void forward(pair.port, error, data);
    }
  });

  const forward = async (port: number, error: SpdyStream, data: SpdyStream): Promise<void> => {
    // Bytes the client sends before the pod side is connected wait here.
    const early: Buffer[] = [];
    let clientEnded = false;
    let conn: PortStream | undefined;
    data.onData((d) => (conn ? conn.write(d) : early.push(d)));
    data.onEnd(() => (conn ? conn.end() : (clientEnded = true)));
    data.onClose((reason) => {
      if (reason !== 'done') conn?.close();
    });
    error.onData(() => undefined);
    try {
      conn = await target.open(port);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      error.write(Buffer.from(`error forwarding port ${port} to pod ${target.describe}: ${message}`));
      error.end();
      data.end();
      return;
    }
    if (data.closed) {
      conn.close();
      return;
    }
    open.add(conn);
    const c = conn;
    c.onData((d) => data.write(d));
    for (const d of early.splice(0)) c.write(d);
    if (clientEnded) c.end();
    await c.closed.catch(() => undefined);
    open.delete(c);
    data.end();
    error.end();
  };
}
