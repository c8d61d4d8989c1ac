// An upgraded connection handed on: the request line and headers already written to the
// backend, the client's early bytes (`head`) follow, then both sockets are piped into each other
// until either side ends or fails, which ends both.
import type { Duplex } from 'node:stream';

export function spliceUpgrade(upstream: Duplex, socket: Duplex, requestHead: string, head: Buffer): void {
  upstream.write(requestHead);
  if (head.length > 0) upstream.write(head);
  upstream.pipe(socket);
  socket.pipe(upstream);
  const close = (): void => {
    upstream.destroy();
    socket.destroy();
  };
  upstream.on('error', close);
  socket.on('error', close);
  upstream.on('close', close);
  socket.on('close', close);
}
