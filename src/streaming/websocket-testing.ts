// For tests: everything a WebSocket receives until it closes.
import type { WebSocket } from 'ws';

export interface ReceivedMessages {
  /** The subprotocol the server chose. */
  protocol: string;
  messages: { data: Buffer; binary: boolean }[];
  /** The close code. */
  code: number;
}

export function receiveUntilClose(ws: WebSocket): Promise<ReceivedMessages> {
  const messages: ReceivedMessages['messages'] = [];
  return new Promise((resolve, reject) => {
    ws.on('message', (data: Buffer, binary: boolean) => messages.push({ data, binary }));
    ws.on('close', (code: number) => resolve({ protocol: ws.protocol, messages, code }));
    ws.on('error', reject);
  });
}
