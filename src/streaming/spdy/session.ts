// A SPDY/3.1 session over any byte stream (an upgraded HTTP socket, or a WebSocket tunnel):
// frame parsing, the two header compression contexts, stream lifecycle, PING, GOAWAY and
// flow control. A peer's malformed frame, RST or GOAWAY never throws out of here: stream
// errors reset the stream, session errors end the session with GOAWAY.
import type { Duplex } from 'node:stream';
import { encodeFrame, FrameReader, GoAwayStatus, RstStatus, SettingId, SpdyProtocolError, type Frame } from './frames.js';
import { decodeNameValueBlock, encodeNameValueBlock, HeaderCompressor, HeaderDecompressor, type HeaderMap } from './header-block.js';
import { SpdyStream, type StreamHost } from './stream.js';

export { SpdyStream, type StreamCloseReason } from './stream.js';

export const DEFAULT_WINDOW = 64 * 1024;
const MAX_DATA_FRAME = 32 * 1024;

export interface SpdySessionOptions {
  /** Clients open odd-numbered streams and pings, servers even ones. */
  role: 'server' | 'client';
  /** Bytes of the session that arrived together with the HTTP upgrade request. */
  head?: Buffer;
  /**
   * How this side honours the peer's receive window. 'enforce' follows the draft strictly.
   * 'when-peer-updates' (default) starts enforcing once the peer shows it does flow control
   * (a WINDOW_UPDATE or an initial-window SETTING): the SPDY library kubectl uses never sends
   * WINDOW_UPDATE, and a strict sender would stall after 64 KiB towards it.
   */
  flowControl?: 'enforce' | 'when-peer-updates';
  /** How long close() waits for the peer to close the transport before destroying it. */
  closeTimeoutMs?: number;
  log?: (line: string) => void;
}

export class SpdySession implements StreamHost {
  private readonly reader = new FrameReader();
  private readonly compressor = new HeaderCompressor();
  private readonly decompressor = new HeaderDecompressor();
  private readonly streams = new Map<number, SpdyStream>();
  private readonly queue: Frame[] = [];
  private processing = false;
  private nextStreamId: number;
  private nextPingId: number;
  private lastPeerStreamId = 0;
  private readonly pings = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  private readonly openWaits = new Map<number, { resolve: (s: SpdyStream) => void; reject: (err: Error) => void }>();
  private sentGoAway = false;
  private peerGoneAway = false;
  private ended = false;
  private flowControlActive: boolean;
  private initialSendWindow = DEFAULT_WINDOW;
  private sessionSendWindow = DEFAULT_WINDOW;
  private sessionUnacknowledged = 0;
  private closeTimer: NodeJS.Timeout | undefined;
  private streamListener: ((stream: SpdyStream) => void) | undefined;
  private readonly closeListeners: ((err?: Error) => void)[] = [];
  private readonly goAwayListeners: ((lastGoodStreamId: number, status: number) => void)[] = [];
  private readonly log: (line: string) => void;
  private readonly closeTimeoutMs: number;

  constructor(
    private readonly transport: Duplex,
    private readonly options: SpdySessionOptions,
  ) {
    this.nextStreamId = options.role === 'client' ? 1 : 2;
    this.nextPingId = options.role === 'client' ? 1 : 2;
    this.flowControlActive = options.flowControl === 'enforce';
    this.log = options.log ?? (() => undefined);
    this.closeTimeoutMs = options.closeTimeoutMs ?? 5000;
    transport.on('data', (chunk: Buffer) => this.receive(chunk));
    transport.on('end', () => this.destroy());
    transport.on('close', () => this.destroy());
    transport.on('error', (err: Error) => this.destroy(err));
    if (options.head && options.head.length > 0) this.receive(options.head);
  }

  get closed(): boolean {
    return this.ended;
  }

