// Forwarding one proxy request to its backend, as Kubernetes' upgrade-aware proxy handler does
// for nodes/proxy, pods/proxy and services/proxy: every request header but the hop-by-hop ones
// and the client's credentials (Authorization, Impersonate-*) goes on, with X-Forwarded-For and
// X-Forwarded-Uri added; the method, path, query and body pass through; the answer's status,
// headers (less hop-by-hop and CORS ones) and body stream back, its Location and HTML links
// pointed through the proxy (proxy-rewrite.ts). A connection upgrade (WebSocket) is relayed
// byte for byte. A GET or HEAD of `…/proxy` without a trailing slash is answered with a 301 to
// `…/proxy/`, as Kubernetes does.
import { request as httpRequest, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Duplex } from 'node:stream';
import { ApiError } from '../../api/errors.js';
import { methodNotAllowed } from '../http/respond.js';
import type { ResourceRoute } from '../routing.js';
import type { RequestContext } from './context.js';
import { hostPort, splitProxyPath, type ProxyTarget } from './proxy-location.js';
import { rewriteHtmlBody, rewriteUrl, type RewriteContext } from './proxy-rewrite.js';
import { spliceUpgrade } from './splice.js';

/** The methods Kubernetes' proxy subresources accept. */
const PROXY_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

/** Hop-by-hop headers (RFC 7230), never passed on by a proxy. */
export const HOP_BY_HOP: ReadonlySet<string> = new Set(['connection', 'proxy-connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
const CORS = new Set(['access-control-allow-credentials', 'access-control-allow-headers', 'access-control-allow-methods', 'access-control-allow-origin']);

/** Kubernetes' proxy dialer gives up connecting after 30 s. */
const CONNECT_TIMEOUT_MS = 30_000;

/** Largest HTML page buffered to rewrite its links; a larger one passes through as it is. */
const MAX_REWRITTEN_HTML_BYTES = 16 * 1024 * 1024;

export function checkProxyMethod(method: string): void {
  if (!PROXY_METHODS.has(method)) throw methodNotAllowed();
}

/** Sends the request to `target` and streams the answer back. */
export function forwardHttp(ctx: RequestContext, route: ResourceRoute, target: ProxyTarget): Promise<void> {
  // The method was checked (checkProxyMethod) before the target was looked up.
  const method = ctx.req.method ?? 'GET';
  const { prefix, rest } = splitProxyPath(ctx.url.pathname, route);
  if (rest === '' && (method === 'GET' || method === 'HEAD')) {
    ctx.res.writeHead(301, { Location: `${ctx.url.pathname}/${ctx.url.search}`, 'Content-Length': '0' });
    ctx.res.end();
    return Promise.resolve();
  }
  const headers = forwardedHeaders(ctx.req, true);
  headers['x-forwarded-uri'] = rest === '' ? prefix : ctx.url.pathname;
  const rewrite: RewriteContext = { prefix, backendHost: hostPort(target), requestHost: ctx.req.headers.host ?? '' };
  return new Promise<void>((resolve, reject) => {
    const upstream = openRequest(target, { method, path: `${rest === '' ? '/' : rest}${ctx.url.search}`, headers }, (up) => {
      relayAnswer(ctx, up, rewrite, resolve);
    });
    upstream.on('error', (err) => {
      if (ctx.res.headersSent) {
        ctx.res.destroy();
        resolve();
      } else reject(new ApiError('ServiceUnavailable', `error trying to reach service: ${dialError(err, target)}`));
    });
    ctx.res.on('close', () => {
      if (!ctx.res.writableFinished) upstream.destroy();
    });
    if (ctx.req.readableEnded) upstream.end();
    else ctx.req.pipe(upstream);
  });
}

function openRequest(target: ProxyTarget, o: { method: string; path: string; headers: OutgoingHttpHeaders }, onResponse: (res: IncomingMessage) => void): ClientRequest {
  const options = { host: target.host, port: target.port, method: o.method, path: o.path, headers: o.headers };
  const req =
    target.scheme === 'https'
      ? httpsRequest(
          // The backend is verified for the address dialled, as Go's transport does; without an
          // explicit servername node would take it from the forwarded Host header (the caller's).
          { ...options, servername: isIP(target.host) ? '' : target.host, rejectUnauthorized: Boolean(target.tls?.ca), ca: target.tls?.ca, cert: target.tls?.cert, key: target.tls?.key },
          onResponse,
        )
      : httpRequest(options, onResponse);
  req.on('socket', (socket) => {
    if (!socket.connecting) return;
    const timer = setTimeout(() => req.destroy(Object.assign(new Error('i/o timeout'), { code: 'ETIMEDOUT' })), CONNECT_TIMEOUT_MS);
    socket.once('connect', () => clearTimeout(timer));
    socket.once('close', () => clearTimeout(timer));
  });
  return req;
}

function relayAnswer(ctx: RequestContext, up: IncomingMessage, rewrite: RewriteContext, done: () => void): void {
  const connectionListed = listedInConnection(up.headers);
  for (const [name, value] of Object.entries(up.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || CORS.has(name) || connectionListed.has(name)) continue;
    ctx.res.setHeader(name, value);
  }
  const status = up.statusCode ?? 502;
  const location = up.headers.location;
  if (location) ctx.res.setHeader('location', rewriteUrl(location, rewrite));
  const type = (up.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  const length = Number(up.headers['content-length'] ?? '0');
  if (!location && type === 'text/html' && ctx.req.method !== 'HEAD' && length <= MAX_REWRITTEN_HTML_BYTES) {
    relayHtml(ctx, up, status, rewrite, done);
    return;
  }
  ctx.res.writeHead(status);
  ctx.res.flushHeaders();
  up.pipe(ctx.res);
  up.on('end', done);
  endTogether(ctx, up, done);
}

/** A backend that fails ends the answer; a client that goes away ends the backend's. */
function endTogether(ctx: RequestContext, up: IncomingMessage, done: () => void): void {
  up.on('error', () => {
    ctx.res.destroy();
    done();
  });
  ctx.res.on('close', () => {
    up.destroy();
    done();
  });
}

/** An HTML page is read whole, its links rewritten, and sent with its new length. */
function relayHtml(ctx: RequestContext, up: IncomingMessage, status: number, rewrite: RewriteContext, done: () => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  up.on('data', (c: Buffer) => {
    chunks.push(c);
    size += c.length;
    if (size > MAX_REWRITTEN_HTML_BYTES) up.destroy(new Error('HTML page too large to rewrite'));
  });
  up.on('end', () => {
    const body = Buffer.concat(chunks);
    const out = rewriteHtmlBody(body, up.headers['content-encoding'], rewrite) ?? body;
    ctx.res.setHeader('content-length', String(out.length));
    ctx.res.writeHead(status);
    ctx.res.end(out);
    done();
  });
  endTogether(ctx, up, done);
}

/** Request headers as the backend gets them. */
function forwardedHeaders(req: IncomingMessage, dropHopByHop: boolean): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const connectionListed = dropHopByHop ? listedInConnection(req.headers) : new Set<string>();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name === 'authorization' || name.startsWith('impersonate-')) continue;
    if (dropHopByHop && (HOP_BY_HOP.has(name) || connectionListed.has(name))) continue;
    out[name] = value;
  }
  const client = req.socket.remoteAddress;
  if (client) {
    const prior = req.headers['x-forwarded-for'];
    out['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${client}` : client;
  }
  return out;
}

function listedInConnection(headers: IncomingHttpHeaders): Set<string> {
  const c = headers.connection;
  return new Set((c ?? '').split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== ''));
}

