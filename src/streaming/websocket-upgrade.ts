// WebSocket handshakes with the sub-protocol chosen here rather than by `ws`: `ws` rejects a
// Sec-WebSocket-Protocol list containing a token with `/` (kubectl's port-forward tunnel
// offers `SPDY/3.1+portforward.k8s.io`), so the header is parsed here, hidden from `ws`, and
// the chosen protocol is added back to the 101 response.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

export type WebSocketAcceptResult =
  | { ok: true; ws: WebSocket; protocol: string }
  /** status 0: the handshake was malformed and `ws` already answered and closed the socket. */
  | { ok: false; status: number; message: string };

export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

export function offeredSubprotocols(req: IncomingMessage): string[] {
  const raw = req.headersDistinct['sec-websocket-protocol'] ?? [];
  return raw.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

/** The first offered protocol that is supported; `''` when none is offered and `''` is supported. */
export function chooseSubprotocol(offered: readonly string[], supported: readonly string[]): string | undefined {
  const candidates = offered.length === 0 ? [''] : offered;
  return candidates.find((p) => supported.includes(p));
}

export class WebSocketAcceptor {
  private readonly wss: WebSocketServer;
  private readonly chosen = new WeakMap<IncomingMessage, string>();

  constructor(options: { maxPayload?: number } = {}) {
    this.wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false, maxPayload: options.maxPayload ?? 64 * 1024 * 1024 });
    this.wss.on('headers', (headers: string[], req: IncomingMessage) => {
      const protocol = this.chosen.get(req);
      if (protocol) headers.push(`Sec-WebSocket-Protocol: ${protocol}`);
    });
  }

  /**
   * Completes the handshake with the client's most preferred protocol in `supported`, as
   * Kubernetes negotiates. `''` in `supported` accepts a client that offers none.
   */
  accept(req: IncomingMessage, socket: Duplex, head: Buffer, supported: readonly string[]): Promise<WebSocketAcceptResult> {
    const offered = offeredSubprotocols(req);
    const protocol = chooseSubprotocol(offered, supported);
    if (protocol === undefined) {
      const named = supported.filter((p) => p !== '');
      return Promise.resolve({
        ok: false,
        status: 400,
        message: `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server supports [${named.join(' ')}]`,
      });
    }
    delete req.headers['sec-websocket-protocol'];
    this.chosen.set(req, protocol);
    return new Promise((resolve) => {
      const onClose = (): void => resolve({ ok: false, status: 0, message: 'the WebSocket handshake was rejected' });
      socket.once('close', onClose);
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        socket.off('close', onClose);
        resolve({ ok: true, ws, protocol });
      });
    });
  }

  close(): void {
    this.wss.close();
  }
}
