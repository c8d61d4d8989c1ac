// exec and attach over SPDY (kubectl 1.27–1.29, and 1.30+ when the WebSocket upgrade is
// refused): after the upgrade the client opens one stream per channel, naming it in the
// `streamtype` header — error, stdin, stdout, stderr (not with a tty) and resize (tty only).
// Each is accepted with SYN_REPLY at once; the command starts when all expected ones are open.
import { ListenerQueue } from './listener-queue.js';
import type { CommandChannels } from './remote-command.js';
import { RstStatus } from './spdy/frames.js';
import type { SpdySession, SpdyStream } from './spdy/session.js';
import { encodeStatus, parseTerminalSize, type TerminalSize } from './status.js';

/** Server preference. v4 is the first version whose error stream carries a Status. */
export const COMMAND_SPDY_PROTOCOLS: readonly string[] = ['v4.channel.k8s.io'];

export interface CommandStreamsWanted {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

type StreamType = 'error' | 'stdin' | 'stdout' | 'stderr' | 'resize';

export function expectedStreamTypes(wanted: CommandStreamsWanted): Set<StreamType> {
  const types = new Set<StreamType>(['error']);
  if (wanted.stdin) types.add('stdin');
  if (wanted.stdout) types.add('stdout');
  // With a tty the terminal merges stderr into stdout; clients do not open a stderr stream.
  if (wanted.stderr && !wanted.tty) types.add('stderr');
  if (wanted.tty) types.add('resize');
  return types;
}

/** Resolves once every expected stream is open; rejects on timeout or a closed session. */
export function spdyCommandChannels(session: SpdySession, wanted: CommandStreamsWanted, options: { timeoutMs: number }): Promise<CommandChannels> {
  const expected = expectedStreamTypes(wanted);
  const streams = new Map<StreamType, SpdyStream>();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out waiting for the client to create streams')), options.timeoutMs);
    session.onClose(() => {
      clearTimeout(timer);
      reject(new Error('the connection closed before all streams were created'));
    });
    session.onStream((stream) => {
      const type = stream.header('streamtype');
      if (!type || !expected.has(type as StreamType) || streams.has(type as StreamType)) {
        stream.reset(RstStatus.protocolError);
        return;
      }
      stream.reply();
      streams.set(type as StreamType, stream);
      if (streams.size === expected.size) {
        clearTimeout(timer);
        resolve(channelsOver(session, streams));
      }
    });
  });
}

function channelsOver(session: SpdySession, streams: Map<StreamType, SpdyStream>): CommandChannels {
  const stdin = new ListenerQueue<Uint8Array>();
  const stdinEnd = new ListenerQueue<void>();
  const resize = new ListenerQueue<TerminalSize>();
  const closed = new ListenerQueue<void>();
  let finished = false;

  const stdinStream = streams.get('stdin');
  if (stdinStream) {
    stdinStream.onData((d) => stdin.emit(d));
    stdinStream.onEnd(() => stdinEnd.emit());
  }
  const resizeStream = streams.get('resize');
  if (resizeStream) {
    // The client writes one JSON object per line.
    let text = '';
    resizeStream.onData((d) => {
      text += d.toString('utf8');
      const lines = text.split('\n');
      text = lines.pop() ?? '';
      for (const line of lines) {
        const size = parseTerminalSize(line);
        if (size) resize.emit(size);
      }
    });
  }
  session.onClose(() => closed.emit());
  const write = (type: StreamType, data: Uint8Array): void => {
    if (!finished) streams.get(type)?.write(data);
  };
  return {
    onStdin: (l) => stdin.set(l),
    onStdinEnd: (l) => stdinEnd.set(l),
    onResize: (l) => resize.set(l),
    onClosed: (l) => closed.set(l),
    writeStdout: (d) => write('stdout', d),
    writeStderr: (d) => write('stderr', d),
    finish: (status) => {
      if (finished) return;
      streams.get('error')?.write(encodeStatus(status));
      finished = true;
      for (const s of streams.values()) s.end();
      session.close();
    },
  };
}