/** A connection failure worded as Go's dialer words it (what Kubernetes' messages carry). */
function dialError(err: Error, target: ProxyTarget): string {
  const addr = hostPort(target);
  switch ((err as NodeJS.ErrnoException).code) {
    case 'ECONNREFUSED':
      return `dial tcp ${addr}: connect: connection refused`;
    case 'EHOSTUNREACH':
      return `dial tcp ${addr}: connect: no route to host`;
    case 'ENETUNREACH':
      return `dial tcp ${addr}: connect: network is unreachable`;
    case 'ETIMEDOUT':
      return `dial tcp ${addr}: i/o timeout`;
    default:
      return err.message;
  }
}

/**
 * Relays a connection upgrade (WebSocket, SPDY) to `target`: the request line is rewritten to
 * the backend path, headers go on (credentials removed, X-Forwarded-For added), then bytes flow
 * both ways untouched, the backend's own answer (101 or an error) included.
 */
export async function forwardUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, route: ResourceRoute, url: URL, target: ProxyTarget): Promise<void> {
  const { rest } = splitProxyPath(url.pathname, route);
  const upstream: Socket = await new Promise((resolve, reject) => {
    const s =
      target.scheme === 'https'
        ? tlsConnect({ host: target.host, port: target.port, rejectUnauthorized: Boolean(target.tls?.ca), ca: target.tls?.ca, cert: target.tls?.cert, key: target.tls?.key }, () => resolve(s))
        : netConnect({ host: target.host, port: target.port }, () => resolve(s));
    const timer = setTimeout(() => s.destroy(Object.assign(new Error('i/o timeout'), { code: 'ETIMEDOUT' })), CONNECT_TIMEOUT_MS);
    s.once('connect', () => clearTimeout(timer));
    s.once('error', (err) => {
      clearTimeout(timer);
      reject(new ApiError('ServiceUnavailable', `error dialing backend: ${dialError(err, target)}`));
    });
  });
  const lines = [`${req.method ?? 'GET'} ${rest === '' ? '/' : rest}${url.search} HTTP/1.1`];
  for (const [name, value] of Object.entries(forwardedHeaders(req, false))) {
    for (const v of Array.isArray(value) ? value : [String(value)]) lines.push(`${name}: ${v}`);
  }
  spliceUpgrade(upstream, socket, `${lines.join('\r\n')}\r\n\r\n`, head);
}
