// exec and attach independent of the wire: a transport (WebSocket channels, or SPDY streams)
// offers CommandChannels; runRemoteCommand bridges them to the runtime's StreamSession and
// reports the outcome as a Status on the error channel, then closes the connection.
import type { StreamSession } from '../kubelet/runtime/runtime.js';
import { exitCodeStatus, internalErrorStatus, successStatus, type StreamStatus, type TerminalSize } from './status.js';

/** One negotiated exec/attach connection, whichever protocol carries it. */
export interface CommandChannels {
  onStdin(listener: (data: Uint8Array) => void): void;
  /** The client closed stdin (SPDY FIN, or the v5 WebSocket close message). */
  onStdinEnd(listener: () => void): void;
  onResize(listener: (size: TerminalSize) => void): void;
  /** The connection is gone (client disconnect, or after finish). */
  onClosed(listener: () => void): void;
  writeStdout(data: Uint8Array): void;
  writeStderr(data: Uint8Array): void;
  /** Writes the final Status and closes the connection gracefully; later writes are dropped. */
  finish(status: StreamStatus): void;
}

export interface RemoteCommandRequest {
  kind: 'exec' | 'attach';
  /** exec only; named in the failure message. */
  command: readonly string[];
}

/**
 * Runs one command session to its end. Input that arrives while the runtime is starting is
 * queued. A client that goes away closes the runtime session (exec: ends the process;
 * attach: detaches).
 */
export async function runRemoteCommand(
  channels: CommandChannels,
  start: () => Promise<StreamSession>,
  request: RemoteCommandRequest,
): Promise<void> {
  let session: StreamSession | undefined;
  let gone = false;
  const queuedStdin: Uint8Array[] = [];
  let stdinEnded = false;
  let size: TerminalSize | undefined;
  channels.onStdin((data) => (session ? session.writeStdin(data) : queuedStdin.push(data)));
  channels.onStdinEnd(() => (session ? session.closeStdin() : (stdinEnded = true)));
  channels.onResize((s) => (session ? session.resize(s.width, s.height) : (size = s)));
  channels.onClosed(() => {
    gone = true;
    session?.close();
  });

  try {
    session = await start();
  } catch (err) {
    const verb = request.kind === 'exec' ? 'executing command in container' : 'attaching to container';
    channels.finish(internalErrorStatus(`error ${verb}: ${err instanceof Error ? err.message : String(err)}`));
    return;
  }
  if (gone) {
    session.close();
    return;
  }
  session.onStdout((d) => channels.writeStdout(d));
  session.onStderr((d) => channels.writeStderr(d));
  if (size) session.resize(size.width, size.height);
  for (const d of queuedStdin.splice(0)) session.writeStdin(d);
  if (stdinEnded) session.closeStdin();

  let status: StreamStatus;
  try {
    const { exitCode } = await session.done;
    status = request.kind === 'exec' && exitCode !== 0 ? exitCodeStatus(exitCode, request.command) : successStatus();
  } catch (err) {
    status = internalErrorStatus(err instanceof Error ? err.message : String(err));
  }
  if (!gone) channels.finish(status);
}
