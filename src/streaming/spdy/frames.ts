// SPDY/3.1 framing (SPDY Protocol Draft 3.1, section 2.2): control frames carry the high bit,
// version 3 and a 16-bit type; data frames carry a 31-bit stream id. Both have 8 flag bits and a
// 24-bit length. Header blocks stay compressed here; the session owns the zlib contexts.

export const SPDY_VERSION = 3;
export const MAX_FRAME_LENGTH = 0xffffff;
export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;
export const FLAG_CLEAR_SETTINGS = 0x01;

export const ControlType = {
  synStream: 1,
  synReply: 2,
  rstStream: 3,
  settings: 4,
  ping: 6,
  goAway: 7,
  headers: 8,
  windowUpdate: 9,
} as const;

/** RST_STREAM status codes (section 2.4.2). */
export const RstStatus = {
  protocolError: 1,
  invalidStream: 2,
  refusedStream: 3,
  unsupportedVersion: 4,
  cancel: 5,
  internalError: 6,
  flowControlError: 7,
  streamInUse: 8,
  streamAlreadyClosed: 9,
  frameTooLarge: 11,
} as const;

/** GOAWAY status codes (section 2.6.6). */
export const GoAwayStatus = { ok: 0, protocolError: 1, internalError: 2 } as const;

/** SETTINGS ids (section 2.6.4) that this implementation acts on. */
export const SettingId = { maxConcurrentStreams: 4, initialWindowSize: 7 } as const;

export interface Setting {
  id: number;
  flags: number;
  value: number;
}

export type Frame =
  | { type: 'data'; streamId: number; fin: boolean; data: Buffer }
  | { type: 'synStream'; streamId: number; associatedStreamId: number; priority: number; fin: boolean; unidirectional: boolean; headerBlock: Buffer }
  | { type: 'synReply'; streamId: number; fin: boolean; headerBlock: Buffer }
  | { type: 'rstStream'; streamId: number; status: number }
  | { type: 'settings'; clear: boolean; settings: Setting[] }
  | { type: 'ping'; id: number }
  | { type: 'goAway'; lastGoodStreamId: number; status: number }
  | { type: 'headers'; streamId: number; fin: boolean; headerBlock: Buffer }
  | { type: 'windowUpdate'; streamId: number; delta: number }
  /** A control frame of a type this draft does not define: receivers ignore it (section 2.2.1). */
  | { type: 'unknown'; controlType: number };

/** A frame the peer got wrong; the session answers with GOAWAY(PROTOCOL_ERROR) or RST_STREAM. */
export class SpdyProtocolError extends Error {
  constructor(
    message: string,
    readonly streamId = 0,
  ) {
    super(message);
    this.name = 'SpdyProtocolError';
  }
}

function controlHeader(type: number, flags: number, length: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  b.writeUInt16BE(type, 2);
  b.writeUInt32BE(((flags & 0xff) << 24 | length) >>> 0, 4);
  return b;
}

function control(type: number, flags: number, body: Buffer): Buffer {
  if (body.length > MAX_FRAME_LENGTH) throw new RangeError(`control frame body of ${body.length} bytes is too large`);
  return Buffer.concat([controlHeader(type, flags, body.length), body]);
}

function words(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
}

const STREAM_ID_MASK = 0x7fffffff;

/** Serializes a frame whose header block (if any) is already compressed. */
export function encodeFrame(frame: Frame): Buffer {
  switch (frame.type) {
    case 'data': {
      if (frame.data.length > MAX_FRAME_LENGTH) throw new RangeError(`data frame of ${frame.data.length} bytes is too large`);
      const h = Buffer.alloc(8);
      h.writeUInt32BE(frame.streamId & STREAM_ID_MASK, 0);
      h.writeUInt32BE((((frame.fin ? FLAG_FIN : 0) << 24) | frame.data.length) >>> 0, 4);
      return Buffer.concat([h, frame.data]);
    }
    case 'synStream': {
      const fixed = Buffer.alloc(10);
      fixed.writeUInt32BE(frame.streamId & STREAM_ID_MASK, 0);
      fixed.writeUInt32BE(frame.associatedStreamId & STREAM_ID_MASK, 4);
      fixed.writeUInt8((frame.priority & 0x7) << 5, 8);
      const flags = (frame.fin ? FLAG_FIN : 0) | (frame.unidirectional ? FLAG_UNIDIRECTIONAL : 0);
      return control(ControlType.synStream, flags, Buffer.concat([fixed, frame.headerBlock]));
    }
    case 'synReply':
      return control(ControlType.synReply, frame.fin ? FLAG_FIN : 0, Buffer.concat([words(frame.streamId & STREAM_ID_MASK), frame.headerBlock]));
    case 'headers':
      return control(ControlType.headers, frame.fin ? FLAG_FIN : 0, Buffer.concat([words(frame.streamId & STREAM_ID_MASK), frame.headerBlock]));
    case 'rstStream':
      return control(ControlType.rstStream, 0, words(frame.streamId & STREAM_ID_MASK, frame.status));
    case 'settings': {
      const body = Buffer.alloc(4 + frame.settings.length * 8);
      body.writeUInt32BE(frame.settings.length, 0);
      frame.settings.forEach((s, i) => {
        body.writeUInt32BE((((s.flags & 0xff) << 24) | (s.id & 0xffffff)) >>> 0, 4 + i * 8);
        body.writeUInt32BE(s.value >>> 0, 8 + i * 8);
      });
      return control(ControlType.settings, frame.clear ? FLAG_CLEAR_SETTINGS : 0, body);
    }
    case 'ping':
      return control(ControlType.ping, 0, words(frame.id));
    case 'goAway':
      return control(ControlType.goAway, 0, words(frame.lastGoodStreamId & STREAM_ID_MASK, frame.status));
    case 'windowUpdate':
      return control(ControlType.windowUpdate, 0, words(frame.streamId & STREAM_ID_MASK, frame.delta & STREAM_ID_MASK));
    case 'unknown':
      throw new RangeError(`cannot encode control frame type ${frame.controlType}`);
  }
}

