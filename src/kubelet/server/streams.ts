// exec, attach and portForward: the connection upgrade (WebSocket or SPDY, whichever the
// client asked for) and the bridge from the negotiated protocol to the runtime.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createWebSocketStream } from 'ws';
import { ApiError } from '../../api/errors.js';
import type { Logger } from '../../log.js';
import { PORT_FORWARD_PROTOCOL, PORT_FORWARD_TUNNEL_PROTOCOL, servePortForward } from '../../streaming/port-forward.js';
import { runRemoteCommand } from '../../streaming/remote-command.js';
import { COMMAND_SPDY_PROTOCOLS, spdyCommandChannels } from '../../streaming/spdy-command-channels.js';
import { SpdySession } from '../../streaming/spdy/session.js';
import { acceptSpdyUpgrade, isSpdyUpgrade } from '../../streaming/spdy/upgrade.js';
import { webSocketCommandChannels } from '../../streaming/websocket-channel.js';
import { COMMAND_WEBSOCKET_PROTOCOLS } from '../../streaming/websocket-channel-protocols.js';
import { isWebSocketUpgrade, type WebSocketAcceptor } from '../../streaming/websocket-upgrade.js';
import type { ContainerRuntime, StreamSession } from '../runtime/runtime.js';
import { queryFlag } from './paths.js';

export interface StreamingContext {
  runtime: ContainerRuntime;
  acceptor: WebSocketAcceptor;
  /** How long a SPDY client has to open its streams after the upgrade. */
  streamCreationTimeoutMs: number;
  log: Logger;
}

/** Answers an upgrade request with an HTTP error carrying a Status, and closes the socket. */
export function rejectUpgrade(socket: Duplex, err: ApiError): void {
  const body = JSON.stringify(err.toStatus());
  const text = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[err.code] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${err.code} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function upgradeRequired(): ApiError {
  return ApiError.badRequest('Upgrade request required: use a WebSocket or SPDY/3.1 connection upgrade');
}

export interface CommandTarget {
  kind: 'exec' | 'attach';
  containerId: string;
}

export async function serveCommand(ctx: StreamingContext, req: IncomingMessage, socket: Duplex, head: Buffer, target: CommandTarget, query: URLSearchParams): Promise<void> {
  const command = query.getAll('command');
  const tty = queryFlag(query, 'tty');
  const wanted = { stdin: queryFlag(query, 'stdin'), stdout: queryFlag(query, 'stdout'), stderr: queryFlag(query, 'stderr'), tty };
  if (target.kind === 'exec' && command.length === 0) return rejectUpgrade(socket, ApiError.badRequest('you must specify at least one command for the container'));
  if (!wanted.stdin && !wanted.stdout && !wanted.stderr) return rejectUpgrade(socket, ApiError.badRequest('you must specify at least 1 of stdin, stdout, stderr'));
  const io = { stdin: wanted.stdin, stdout: wanted.stdout, stderr: wanted.stderr && !tty, tty };
  const start = (): Promise<StreamSession> =>
    target.kind === 'exec' ? ctx.runtime.exec(target.containerId, { ...io, command }) : ctx.runtime.attach(target.containerId, io);
  const request = { kind: target.kind, command };

  if (isWebSocketUpgrade(req)) {
    const accepted = await ctx.acceptor.accept(req, socket, head, COMMAND_WEBSOCKET_PROTOCOLS);
    if (!accepted.ok) {
      if (accepted.status !== 0) rejectUpgrade(socket, new ApiError('BadRequest', accepted.message, undefined, accepted.status));
      return;
    }
    ctx.log.debug(`${target.kind} ${target.containerId} over WebSocket ${accepted.protocol}`);
    return runRemoteCommand(webSocketCommandChannels(accepted.ws, accepted.protocol, io), start, request);
  }
  if (isSpdyUpgrade(req)) {
    const up = acceptSpdyUpgrade(req, socket, head, COMMAND_SPDY_PROTOCOLS, { log: (l) => ctx.log.debug(l) });
    if (!up.ok) return rejectUpgrade(socket, new ApiError('Forbidden', up.message, undefined, up.status));
    ctx.log.debug(`${target.kind} ${target.containerId} over SPDY ${up.protocol}`);
    let channels;
    try {
      channels = await spdyCommandChannels(up.session, wanted, { timeoutMs: ctx.streamCreationTimeoutMs });
    } catch (err) {
      ctx.log.debug(`${target.kind}: ${err instanceof Error ? err.message : String(err)}`);
      up.session.close();
      return;
    }
    return runRemoteCommand(channels, start, request);
  }
  rejectUpgrade(socket, upgradeRequired());
}

export interface PortForwardTargetPod {
  sandboxId: string;
  /** For error messages: `name, uid …`. */
  describe: string;
}

export async function servePortForwardUpgrade(ctx: StreamingContext, req: IncomingMessage, socket: Duplex, head: Buffer, pod: PortForwardTargetPod): Promise<void> {
  const target = { open: (port: number) => ctx.runtime.portForward(pod.sandboxId, port), describe: pod.describe };
  const log = (l: string): void => ctx.log.debug(l);
  if (isWebSocketUpgrade(req)) {
    // kubectl 1.31+: SPDY frames tunnelled in binary WebSocket messages.
    const accepted = await ctx.acceptor.accept(req, socket, head, [PORT_FORWARD_TUNNEL_PROTOCOL]);
    if (!accepted.ok) {
      if (accepted.status !== 0) rejectUpgrade(socket, new ApiError('BadRequest', accepted.message, undefined, accepted.status));
      return;
    }
    ctx.log.debug(`port-forward ${pod.describe} over WebSocket ${accepted.protocol}`);
    const tunnel = createWebSocketStream(accepted.ws);
    servePortForward(new SpdySession(tunnel, { role: 'server', log }), target, { log });
    return;
  }
  if (isSpdyUpgrade(req)) {
    const up = acceptSpdyUpgrade(req, socket, head, [PORT_FORWARD_PROTOCOL], { log });
    if (!up.ok) return rejectUpgrade(socket, new ApiError('Forbidden', up.message, undefined, up.status));
    ctx.log.debug(`port-forward ${pod.describe} over SPDY ${up.protocol}`);
    servePortForward(up.session, target, { log });
    return;
  }
  rejectUpgrade(socket, upgradeRequired());
}
