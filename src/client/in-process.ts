// The Transport for components running in the API server's own process (`k8ts server`): each
// request is handed to the API server's HTTP request listener as an in-memory request and
// response, with no TCP socket. The listener runs exactly as for a network client, so
// authentication, routing, admission, validation, storage and watch streaming are the same
// code; only the bytes of the HTTP/1.1 answer are read back from memory instead of a socket.
import { watchEvents } from './watch-stream.js';
import { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { Query, Transport, TransportRequest, TransportResponse, WatchEvent } from './client.js';
import { apiErrorFromResponse } from './status.js';

/** What node's HTTP server calls for each request: the API server's request listener. */
export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

export interface InProcessTransportOptions {
  handler: RequestListener;
  /** Sent as `Authorization: Bearer`, so the caller is authenticated like any client. */
  token?: string;
  userAgent?: string;
}


/** Unconsumed answer bytes beyond which the writer waits (so a stalled watch reader backs up as on a socket). */
const BACKLOG_BYTES = 1 << 20;

export class InProcessTransport implements Transport {
  private readonly headers: Record<string, string>;
  private readonly open = new Set<Exchange>();

  constructor(private readonly options: InProcessTransportOptions) {
    this.headers = { 'user-agent': options.userAgent ?? 'k8ts-in-process' };
    if (options.token) this.headers['authorization'] = `Bearer ${options.token}`;
  }

  async request(req: TransportRequest): Promise<TransportResponse> {
    const ex = this.start(req);
    try {
      const head = await ex.head;
      const chunks: Buffer[] = [];
      for await (const chunk of ex.body()) chunks.push(chunk);
      return { status: head.status, headers: head.headers, body: Buffer.concat(chunks) };
    } finally {
      this.finish(ex);
    }
  }

  async *watch(path: string, query: Query, signal: AbortSignal): AsyncIterable<WatchEvent> {
    if (signal.aborted) return;
    const ex = this.start({ method: 'GET', path, query: { ...query, watch: 'true' }, signal, accept: 'application/json' });
    try {
      let head: ResponseHead;
      try {
        head = await ex.head;
      } catch (err) {
        if (signal.aborted) return;
        throw err;
      }
      if (head.status < 200 || head.status > 299) {
        const chunks: Buffer[] = [];
        for await (const chunk of ex.body()) chunks.push(chunk);
        throw apiErrorFromResponse(head.status, Buffer.concat(chunks));
      }
      yield* watchEvents(ex.body(), signal);
    } finally {
      this.finish(ex);
    }
  }

  /** Ends every request and watch still open (their response streams close, as when a socket drops). */
  close(): void {
    for (const ex of [...this.open]) this.finish(ex);
  }

  private start(req: TransportRequest): Exchange {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) search.set(k, v);
    const qs = search.toString();
    const headers: Record<string, string> = { ...this.headers, host: 'in-process', accept: req.accept ?? 'application/json' };
    if (req.body) {
      headers['content-type'] = req.contentType ?? 'application/json';
      headers['content-length'] = String(req.body.byteLength);
    }
    const ex = new Exchange({ method: req.method, url: qs ? `${req.path}?${qs}` : req.path, headers, body: req.body, signal: req.signal });
    this.open.add(ex);
    ex.dispatch(this.options.handler);
    return ex;
  }

  private finish(ex: Exchange): void {
    this.open.delete(ex);
    ex.destroy();
  }
}

interface ResponseHead {
  status: number;
  headers: Record<string, string>;
}

interface ExchangeRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Uint8Array | undefined;
  signal: AbortSignal | undefined;
}

/**
 * One request/response pair. The response side is a Duplex handed to ServerResponse as its
 * socket: what node writes there (status line, headers, possibly chunked body) is parsed back.
 */
class Exchange {
  readonly head: Promise<ResponseHead>;
  private resolveHead!: (h: ResponseHead) => void;
  private rejectHead!: (err: Error) => void;
  private readonly socket: Duplex;
  private readonly parser = new ResponseParser();
  private readonly chunks: Buffer[] = [];
  private queuedBytes = 0;
  private held: (() => void)[] = [];
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private readonly onAbort = (): void => this.fail(new Error('request aborted'));