  /**
   * Streams the peer opens. The listener must reply() or reset() each; without a listener
   * streams are refused.
   */
  onStream(listener: (stream: SpdyStream) => void): void {
    this.streamListener = listener;
  }

  onClose(listener: (err?: Error) => void): void {
    if (this.ended) listener();
    else this.closeListeners.push(listener);
  }

  onGoAway(listener: (lastGoodStreamId: number, status: number) => void): void {
    this.goAwayListeners.push(listener);
  }

  /** Opens a stream and resolves once the peer replies (rejects on RST or session end). */
  openStream(headers: HeaderMap, options: { fin?: boolean } = {}): Promise<SpdyStream> {
    if (this.ended || this.peerGoneAway || this.sentGoAway) return Promise.reject(new Error('the SPDY session is closing'));
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    const stream = new SpdyStream(id, new Map(), this.initialSendWindow, this);
    this.streams.set(id, stream);
    const fin = options.fin ?? false;
    const headerBlock = this.compressor.compress(encodeNameValueBlock(headers));
    this.write({ type: 'synStream', streamId: id, associatedStreamId: 0, priority: 0, fin, unidirectional: false, headerBlock });
    if (fin) stream.localEnd();
    return new Promise((resolve, reject) => {
      this.openWaits.set(id, { resolve, reject });
      stream.onClose((reason) => {
        if (this.openWaits.delete(id)) reject(new Error(`stream ${id} closed before its reply (${reason})`));
      });
    });
  }

  /** Round trip of a PING. */
  ping(): Promise<void> {
    if (this.ended) return Promise.reject(new Error('the SPDY session is closed'));
    const id = this.nextPingId;
    this.nextPingId = this.nextPingId + 2 > 0x7fffffff ? (this.options.role === 'client' ? 1 : 2) : this.nextPingId + 2;
    return new Promise((resolve, reject) => {
      this.pings.set(id, { resolve, reject });
      this.write({ type: 'ping', id });
    });
  }

  /**
   * Ends the session: GOAWAY, every open stream closed, the transport ended (and destroyed
   * after closeTimeoutMs if the peer keeps it open). Finish streams (end()) before calling this.
   */
  close(status: number = GoAwayStatus.ok): void {
    if (this.ended) return;
    this.sendGoAway(status);
    for (const s of [...this.streams.values()]) s.close('session');
    this.transport.end();
    this.closeTimer = setTimeout(() => this.destroy(), this.closeTimeoutMs);
    this.closeTimer.unref();
  }

  destroy(err?: Error): void {
    if (this.ended) return;
    this.ended = true;
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.queue.length = 0;
    for (const s of [...this.streams.values()]) s.close('session');
    this.streams.clear();
    for (const p of this.pings.values()) p.reject(new Error('the SPDY session closed'));
    this.pings.clear();
    this.decompressor.close();
    this.transport.destroy();
    for (const l of this.closeListeners.splice(0)) l(err);
  }

  // ---- StreamHost ----

  sendReply(stream: SpdyStream, headers: HeaderMap, fin: boolean): void {
    const headerBlock = this.compressor.compress(encodeNameValueBlock(headers));
    this.write({ type: 'synReply', streamId: stream.id, fin, headerBlock });
  }

  sendData(stream: SpdyStream, data: Buffer, fin: boolean): void {
    if (!this.flowControlActive && stream.pending.length === 0) {
      for (let at = 0; at < data.length; at += MAX_DATA_FRAME) {
        this.write({ type: 'data', streamId: stream.id, fin: false, data: data.subarray(at, at + MAX_DATA_FRAME) });
      }
      if (fin) {
        this.write({ type: 'data', streamId: stream.id, fin: true, data: Buffer.alloc(0) });
        stream.localEnd();
      }
      return;
    }
    if (data.length > 0) stream.pending.push(data);
    if (fin) stream.finPending = true;
    this.flush(stream);
  }

  sendReset(stream: SpdyStream, status: number): void {
    this.write({ type: 'rstStream', streamId: stream.id, status });
  }

