// Test support: an API server on MemoryStorage over plain HTTP with one admin token (user
// "admin" in group system:masters, so RBAC allows it everything), and small request helpers. Only *.test.ts files import this.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { MemoryStorage } from '../storage/memory/memory.js';
import type { Storage } from '../storage/storage.js';
import { startApiServer, type ApiServerOptions, type RunningApiServer } from './server.js';

export const ADMIN_TOKEN = 'test-admin-token';

export interface TestServer extends RunningApiServer {
  storage: Storage;
  req(method: string, path: string, options?: RequestOptions): Promise<TestResponse>;
}

export interface RequestOptions {
  body?: unknown;
  /** Raw body bytes/text sent as is. */
  raw?: string | Buffer;
  contentType?: string;
  accept?: string;
  token?: string | null;
  /** Extra request headers (a list sends the header once per value, as Impersonate-Group). */
  headers?: Record<string, string | string[]>;
}

export interface TestResponse {
  status: number;
  headers: IncomingMessage['headers'];
  text: string;
  json(): Record<string, unknown> & { metadata?: Record<string, unknown>; items?: Record<string, unknown>[] };
}

export async function startTestServer(extra: Partial<ApiServerOptions> = {}): Promise<TestServer> {
  const storage = extra.storage ?? new MemoryStorage();
  const server = await startApiServer({
    storage,
    port: 0,
    tokens: new Map([[ADMIN_TOKEN, { username: 'admin', groups: ['system:masters'] }]]),
    // No serviceaccount controller runs here to create `default` accounts; tests of the
    // ServiceAccount plugin turn it back on and create their accounts.
    serviceAccountAdmission: false,
    ...extra,
  });
  const closeServer = server.close;
  return Object.assign(server, {
    storage,
    req: (method: string, path: string, options: RequestOptions = {}) => send(server.url, method, path, options),
    close: async () => {
      await closeServer();
      await storage.close();
    },
  });
}

export function send(base: string, method: string, path: string, o: RequestOptions = {}): Promise<TestResponse> {
  const body = o.raw !== undefined ? Buffer.from(o.raw) : o.body !== undefined ? Buffer.from(JSON.stringify(o.body)) : undefined;
  const headers: Record<string, string | string[]> = { ...o.headers };
  if (o.token !== null) headers['authorization'] = `Bearer ${o.token ?? ADMIN_TOKEN}`;
  if (body) {
    headers['content-type'] = o.contentType ?? 'application/json';
    headers['content-length'] = String(body.length);
  }
  if (o.accept) headers['accept'] = o.accept;
  return new Promise((resolve, reject) => {
    const r = httpRequest(new URL(path, base), { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text,
          json: () => JSON.parse(text) as ReturnType<TestResponse['json']>,
        });
      });
      res.on('error', reject);
    });
    r.on('error', reject);
    if (body) r.write(body);
    r.end();
  });
}

export interface WatchEvent {
  type: string;
  object: Record<string, unknown> & { metadata?: Record<string, unknown> };
}

/** A watch stream collecting events; `next()` waits (with a deadline) for the next one. */
export interface WatchStream {
  status: number;
  next(timeoutMs?: number): Promise<WatchEvent>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

export function openWatch(base: string, path: string, options: { accept?: string } = {}): Promise<WatchStream> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` };
    if (options.accept) headers['accept'] = options.accept;
    const r = httpRequest(new URL(path, base), { method: 'GET', headers }, (res) => {
      const queue: WatchEvent[] = [];
      const waiters: ((e: WatchEvent) => void)[] = [];
      let buf = '';
      let endResolve: () => void = () => undefined;
      const ended = new Promise<void>((r2) => (endResolve = r2));
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (!line.trim()) continue;
          const ev = JSON.parse(line) as WatchEvent;
          const w = waiters.shift();
          if (w) w(ev);
          else queue.push(ev);
        }
      });
      res.on('end', () => endResolve());
      res.on('close', () => endResolve());
      resolve({
        status: res.statusCode ?? 0,
        ended,
        next: (timeoutMs = 5000) =>
          new Promise<WatchEvent>((res2, rej2) => {
            const q = queue.shift();
            if (q) return res2(q);
            const t = setTimeout(() => rej2(new Error('no watch event before the deadline')), timeoutMs);
            waiters.push((e) => {
              clearTimeout(t);
              res2(e);
            });
          }),
        close: () => r.destroy(),
      });
    });
    r.on('error', (err) => {
      if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(err);
    });
    r.end();
  });
}

/** Runs `fn` against a fresh test server, closed afterwards. */
export async function withTestServer(fn: (s: TestServer) => Promise<void>, extra: Partial<ApiServerOptions> = {}): Promise<void> {
  const s = await startTestServer(extra);
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}
