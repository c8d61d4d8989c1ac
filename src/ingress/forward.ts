// One HTTP request (or Upgrade, e.g. WebSocket) relayed to a backend: hop-by-hop headers
// dropped, X-Forwarded-* added, bodies streamed both ways. Answers 502 when the backend cannot
// be reached and 504 when it does not answer in time.
import { Agent, request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

export interface ForwardContext {
  scheme: 'http' | 'https';
  /** Port the client connected to (X-Forwarded-Port). */
  port: number;
}

/** Kept-alive connections to backends; one per controller, destroyed when it stops. */
export function createBackendAgent(): Agent {
  return new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 256 });
}

/** The headers sent upstream. */
export function upstreamHeaders(req: IncomingMessage, ctx: ForwardContext): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const listed = new Set((req.headers.connection ?? '').split(',').map((s) => s.trim().toLowerCase()));
  for (const [name, value] of Object.entries(req.headers as IncomingHttpHeaders)) {
    if (value === undefined || HOP_BY_HOP.has(name) || listed.has(name)) continue;
    out[name] = value;
  }
  const client = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  const prior = req.headers['x-forwarded-for'];
  out['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${client}` : client;
  out['x-real-ip'] = client;
  out['x-forwarded-proto'] = ctx.scheme;
  out['x-forwarded-host'] = req.headers.host ?? '';
  out['x-forwarded-port'] = String(ctx.port);
  return out;
}

export function forwardRequest(req: IncomingMessage, res: ServerResponse, target: { host: string; port: number }, ctx: ForwardContext, o: { agent: Agent; timeoutMs: number }): void {
  const upstream = request({
    host: target.host,
    port: target.port,
    method: req.method,
    path: req.url,
    headers: upstreamHeaders(req, ctx),
    agent: o.agent,
    timeout: o.timeoutMs,
  });
  upstream.on('response', (up) => {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(up.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    res.writeHead(up.statusCode ?? 502, up.statusMessage, headers);
    up.pipe(res);
    up.on('error', () => res.destroy());
  });
  upstream.on('timeout', () => upstream.destroy(new Error('timeout')));
  upstream.on('error', (err) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const status = err.message === 'timeout' ? 504 : 502;
    res.writeHead(status, { 'content-type': 'text/plain' }).end(`${status === 504 ? 'Gateway Timeout' : 'Bad Gateway'}\n`);
  });
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
}

/** Relays an Upgrade request: the raw request goes up, then both sockets are piped. */
export function forwardUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: { host: string; port: number }, ctx: ForwardContext): void {
  const up = connect({ host: target.host, port: target.port });
  // A tunnel ends as a whole: HTTP servers keep half-open sockets, which would otherwise linger.
  const end = (): void => {
    up.destroy();
    socket.destroy();
  };
  for (const s of [socket, up]) {
    s.on('error', end);
    s.on('end', end);
    s.on('close', end);
  }
  up.on('connect', () => {
    const headers = upstreamHeaders(req, ctx);
    headers['connection'] = 'Upgrade';
    if (req.headers.upgrade) headers['upgrade'] = req.headers.upgrade;
    const lines = [`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1`];
    for (const [name, value] of Object.entries(headers)) for (const v of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${v}`);
    up.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length) up.write(head);
    up.pipe(socket);
    socket.pipe(up);
  });
}
