// The Transport over HTTP(S): a keep-alive connection pool (undici's, which costs a client about
// half the CPU per request of node's http module and sends each request as one segment), a CA
// to trust, and a client certificate or a bearer token; watches are read as newline-delimited
// JSON.
import { watchEvents } from './watch-stream.js';
import { Pool } from 'undici';
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
  /**
   * Connect over this Unix domain socket (a server's `socketPath`, on this machine) instead of
   * TCP; `server` then only gives the scheme, Host header and path prefix, and must be http.
   */
  socketPath?: string;
  /**
   * A non-watch request fails when its answer's headers, or the next part of its body, do not
   * come within this time; a watch fails when its headers do not. Default 60 s.
   */
  requestTimeoutMs?: number;
}

/** An answer as undici's pool gives it. */
type Answer = Awaited<ReturnType<Pool['request']>>;

export class HttpTransport implements Transport {
  /** Path prefix of the server URL. */
  private readonly prefix: string;
  private readonly pool: Pool;
  private readonly headers: Record<string, string>;
  private readonly requestTimeoutMs: number;

  constructor(options: HttpTransportOptions) {
    const base = new URL(options.server);
    const tls = base.protocol === 'https:';
    if (!tls && base.protocol !== 'http:') throw new Error(`unsupported server URL ${options.server}`);
    this.prefix = base.pathname.replace(/\/+$/, '');
    if (tls && options.socketPath !== undefined) throw new Error('a Unix socket connection is plain HTTP: the server URL must be http');
    this.pool = new Pool(base.origin, {
      connect: tls
        ? { ca: options.ca, cert: options.cert, key: options.key, rejectUnauthorized: !options.insecureSkipTlsVerify }
        : options.socketPath !== undefined
          ? { socketPath: options.socketPath }
          : {},
    });
    this.headers = { 'user-agent': options.userAgent ?? 'k8ts' };
    if (options.token) this.headers['authorization'] = `Bearer ${options.token}`;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
  }

  async request(req: TransportRequest): Promise<TransportResponse> {
    const res = await this.open(req, this.requestTimeoutMs);
    return { status: res.statusCode, headers: flatHeaders(res.headers), body: await bytesOf(res.body) };
  }

  async *watch(path: string, query: Query, signal: AbortSignal): AsyncIterable<WatchEvent> {
    if (signal.aborted) return;
    let res: Answer;
    try {
      res = await this.open({ method: 'GET', path, query: { ...query, watch: 'true' }, signal, accept: 'application/json' }, 0);
    } catch (err) {
      if (signal.aborted) return;
      throw err;
    }
    const status = res.statusCode;
    if (status < 200 || status > 299) throw apiErrorFromResponse(status, await bytesOf(res.body));
    try {
      yield* watchEvents(res.body as AsyncIterable<Buffer>, signal);
    } finally {
      res.body.destroy();
    }
  }

  close(): void {
    void this.pool.destroy().catch(() => undefined);
  }

  /** Sends `req`; a `bodyTimeoutMs` of 0 lets the body stream for as long as it lasts (a watch). */
  private open(req: TransportRequest, bodyTimeoutMs: number): Promise<Answer> {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) search.set(k, v);
    const qs = search.size > 0 ? `?${search.toString()}` : '';
    const headers: Record<string, string> = { ...this.headers, accept: req.accept ?? 'application/json' };
    if (req.body) headers['content-type'] = req.contentType ?? 'application/json';
    return this.pool.request({
      method: req.method,
      path: `${this.prefix}${encodePath(req.path)}${qs}`,
      headers,
      body: req.body,
      signal: req.signal,
      headersTimeout: this.requestTimeoutMs,
      bodyTimeout: bodyTimeoutMs,
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

async function bytesOf(body: Answer['body']): Promise<Uint8Array> {
  return new Uint8Array(await body.arrayBuffer());
}

function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}
