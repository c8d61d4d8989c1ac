// A byte stream served over WebSocket, as Kubernetes serves streamed GETs (pods/log) to a
// client that asks for an upgrade: `binary.k8s.io` sends each chunk as a binary message,
// `base64.binary.k8s.io` as a base64 text message; no channel byte. The server closes the
// socket when the stream ends; what the client sends is ignored.
import { WebSocket } from 'ws';

export const ReaderProtocol = {
  binary: 'binary.k8s.io',
  base64: 'base64.binary.k8s.io',
  /** A client that offers no sub-protocol gets binary messages. */
  unnamed: '',
} as const;

export const READER_WEBSOCKET_PROTOCOLS: readonly string[] = Object.values(ReaderProtocol);

/** One message: a Buffer goes as a binary message, a string as text. */
export function encodeReaderMessage(protocol: string, chunk: Uint8Array): Buffer | string {
  return protocol === ReaderProtocol.base64 ? Buffer.from(chunk).toString('base64') : Buffer.from(chunk);
}

/**
 * Sends `source` until it ends, then closes the socket normally. Each message waits for the
 * previous one to be written, so a slow client slows the source. The client going away
 * calls `onGone` (to stop a source that may never end, like a followed log) and ends this.
 */
export async function sendStreamOverWebSocket(ws: WebSocket, protocol: string, source: AsyncIterable<Uint8Array>, onGone: () => void): Promise<void> {
  let gone = false;
  let ended = false;
  ws.on('error', () => undefined);
  ws.on('close', () => {
    gone = true;
    if (!ended) onGone();
  });
  const send = (message: Buffer | string): Promise<void> =>
    new Promise((resolve) => ws.send(message, { binary: typeof message !== 'string' }, () => resolve()));
  try {
    for await (const chunk of source) {
      if (gone) return;
      if (chunk.length > 0) await send(encodeReaderMessage(protocol, chunk));
    }
  } catch {
    // The source failed midway: all the client can be told is that the stream ended.
  }
  ended = true;
  if (!gone && ws.readyState === WebSocket.OPEN) ws.close(1000);
}
