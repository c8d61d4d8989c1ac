// The versions of the Kubernetes channel protocol for exec and attach over WebSocket, and the
// framing of one message. Every message carries a channel: 0 stdin, 1 stdout, 2 stderr,
// 3 error, 4 resize (`{"Width":80,"Height":24}`); v5 adds 255, `[255, channel]` closing that
// channel's client-to-server direction (stdin EOF). Binary variants prefix the payload with the
// channel byte; base64 variants send text: the channel as an ASCII digit, then base64.
// What changes with the version is the error channel: up to v3 it carries only a failure's
// message text (nothing on success); from v4 on it always carries a metav1.Status as JSON.
import { encodeStatus, type StreamStatus } from './status.js';

export const ChannelProtocol = {
  v5: 'v5.channel.k8s.io',
  v4: 'v4.channel.k8s.io',
  v4Base64: 'v4.base64.channel.k8s.io',
  v3: 'v3.channel.k8s.io',
  v2: 'v2.channel.k8s.io',
  v1: 'channel.k8s.io',
  v1Base64: 'base64.channel.k8s.io',
  /** A client that offers no sub-protocol gets binary v1, as Kubernetes answers it. */
  unnamed: '',
} as const;

/**
 * Every protocol exec and attach answer, newest first. The client's order decides which one a
 * connection speaks (see WebSocketAcceptor).
 */
export const COMMAND_WEBSOCKET_PROTOCOLS: readonly string[] = Object.values(ChannelProtocol);

export const Channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4 } as const;
/** v5: `[CLOSE, channel]` half-closes a channel. */
export const CLOSE_CHANNEL = 255;

export interface ChannelProtocolTraits {
  /** Text messages with a channel digit and base64 payload, instead of binary ones. */
  base64: boolean;
  /** v4+: the error channel carries a JSON Status, also on success. */
  statusJson: boolean;
  /** v5+: `[255, channel]` closes a channel. */
  closeSignal: boolean;
}

export function channelProtocolTraits(protocol: string): ChannelProtocolTraits {
  const version = /^v(\d+)\./.exec(protocol)?.[1];
  const n = version === undefined ? 1 : Number(version);
  return { base64: protocol.includes('base64.'), statusJson: n >= 4, closeSignal: n >= 5 };
}

/** One server-to-client message: a Buffer goes as a binary message, a string as text. */
export function encodeChannelMessage(traits: ChannelProtocolTraits, channel: number, data: Uint8Array): Buffer | string {
  if (traits.base64) return `${channel}${Buffer.from(data).toString('base64')}`;
  return Buffer.concat([Buffer.from([channel]), data]);
}

/** A client message's channel and payload; undefined when it has no channel. */
export function decodeChannelMessage(traits: ChannelProtocolTraits, message: Buffer, isBinary: boolean): { channel: number; payload: Buffer } | undefined {
  if (traits.base64 && !isBinary) {
    const text = message.toString('utf8');
    const channel = Number.parseInt(text.slice(0, 1), 10);
    if (Number.isNaN(channel)) return undefined;
    return { channel, payload: Buffer.from(text.slice(1), 'base64') };
  }
  const channel = message[0];
  if (channel === undefined) return undefined;
  return { channel, payload: message.subarray(1) };
}

/** What the error channel carries for a session's outcome; undefined: nothing (v1–v3 success). */
export function errorChannelPayload(traits: ChannelProtocolTraits, status: StreamStatus): Buffer | undefined {
  if (traits.statusJson) return encodeStatus(status);
  if (status.status === 'Success') return undefined;
  return Buffer.from(status.message ?? 'error', 'utf8');
}
