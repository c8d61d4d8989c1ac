// An upgraded connection handed on: the request line and headers already written to the
// backend, the client's early bytes (`head`) follow, then both sockets are piped into each other.
// When one side closes, the other is ended first and destroyed once what was already written
// to it is out, so the last frames (an exec's exit status) still reach the client; a failing
// side takes the other down at once.
import type { Duplex } from 'node:stream';

export function spliceUpgrade(upstream: Duplex, socket: Duplex, requestHead: string, head: Buffer): void {
  upstream.write(requestHead);
  if (head.length > 0) upstream.write(head);
  upstream.pipe(socket);
  socket.pipe(upstream);
  const destroyBoth = (): void => {
    upstream.destroy();
    socket.destroy();
  };
  const closeAfterFlush = (other: Duplex) => (): void => {
    if (other.destroyed) return;
    other.end(() => other.destroy());
  };
  upstream.on('error', destroyBoth);
  socket.on('error', destroyBoth);
  upstream.on('close', closeAfterFlush(socket));
  socket.on('close', closeAfterFlush(upstream));
}