  constructor(private readonly req: ExchangeRequest) {
    this.head = new Promise<ResponseHead>((resolve, reject) => {
      this.resolveHead = resolve;
      this.rejectHead = reject;
    });
    // A head never awaited (request aborted before dispatch) must not be an unhandled rejection.
    this.head.catch(() => undefined);
    this.socket = new Duplex({
      read: () => undefined,
      write: (chunk: Buffer, _encoding, callback) => this.receive(chunk, callback),
    });
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => this.fail(new Error('the response ended before it was complete')));
  }

  dispatch(handler: RequestListener): void {
    const r = this.req;
    if (r.signal?.aborted) {
      this.fail(new Error('request aborted'));
      return;
    }
    r.signal?.addEventListener('abort', this.onAbort, { once: true });
    // IncomingMessage and ServerResponse only use the stream side of their socket here (no
    // address, no TLS): a Duplex stands in for the net.Socket their constructors name.
    const socket = this.socket as unknown as Socket;
    const message = new IncomingMessage(socket);
    message.method = r.method;
    message.url = r.url;
    message.httpVersion = '1.1';
    message.httpVersionMajor = 1;
    message.httpVersionMinor = 1;
    message.headers = { ...r.headers };
    message.rawHeaders = Object.entries(r.headers).flat();
    if (r.body && r.body.byteLength > 0) message.push(Buffer.from(r.body));
    message.push(null);
    // The whole body is in: without this, the stream's auto-destroy would count as a client abort.
    message.complete = true;
    const response = new ServerResponse(message);
    response.assignSocket(socket);
    // Everything written has been parsed by then; this also ends bodies framed by the end of
    // the stream (no length, not chunked).
    response.on('finish', () => this.complete());
    try {
      handler(message, response);
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** The body bytes as they arrive; ends when the answer is complete. */
  async *body(): AsyncIterable<Buffer> {
    for (;;) {
      const chunk = this.chunks.shift();
      if (chunk) {
        this.queuedBytes -= chunk.length;
        if (this.queuedBytes < BACKLOG_BYTES) this.release();
        yield chunk;
        continue;
      }
      if (this.ended) return;
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  destroy(): void {
    this.req.signal?.removeEventListener('abort', this.onAbort);
    this.release();
    if (this.socket.destroyed) return;
    // A complete answer's last write still has its callback queued (node calls it on the next
    // tick); destroyed before that, the stream fails the callback with a new error object,
    // stack trace and all. The socket closes once the callbacks have run.
    if (this.ended) setImmediate(() => this.socket.destroy());
    else this.socket.destroy();
  }

  private receive(chunk: Buffer, callback: () => void): void {
    if (this.ended || this.failure) {
      callback();
      return;
    }
    let out: ParseOutput;
    try {
      out = this.parser.push(chunk);
    } catch (err) {
      callback();
      this.fail(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (out.head) this.resolveHead(out.head);
    for (const c of out.body) {
      this.chunks.push(c);
      this.queuedBytes += c.length;
    }
    if (out.complete) this.ended = true;
    if (this.queuedBytes >= BACKLOG_BYTES) this.held.push(callback);
    else callback();
    this.notify();
  }

  private complete(): void {
    if (this.failure) return;
    this.ended = true;
    this.notify();
  }

  private fail(err: Error): void {
    if (this.ended || this.failure) return;
    this.failure = err;
    this.rejectHead(err);
    this.release();
    if (!this.socket.destroyed) this.socket.destroy();
    this.notify();
  }

  private release(): void {
    for (const cb of this.held.splice(0)) cb();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}

interface ParseOutput {
  head: ResponseHead | undefined;
  body: Buffer[];
  complete: boolean;
}

type BodyFraming = { kind: 'length'; remaining: number } | { kind: 'chunked' } | { kind: 'until-close' };

/**
 * An incremental reader of the HTTP/1.1 responses node's ServerResponse writes: the head, then
 * a body framed by Content-Length or chunked transfer encoding (trailers are not used here).
 */
class ResponseParser {
  private buffer: Buffer = Buffer.alloc(0);
  private framing: BodyFraming | undefined;
  /** Chunked: bytes of chunk data still to read, or undefined while a size line is expected. */
  private chunkLeft: number | undefined;
  private done = false;

  push(data: Buffer): ParseOutput {
    const out: ParseOutput = { head: undefined, body: [], complete: false };
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, data]) : data;
    if (!this.framing) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return out;
      const head = this.parseHead(this.buffer.subarray(0, end).toString('latin1'));
      this.buffer = this.buffer.subarray(end + 4);
      out.head = head.head;
      this.framing = head.framing;
      if (head.framing.kind === 'length' && head.framing.remaining === 0) this.done = true;
    }
    if (!this.done) this.readBody(out.body);
    out.complete = this.done;
    return out;
  }

  private parseHead(text: string): { head: ResponseHead; framing: BodyFraming } {
    const lines = text.split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
    if (!m) throw new Error(`malformed response status line: ${(lines[0] ?? '').slice(0, 100)}`);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    const te = headers['transfer-encoding'];
    const length = headers['content-length'];
    const framing: BodyFraming =
      te !== undefined && /chunked/i.test(te)
        ? { kind: 'chunked' }
        : length !== undefined
          ? { kind: 'length', remaining: Number(length) }
          : { kind: 'until-close' };
    const status = Number(m[1]);
    // These never carry a body, whatever the headers say.
    if (status === 204 || status === 304) return { head: { status, headers }, framing: { kind: 'length', remaining: 0 } };
    return { head: { status, headers }, framing };
  }

  private readBody(out: Buffer[]): void {
    const f = this.framing;
    if (!f) return;
    if (f.kind === 'until-close') {
      if (this.buffer.length) out.push(this.buffer);
      this.buffer = Buffer.alloc(0);
      return;
    }
    if (f.kind === 'length') {
      const take = this.buffer.subarray(0, f.remaining);
      if (take.length) out.push(take);
      f.remaining -= take.length;
      this.buffer = this.buffer.subarray(take.length);
      if (f.remaining === 0) this.done = true;
      return;
    }
    for (;;) {
      if (this.chunkLeft === undefined) {
        const nl = this.buffer.indexOf('\r\n');
        if (nl < 0) return;
        const size = parseInt(this.buffer.subarray(0, nl).toString('latin1').split(';')[0] ?? '', 16);
        if (!Number.isFinite(size) || size < 0) throw new Error('malformed chunk size in response');
        this.buffer = this.buffer.subarray(nl + 2);
        if (size === 0) {
          this.done = true;
          return;
        }
        this.chunkLeft = size;
      }
      // Chunk data followed by CRLF; wait until both are in.
      if (this.buffer.length < this.chunkLeft + 2) {
        if (this.chunkLeft > 0 && this.buffer.length > 0) {
          const part = this.buffer.subarray(0, Math.min(this.buffer.length, this.chunkLeft));
          out.push(part);
          this.chunkLeft -= part.length;
          this.buffer = this.buffer.subarray(part.length);
        }
        return;
      }
      if (this.chunkLeft > 0) out.push(this.buffer.subarray(0, this.chunkLeft));
      this.buffer = this.buffer.subarray(this.chunkLeft + 2);
      this.chunkLeft = undefined;
    }
  }
}

