// The HTTP/1.1 side of a SPDY connection: a request with `Upgrade: SPDY/3.1` and the
// sub-protocols the client speaks in `X-Stream-Protocol-Version` (one header per protocol, or a
// comma-separated list) is answered with 101 and the chosen protocol; the socket then carries
// SPDY frames.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { SpdySession, type SpdySessionOptions } from './session.js';

export const SPDY_UPGRADE = 'SPDY/3.1';

export function isSpdyUpgrade(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase() === SPDY_UPGRADE.toLowerCase();
}

/** The client's protocols in its order of preference. */
export function requestedStreamProtocols(req: IncomingMessage): string[] {
  const raw = req.headersDistinct['x-stream-protocol-version'] ?? [];
  return raw.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

export type SpdyUpgradeResult =
  | { ok: true; session: SpdySession; protocol: string }
  | { ok: false; status: number; message: string };

/**
 * Completes the upgrade with the first of `supported` (server preference) that the client
 * offers. On failure nothing has been written: the caller answers with an HTTP error.
 */
export function acceptSpdyUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  supported: readonly string[],
  options: Omit<SpdySessionOptions, 'role' | 'head'> = {},
): SpdyUpgradeResult {
  const offered = requestedStreamProtocols(req);
  const protocol = supported.find((p) => offered.includes(p));
  if (!protocol) {
    return {
      ok: false,
      status: 403,
      message: `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server supports [${supported.join(' ')}]`,
    };
  }
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${SPDY_UPGRADE}\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`,
  );
  const session = new SpdySession(socket, { ...options, role: 'server', head });
  return { ok: true, session, protocol };
}