function expectLength(type: string, body: Buffer, length: number): void {
  if (body.length !== length) throw new SpdyProtocolError(`${type} frame has length ${body.length}, want ${length}`);
}

function decodeControl(type: number, flags: number, body: Buffer): Frame {
  const fin = (flags & FLAG_FIN) !== 0;
  switch (type) {
    case ControlType.synStream:
      if (body.length < 10) throw new SpdyProtocolError(`SYN_STREAM frame too short (${body.length} bytes)`);
      return {
        type: 'synStream',
        streamId: body.readUInt32BE(0) & STREAM_ID_MASK,
        associatedStreamId: body.readUInt32BE(4) & STREAM_ID_MASK,
        priority: body.readUInt8(8) >> 5,
        fin,
        unidirectional: (flags & FLAG_UNIDIRECTIONAL) !== 0,
        headerBlock: body.subarray(10),
      };
    case ControlType.synReply:
    case ControlType.headers:
      if (body.length < 4) throw new SpdyProtocolError(`${type === ControlType.synReply ? 'SYN_REPLY' : 'HEADERS'} frame too short`);
      return { type: type === ControlType.synReply ? 'synReply' : 'headers', streamId: body.readUInt32BE(0) & STREAM_ID_MASK, fin, headerBlock: body.subarray(4) };
    case ControlType.rstStream:
      expectLength('RST_STREAM', body, 8);
      return { type: 'rstStream', streamId: body.readUInt32BE(0) & STREAM_ID_MASK, status: body.readUInt32BE(4) };
    case ControlType.settings: {
      if (body.length < 4) throw new SpdyProtocolError('SETTINGS frame too short');
      const count = body.readUInt32BE(0);
      expectLength('SETTINGS', body, 4 + count * 8);
      const settings: Setting[] = [];
      for (let i = 0; i < count; i++) {
        const idWord = body.readUInt32BE(4 + i * 8);
        settings.push({ flags: idWord >>> 24, id: idWord & 0xffffff, value: body.readUInt32BE(8 + i * 8) });
      }
      return { type: 'settings', clear: (flags & FLAG_CLEAR_SETTINGS) !== 0, settings };
    }
    case ControlType.ping:
      expectLength('PING', body, 4);
      return { type: 'ping', id: body.readUInt32BE(0) };
    case ControlType.goAway:
      expectLength('GOAWAY', body, 8);
      return { type: 'goAway', lastGoodStreamId: body.readUInt32BE(0) & STREAM_ID_MASK, status: body.readUInt32BE(4) };
    case ControlType.windowUpdate:
      expectLength('WINDOW_UPDATE', body, 8);
      return { type: 'windowUpdate', streamId: body.readUInt32BE(0) & STREAM_ID_MASK, delta: body.readUInt32BE(4) & STREAM_ID_MASK };
    default:
      return { type: 'unknown', controlType: type };
  }
}

/**
 * Incremental frame parser: push bytes as they arrive, take whole frames out. Throws
 * SpdyProtocolError for frames no peer may send (wrong version, bad lengths); after that the
 * byte stream cannot be resynchronized and the connection must end.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxFrameLength = MAX_FRAME_LENGTH) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  next(): Frame | undefined {
    if (this.buffered < 8) return undefined;
    const head = this.peek(8);
    const length = head.readUInt32BE(4) & 0xffffff;
    const flags = head.readUInt8(4);
    if (length > this.maxFrameLength) throw new SpdyProtocolError(`frame of ${length} bytes exceeds the limit of ${this.maxFrameLength}`);
    if (this.buffered < 8 + length) return undefined;
    const whole = this.take(8 + length);
    const body = whole.subarray(8);
    const first = whole.readUInt32BE(0);
    if ((first & 0x80000000) === 0) {
      return { type: 'data', streamId: first & STREAM_ID_MASK, fin: (flags & FLAG_FIN) !== 0, data: body };
    }
    const version = (first >>> 16) & 0x7fff;
    if (version !== SPDY_VERSION) throw new SpdyProtocolError(`unsupported SPDY version ${version}`);
    return decodeControl(first & 0xffff, flags, body);
  }

  private peek(n: number): Buffer {
    const first = this.chunks[0];
    if (first && first.length >= n) return first.subarray(0, n);
    const joined = Buffer.concat(this.chunks);
    this.chunks = [joined];
    return joined.subarray(0, n);
  }

  private take(n: number): Buffer {
    const first = this.chunks[0];
    let out: Buffer;
    if (first && first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      const joined = Buffer.concat(this.chunks);
      out = joined.subarray(0, n);
      this.chunks = joined.length > n ? [joined.subarray(n)] : [];
    }
    this.buffered -= n;
    return out;
  }
}
