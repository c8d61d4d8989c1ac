// exec and attach over a WebSocket speaking one of the channel protocols
// (websocket-channel-protocols.ts), as CommandChannels.
import { WebSocket, type RawData } from 'ws';
import { ListenerQueue } from './listener-queue.js';
import type { CommandChannels } from './remote-command.js';
import { parseTerminalSize, type StreamStatus, type TerminalSize } from './status.js';
import { Channel, channelProtocolTraits, CLOSE_CHANNEL, decodeChannelMessage, encodeChannelMessage, errorChannelPayload } from './websocket-channel-protocols.js';

function toBuffer(raw: RawData): Buffer {
  if (Buffer.isBuffer(raw)) return raw;
  if (Array.isArray(raw)) return Buffer.concat(raw);
  return Buffer.from(raw);
}

/** The output channels the client asked for; the lowest one announces the session. */
export interface OpenedOutputs {
  stdout: boolean;
  stderr: boolean;
}

export function webSocketCommandChannels(ws: WebSocket, protocol: string, outputs: OpenedOutputs): CommandChannels {
  const traits = channelProtocolTraits(protocol);
  const stdin = new ListenerQueue<Uint8Array>();
  const stdinEnd = new ListenerQueue<void>();
  const resize = new ListenerQueue<TerminalSize>();
  const closed = new ListenerQueue<void>();
  let finished = false;

  const send = (channel: number, data: Uint8Array): void => {
    if (finished || ws.readyState !== WebSocket.OPEN) return;
    const message = encodeChannelMessage(traits, channel, data);
    ws.send(message, { binary: typeof message !== 'string' });
  };
  // Kubernetes' kubelet writes an empty message on the lowest open output channel (or the error
  // channel) first, so clients know the session is established. v5 clients (kubectl 1.30+) meet
  // Kubernetes' API server stream translator instead, which sends none: kubectl logs "Unknown
  // stream id" for one that comes before it has set up its streams.
  if (!traits.closeSignal) send(outputs.stdout ? Channel.stdout : outputs.stderr ? Channel.stderr : Channel.error, new Uint8Array(0));

  ws.on('message', (raw: RawData, isBinary: boolean) => {
    const message = decodeChannelMessage(traits, toBuffer(raw), isBinary);
    if (!message) return;
    switch (message.channel) {
      case Channel.stdin:
        if (message.payload.length > 0) stdin.emit(message.payload);
        return;
      case Channel.resize: {
        const size = parseTerminalSize(message.payload.toString('utf8'));
        if (size) resize.emit(size);
        return;
      }
      case CLOSE_CHANNEL:
        if (traits.closeSignal && message.payload[0] === Channel.stdin) stdinEnd.emit();
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
      const payload = errorChannelPayload(traits, status);
      if (payload) send(Channel.error, payload);
      finished = true;
      if (ws.readyState === WebSocket.OPEN) ws.close(1000);
    },
  };
}
