// The Kubernetes channel protocol over WebSocket, as kubectl 1.30+ speaks it for exec and
// attach: every binary message starts with a channel byte — 0 stdin, 1 stdout, 2 stderr,
// 3 error (a Status, v4+), 4 resize (`{"Width":80,"Height":24}`). v5 adds the message
// [255, channel] closing that channel's client-to-server direction (stdin EOF). The base64
// variant sends text messages: an ASCII channel digit, then the payload in base64.
import { WebSocket, type RawData } from 'ws';
import { ListenerQueue } from './listener-queue.js';
import type { CommandChannels } from './remote-command.js';
import { encodeStatus, parseTerminalSize, type StreamStatus, type TerminalSize } from './status.js';

export const ChannelProtocol = {
  v5: 'v5.channel.k8s.io',
  v4: 'v4.channel.k8s.io',
  v4Base64: 'v4.base64.channel.k8s.io',
} as const;

/** Server preference for exec and attach. */
export const COMMAND_WEBSOCKET_PROTOCOLS: readonly string[] = [ChannelProtocol.v5, ChannelProtocol.v4, ChannelProtocol.v4Base64];

export const Channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4 } as const;
/** v5: `[CLOSE, channel]` half-closes a channel. */
export const CLOSE_CHANNEL = 255;

function toBuffer(raw: RawData): Buffer {
  if (Buffer.isBuffer(raw)) return raw;
  if (Array.isArray(raw)) return Buffer.concat(raw);
  return Buffer.from(raw);
}

export function webSocketCommandChannels(ws: WebSocket, protocol: string): CommandChannels {
  const base64 = protocol.includes('base64');
  const v5 = protocol.startsWith('v5.');
  const stdin = new ListenerQueue<Uint8Array>();
  const stdinEnd = new ListenerQueue<void>();
  const resize = new ListenerQueue<TerminalSize>();
  const closed = new ListenerQueue<void>();
  let finished = false;

  const send = (channel: number, data: Uint8Array): void => {
    if (finished || ws.readyState !== WebSocket.OPEN) return;
    if (base64) ws.send(`${channel}${Buffer.from(data).toString('base64')}`);
    else ws.send(Buffer.concat([Buffer.from([channel]), data]), { binary: true });
  };

  ws.on('message', (raw: RawData, isBinary: boolean) => {
    let channel: number;
    let payload: Buffer;
    const buf = toBuffer(raw);
    if (base64 && !isBinary) {
      const text = buf.toString('utf8');
      channel = Number.parseInt(text.slice(0, 1), 10);
      payload = Buffer.from(text.slice(1), 'base64');
    } else {
      if (buf.length === 0) return;
      channel = buf[0] ?? -1;
      payload = buf.subarray(1);
    }
    switch (channel) {
      case Channel.stdin:
        if (payload.length > 0) stdin.emit(payload);
        return;
      case Channel.resize: {
        const size = parseTerminalSize(payload.toString('utf8'));
        if (size) resize.emit(size);
        return;
      }
      case CLOSE_CHANNEL:
        if (v5 && payload[0] === Channel.stdin) stdinEnd.emit();
        return;
      default:
        return;
    }
  });
  // 'close' always follows 'error' in ws; the handler keeps a peer's bad frame from throwing.
  ws.on('error', () => undefined);
  ws.on('close', () => closed.emit());

  return {
    onStdin: (l) => stdin.set(l),
    onStdinEnd: (l) => stdinEnd.set(l),
    onResize: (l) => resize.set(l),
    onClosed: (l) => closed.set(l),
    writeStdout: (d) => send(Channel.stdout, d),
    writeStderr: (d) => send(Channel.stderr, d),
    finish: (status: StreamStatus) => {
      send(Channel.error, encodeStatus(status));
      finished = true;
      if (ws.readyState === WebSocket.OPEN) ws.close(1000);
    },
  };
}
