// One SPDY stream of a session: headers from its SYN_STREAM (or SYN_REPLY), inbound data
// delivered in order (buffered until a listener is attached), outbound data subject to the
// peer's flow-control window, and half-close by FIN in each direction.
import { RstStatus } from './frames.js';
import type { HeaderMap } from './header-block.js';

export type StreamCloseReason = 'done' | 'reset' | 'session';

/** What a stream needs from its session; implemented by SpdySession. */
export interface StreamHost {
  sendReply(stream: SpdyStream, headers: HeaderMap, fin: boolean): void;
  sendData(stream: SpdyStream, data: Buffer, fin: boolean): void;
  sendReset(stream: SpdyStream, status: number): void;
  streamClosed(stream: SpdyStream): void;
}

export class SpdyStream {
  /** Request headers for streams the peer opened; reply headers for streams this side opened. */
  headers: Map<string, string[]>;
  /** This side sent SYN_REPLY (incoming streams) or received it (outgoing streams). */
  replied = false;
  localEnded = false;
  remoteEnded = false;
  /** Bytes this side may still send before the peer's WINDOW_UPDATE. */
  sendWindow: number;
  /** Queued outbound data waiting for window, and whether FIN follows it. */
  readonly pending: Buffer[] = [];
  finPending = false;
  /** Inbound bytes not yet acknowledged with WINDOW_UPDATE. */
  unacknowledged = 0;

  private closedWith: StreamCloseReason | undefined;
  private readonly inbound: Buffer[] = [];
  private endSeen = false;
  private dataListener: ((data: Buffer) => void) | undefined;
  private endListener: (() => void) | undefined;
  private readonly closeListeners: ((reason: StreamCloseReason) => void)[] = [];

  constructor(
    readonly id: number,
    headers: Map<string, string[]>,
    sendWindow: number,
    private readonly host: StreamHost,
  ) {
    this.headers = headers;
    this.sendWindow = sendWindow;
  }

  /** The first value of a header. */
  header(name: string): string | undefined {
    return this.headers.get(name.toLowerCase())?.[0];
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  /** Inbound data; bytes that arrived before the listener are delivered to it at once. */
  onData(listener: (data: Buffer) => void): void {
    this.dataListener = listener;
    for (const chunk of this.inbound.splice(0)) listener(chunk);
    if (this.endSeen) this.fireEnd();
  }

  /** The peer's FIN, after all its data. */
  onEnd(listener: () => void): void {
    this.endListener = listener;
    if (this.endSeen && this.inbound.length === 0) this.fireEnd();
  }

  /** Fires once when the stream is gone: both sides ended, a reset, or the session ended. */
  onClose(listener: (reason: StreamCloseReason) => void): void {
    if (this.closedWith) listener(this.closedWith);
    else this.closeListeners.push(listener);
  }

  /** Accepts a stream the peer opened (SYN_REPLY). */
  reply(headers: HeaderMap = new Map(), options: { fin?: boolean } = {}): void {
    if (this.replied || this.closed) return;
    this.replied = true;
    const fin = options.fin ?? false;
    this.host.sendReply(this, headers, fin);
    if (fin) this.localEnd();
  }

  write(data: Uint8Array): void {
    if (this.localEnded || this.closed || data.length === 0) return;
    this.host.sendData(this, Buffer.from(data.buffer, data.byteOffset, data.byteLength), false);
  }

  /** Half-closes this side (FIN); the stream closes when the peer has ended too. */
  end(): void {
    if (this.localEnded || this.closed) return;
    this.host.sendData(this, Buffer.alloc(0), true);
  }

  reset(status: number = RstStatus.cancel): void {
    if (this.closed) return;
    this.host.sendReset(this, status);
    this.close('reset');
  }

  // ---- called by the session ----

  localEnd(): void {
    this.localEnded = true;
    if (this.remoteEnded) this.close('done');
  }

  receive(data: Buffer): void {
    if (data.length === 0) return;
    if (this.dataListener && this.inbound.length === 0) this.dataListener(data);
    else this.inbound.push(data);
  }

  remoteEnd(): void {
    if (this.remoteEnded) return;
    this.remoteEnded = true;
    this.endSeen = true;
    if (this.inbound.length === 0) this.fireEnd();
    if (this.localEnded) this.close('done');
  }

  close(reason: StreamCloseReason): void {
    if (this.closedWith) return;
    this.closedWith = reason;
    this.pending.length = 0;
    this.host.streamClosed(this);
    for (const l of this.closeListeners.splice(0)) l(reason);
  }

  private fireEnd(): void {
    const l = this.endListener;
    if (!l) return;
    this.endListener = undefined;
    l();
  }
}
