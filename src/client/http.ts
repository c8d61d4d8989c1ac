// The Transport over HTTP(S): a keep-alive agent, a CA to trust, and a client certificate or a
// bearer token; watches are read as newline-delimited JSON.
import { watchEvents } from './watch-stream.js';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createClient, type ApiClient, type Query, type Transport, type TransportRequest, type TransportResponse, type WatchEvent } from './client.js';
import { loadKubeconfig, type KubeconfigSelection } from './kubeconfig.js';
import { apiErrorFromResponse } from './status.js';

export interface HttpTransportOptions {
  /** Base URL, e.g. `https://127.0.0.1:6443` (a path prefix is kept). */
  server: string;
  /** PEM of the CA(s) that signed the server certificate. */
  ca?: string | Buffer;
  /** PEM client certificate and key (mutual TLS). */
  cert?: string | Buffer;
  key?: string | Buffer;
  token?: string;
  /** Accept any server certificate (kubeconfig `insecure-skip-tls-verify`). */
  insecureSkipTlsVerify?: boolean;
  userAgent?: string;
  /** Non-watch requests fail when no answer completes in this time. Default 60 s. */
  requestTimeoutMs?: number;
}


export class HttpTransport implements Transport {
  /** Host, port and path prefix of the server URL, for building each request without a URL object. */
  private readonly target: { hostname: string; port: string; prefix: string };
  private readonly agent: HttpAgent;
  private readonly send: typeof httpRequest;
  private readonly headers: Record<string, string>;
  private readonly requestTimeoutMs: number;

  constructor(options: HttpTransportOptions) {
    const base = new URL(options.server);
    const tls = base.protocol === 'https:';
    if (!tls && base.protocol !== 'http:') throw new Error(`unsupported server URL ${options.server}`);
    // `hostname` keeps IPv6 brackets; node's request wants the bare address.
    this.target = { hostname: base.hostname.replace(/^\[(.*)\]$/, '$1'), port: base.port, prefix: base.pathname.replace(/\/+$/, '') };
    this.agent = tls
      ? new HttpsAgent({
          keepAlive: true,
          ca: options.ca,
          cert: options.cert,
          key: options.key,
          rejectUnauthorized: !options.insecureSkipTlsVerify,
        })
      : new HttpAgent({ keepAlive: true });
    this.send = tls ? httpsRequest : httpRequest;
    this.headers = { 'user-agent': options.userAgent ?? 'k8ts' };
    if (options.token) this.headers['authorization'] = `Bearer ${options.token}`;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
  }

  async request(req: TransportRequest): Promise<TransportResponse> {
    const res = await this.open(req, { timeoutMs: this.requestTimeoutMs });
    const body = await readAll(res);
    return { status: res.statusCode ?? 0, headers: flatHeaders(res), body };
  }

  async *watch(path: string, query: Query, signal: AbortSignal): AsyncIterable<WatchEvent> {
    if (signal.aborted) return;
    let res: IncomingMessage;
    try {
      res = await this.open({ method: 'GET', path, query: { ...query, watch: 'true' }, signal, accept: 'application/json' }, { timeoutMs: undefined });
    } catch (err) {
      if (signal.aborted) return;
      throw err;
    }
    const status = res.statusCode ?? 0;
    if (status < 200 || status > 299) throw apiErrorFromResponse(status, await readAll(res));
    try {
      yield* watchEvents(res as AsyncIterable<Buffer>, signal);
    } finally {
      res.destroy();
    }
  }

  close(): void {
    this.agent.destroy();
  }

  private open(req: TransportRequest, o: { timeoutMs: number | undefined }): Promise<IncomingMessage> {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) search.set(k, v);
    const qs = search.size > 0 ? `?${search.toString()}` : '';
    const path = `${this.target.prefix}${encodePath(req.path)}${qs}`;
    const headers: Record<string, string> = { ...this.headers, accept: req.accept ?? 'application/json' };
    if (req.body) {
      headers['content-type'] = req.contentType ?? 'application/json';
      headers['content-length'] = String(req.body.byteLength);
    }
    return new Promise((resolve, reject) => {
      const r = this.send({ hostname: this.target.hostname, port: this.target.port, path, method: req.method, headers, agent: this.agent, signal: req.signal }, resolve);
      r.on('error', reject);
      if (o.timeoutMs !== undefined) {
        const ms = o.timeoutMs;
        r.setTimeout(ms, () => r.destroy(new Error(`${req.method} ${req.path}: no answer within ${ms} ms`)));
      }
      r.end(req.body);
    });
  }
}

/** A client for the cluster and user a kubeconfig names (its current context by default). */
export function clientFromKubeconfig(path: string, selection: KubeconfigSelection = {}): ApiClient {
  return createClient(new HttpTransport(loadKubeconfig(path, selection).transport));
}


/** The path as a URL would send it: the usual path as it is, anything else escaped by the URL parser. */
function encodePath(path: string): string {
  if (/^[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*$/.test(path)) return path;
  const url = new URL('http://host');
  url.pathname = path;
  return url.pathname;
}

async function readAll(res: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of res as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function flatHeaders(res: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) {
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}
