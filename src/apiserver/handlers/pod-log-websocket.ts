// pods/log asked for with a WebSocket upgrade (Kubernetes' conformance "logs from websockets"):
// the log is read from the kubelet over HTTP as for a plain GET, then sent over the socket with
// the Reader protocols (binary.k8s.io, base64.binary.k8s.io). As in Kubernetes, the kubelet is
// asked first: a failure is answered as HTTP with its Status, before any upgrade.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError } from '../../api/errors.js';
import { READER_WEBSOCKET_PROTOCOLS, sendStreamOverWebSocket } from '../../streaming/websocket-reader.js';
import type { WebSocketAcceptor } from '../../streaming/websocket-upgrade.js';
import type { ResourceRoute } from '../routing.js';
import type { ServerContext } from './context.js';
import { kubeletRequest, podLogLocation, type KubeletEndpoint } from './kubelet-proxy.js';

/** The most of a kubelet's error answer relayed to the client. */
const MAX_ERROR_BODY = 64 * 1024;

function openKubeletLog(server: ServerContext, endpoint: KubeletEndpoint, path: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const upstream = kubeletRequest(endpoint, server.kubelet, { path, method: 'GET', headers: { accept: '*/*' } }, resolve);
    upstream.on('error', (err) => reject(new ApiError('ServiceUnavailable', `error talking to the kubelet of the pod's node: ${err.message}`)));
    upstream.end();
  });
}

/** Relays a kubelet's error answer (a Status, usually) as the answer to the upgrade request. */
async function relayErrorAnswer(socket: Duplex, up: IncomingMessage): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of up as AsyncIterable<Buffer>) {
    if (size >= MAX_ERROR_BODY) continue;
    chunks.push(chunk);
    size += chunk.length;
  }
  const body = Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY);
  const code = up.statusCode ?? 502;
  const type = up.headers['content-type'] ?? 'text/plain';
  socket.end(
    Buffer.concat([
      Buffer.from(`HTTP/1.1 ${code} ${up.statusMessage ?? ''}\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`),
      body,
    ]),
  );
}

export async function servePodLogWebSocket(
  server: ServerContext,
  acceptor: WebSocketAcceptor,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  route: ResourceRoute,
  url: URL,
): Promise<void> {
  if ((req.method ?? 'GET') !== 'GET') throw new ApiError('MethodNotAllowed', `${req.method ?? ''} is not allowed on pods/log`);
  const { endpoint, path } = await podLogLocation(server, route, url.searchParams);
  const up = await openKubeletLog(server, endpoint, path);
  if ((up.statusCode ?? 502) >= 300) return relayErrorAnswer(socket, up);
  const accepted = await acceptor.accept(req, socket, head, READER_WEBSOCKET_PROTOCOLS);
  if (!accepted.ok) {
    up.destroy();
    if (accepted.status !== 0) throw ApiError.badRequest(accepted.message);
    return;
  }
  up.on('error', () => undefined);
  await sendStreamOverWebSocket(accepted.ws, accepted.protocol, up, () => up.destroy());
}
