// Relaying one request to an extension API server, as Kubernetes' aggregator proxy does: the
// method, path, query and body go on unchanged with the caller's identity in front-proxy headers
// (identity-headers.ts), over TLS with this server's front-proxy client certificate; the answer
// streams back (watches included), and a connection upgrade (WebSocket, SPDY) is relayed byte
// for byte. Failures are plain-text 503s, as the aggregator writes them.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import { checkServerIdentity, connect as tlsConnect, type ConnectionOptions, type PeerCertificate } from 'node:tls';
import type { UserInfo } from '../authn/user.js';
import type { BackendTls } from './backend.js';
import { backendHeaders } from './identity-headers.js';
import { spliceUpgrade } from '../handlers/splice.js';
import { HOP_BY_HOP } from '../handlers/proxy-forward.js';

export interface Backend {
  host: string;
  port: number;
  tls: BackendTls;
}

/** Kubernetes' proxy dialer gives up connecting after 30 s. */
const CONNECT_TIMEOUT_MS = 30_000;


/** The TLS options of a connection to the backend; the certificate is checked for the Service's DNS name, not the endpoint IP. */
export function tlsOptions(b: Backend): ConnectionOptions {
  const servername = b.tls.servername;
  return {
    host: b.host,
    port: b.port,
    ca: b.tls.ca,
    cert: b.tls.cert,
    key: b.tls.key,
    rejectUnauthorized: b.tls.rejectUnauthorized,
    servername,
    checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(servername, cert),
  };
}

/** A plain-text error as Go's http.Error writes it. */
export function proxyError(res: ServerResponse, code: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = `${message}\n`;
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export function proxyRequest(req: IncomingMessage, res: ServerResponse, user: UserInfo, backend: Backend): Promise<void> {
  const headers = backendHeaders(req.headers, user, { keepUpgrade: false, clientAddress: req.socket.remoteAddress });
  return new Promise<void>((resolve) => {
    const upstream = httpsRequest({ ...tlsOptions(backend), method: req.method ?? 'GET', path: req.url ?? '/', headers, agent: false }, (up) => {
      for (const [name, value] of Object.entries(up.headers)) {
        if (value !== undefined && !HOP_BY_HOP.has(name)) res.setHeader(name, value);
      }
      res.writeHead(up.statusCode ?? 502);
      res.flushHeaders();
      up.pipe(res);
      up.on('end', () => resolve());
      up.on('error', () => {
        res.destroy();
        resolve();
      });
    });
    const timer = setTimeout(() => upstream.destroy(new Error('i/o timeout')), CONNECT_TIMEOUT_MS);
    upstream.on('socket', (s) => s.once('secureConnect', () => clearTimeout(timer)));
    upstream.on('close', () => clearTimeout(timer));
    upstream.on('error', (err) => {
      clearTimeout(timer);
      proxyError(res, 503, `error trying to reach service: ${err.message}`);
      resolve();
    });
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    if (req.readableEnded) upstream.end();
    else req.pipe(upstream);
  });
}

/** Relays an upgrade: the request goes on as it came (identity headers replaced), then bytes both ways. */
export async function proxyUpgradeRequest(req: IncomingMessage, socket: Duplex, head: Buffer, user: UserInfo, backend: Backend): Promise<void> {
  const upstream = await new Promise<Duplex>((resolve, reject) => {
    const s = tlsConnect(tlsOptions(backend), () => {
      clearTimeout(timer);
      resolve(s);
    });
    const timer = setTimeout(() => s.destroy(new Error('i/o timeout')), CONNECT_TIMEOUT_MS);
    s.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  const lines = [`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1`, `Host: ${backend.tls.servername}`];
  for (const [name, value] of Object.entries(backendHeaders(req.headers, user, { keepUpgrade: true, clientAddress: req.socket.remoteAddress }))) {
    for (const v of Array.isArray(value) ? value : [String(value)]) lines.push(`${name}: ${v}`);
  }
  spliceUpgrade(upstream, socket, `${lines.join('\r\n')}\r\n\r\n`, head);
}