  streamClosed(stream: SpdyStream): void {
    this.streams.delete(stream.id);
  }

  // ---- inbound ----

  private receive(chunk: Buffer): void {
    if (this.ended) return;
    this.reader.push(chunk);
    try {
      for (let frame = this.reader.next(); frame; frame = this.reader.next()) this.queue.push(frame);
    } catch (err) {
      this.fail(err);
      return;
    }
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      for (let frame = this.queue.shift(); frame && !this.ended; frame = this.queue.shift()) {
        try {
          await this.handle(frame);
        } catch (err) {
          if (err instanceof SpdyProtocolError && err.streamId !== 0) {
            this.log(`spdy: stream ${err.streamId}: ${err.message}`);
            const s = this.streams.get(err.streamId);
            if (s) s.reset(RstStatus.protocolError);
            else this.write({ type: 'rstStream', streamId: err.streamId, status: RstStatus.protocolError });
          } else {
            this.fail(err);
          }
        }
      }
    } finally {
      this.processing = false;
    }
  }

  private async handle(frame: Frame): Promise<void> {
    switch (frame.type) {
      case 'data':
        return this.onDataFrame(frame.streamId, frame.data, frame.fin);
      case 'synStream': {
        // Always inflate, even for refused streams: the compression context is shared.
        const headers = decodeNameValueBlock(await this.decompressor.decompress(frame.headerBlock), frame.streamId);
        return this.onSynStream(frame.streamId, headers, frame.fin);
      }
      case 'synReply': {
        const headers = decodeNameValueBlock(await this.decompressor.decompress(frame.headerBlock), frame.streamId);
        const stream = this.streams.get(frame.streamId);
        if (!stream) return this.write({ type: 'rstStream', streamId: frame.streamId, status: RstStatus.invalidStream });
        if (stream.replied) return stream.reset(RstStatus.streamInUse);
        stream.replied = true;
        stream.headers = headers;
        const wait = this.openWaits.get(frame.streamId);
        this.openWaits.delete(frame.streamId);
        wait?.resolve(stream);
        if (frame.fin) stream.remoteEnd();
        return;
      }
      case 'headers': {
        const headers = decodeNameValueBlock(await this.decompressor.decompress(frame.headerBlock), frame.streamId);
        const stream = this.streams.get(frame.streamId);
        if (!stream) return this.write({ type: 'rstStream', streamId: frame.streamId, status: RstStatus.invalidStream });
        for (const [k, v] of headers) stream.headers.set(k, v);
        if (frame.fin) stream.remoteEnd();
        return;
      }
      case 'rstStream':
        this.streams.get(frame.streamId)?.close('reset');
        return;
      case 'settings':
        for (const s of frame.settings) {
          if (s.id !== SettingId.initialWindowSize) continue;
          const delta = s.value - this.initialSendWindow;
          this.initialSendWindow = s.value;
          this.flowControlActive = true;
          for (const stream of this.streams.values()) stream.sendWindow += delta;
        }
        return this.flushAll();
      case 'ping': {
        const peerInitiated = (frame.id % 2 === 1) !== (this.options.role === 'client');
        if (peerInitiated) return this.write({ type: 'ping', id: frame.id });
        const p = this.pings.get(frame.id);
        this.pings.delete(frame.id);
        p?.resolve();
        return;
      }
      case 'goAway':
        this.peerGoneAway = true;
        // Streams this side opened after the peer's last good one were never processed.
        for (const [id, stream] of this.streams) {
          if (id % 2 === this.nextStreamId % 2 && id > frame.lastGoodStreamId) stream.close('reset');
        }
        for (const l of this.goAwayListeners) l(frame.lastGoodStreamId, frame.status);
        return;
      case 'windowUpdate':
        this.flowControlActive = true;
        if (frame.streamId === 0) {
          this.sessionSendWindow += frame.delta;
          return this.flushAll();
        }
        {
          const stream = this.streams.get(frame.streamId);
          if (stream) {
            stream.sendWindow += frame.delta;
            this.flush(stream);
          }
        }
        return;
      case 'unknown':
        return;
    }
  }

  private onSynStream(id: number, headers: Map<string, string[]>, fin: boolean): void {
    const peerParity = this.options.role === 'server' ? 1 : 0;
    if (id === 0 || id % 2 !== peerParity || id <= this.lastPeerStreamId) {
      this.log(`spdy: refusing stream ${id}: out of order or wrong parity`);
      return this.write({ type: 'rstStream', streamId: id, status: RstStatus.protocolError });
    }
    this.lastPeerStreamId = id;
    if (this.sentGoAway || !this.streamListener) {
      return this.write({ type: 'rstStream', streamId: id, status: RstStatus.refusedStream });
    }
    const stream = new SpdyStream(id, headers, this.initialSendWindow, this);
    this.streams.set(id, stream);
    if (fin) stream.remoteEnd();
    this.streamListener(stream);
  }

  private onDataFrame(id: number, data: Buffer, fin: boolean): void {
    const stream = this.streams.get(id);
    if (!stream) {
      if (id !== 0) this.write({ type: 'rstStream', streamId: id, status: RstStatus.invalidStream });
      return;
    }
    if (stream.remoteEnded) return stream.reset(RstStatus.streamAlreadyClosed);
    this.acknowledge(stream, data.length);
    stream.receive(data);
    if (fin) stream.remoteEnd();
  }

  /** Data is handed to the consumer at once, so the receive window reopens as it arrives. */
  private acknowledge(stream: SpdyStream, bytes: number): void {
    if (bytes === 0) return;
    stream.unacknowledged += bytes;
    this.sessionUnacknowledged += bytes;
    if (stream.unacknowledged >= DEFAULT_WINDOW / 2) {
      this.write({ type: 'windowUpdate', streamId: stream.id, delta: stream.unacknowledged });
      stream.unacknowledged = 0;
    }
    if (this.sessionUnacknowledged >= DEFAULT_WINDOW / 2) {
      this.write({ type: 'windowUpdate', streamId: 0, delta: this.sessionUnacknowledged });
      this.sessionUnacknowledged = 0;
    }
  }

  // ---- outbound ----

  private flushAll(): void {
    for (const s of [...this.streams.values()]) this.flush(s);
  }

  private flush(stream: SpdyStream): void {
    while (stream.pending.length > 0 && !stream.closed) {
      const budget = Math.min(stream.sendWindow, this.flowControlActive ? this.sessionSendWindow : Infinity, MAX_DATA_FRAME);
      if (budget <= 0) return;
      const head = stream.pending[0];
      if (!head) break;
      const piece = head.subarray(0, budget);
      if (piece.length === head.length) stream.pending.shift();
      else stream.pending[0] = head.subarray(piece.length);
      if (this.flowControlActive) {
        stream.sendWindow -= piece.length;
        this.sessionSendWindow -= piece.length;
      }
      this.write({ type: 'data', streamId: stream.id, fin: false, data: piece });
    }
    if (stream.finPending && stream.pending.length === 0 && !stream.localEnded && !stream.closed) {
      stream.finPending = false;
      this.write({ type: 'data', streamId: stream.id, fin: true, data: Buffer.alloc(0) });
      stream.localEnd();
    }
  }

  private sendGoAway(status: number): void {
    if (this.sentGoAway) return;
    this.sentGoAway = true;
    this.write({ type: 'goAway', lastGoodStreamId: this.lastPeerStreamId, status });
  }

  private fail(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.log(`spdy: session error: ${message}`);
    this.close(GoAwayStatus.protocolError);
  }

  private write(frame: Frame): void {
    if (this.ended || this.transport.destroyed || !this.transport.writable) return;
    this.transport.write(encodeFrame(frame));
  }
}
