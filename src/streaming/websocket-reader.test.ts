import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { encodeReaderMessage, READER_WEBSOCKET_PROTOCOLS, sendStreamOverWebSocket } from './websocket-reader.js';
import { WebSocketAcceptor } from './websocket-upgrade.js';
import { receiveUntilClose, type ReceivedMessages } from './websocket-testing.js';

test('binary.k8s.io sends the bytes as they are, base64.binary.k8s.io as base64 text', () => {
  assert.deepEqual(encodeReaderMessage('binary.k8s.io', Buffer.from('log\n')), Buffer.from('log\n'));
  assert.deepEqual(encodeReaderMessage('', Buffer.from('log\n')), Buffer.from('log\n'));
  assert.equal(encodeReaderMessage('base64.binary.k8s.io', Buffer.from('log\n')), 'bG9nCg==');
});

let server: Server;
let url: string;
const acceptor = new WebSocketAcceptor();
let stopFollowing: () => void = () => undefined;
const followStopped = new Promise<void>((resolve) => (stopFollowing = resolve));

async function* chunks(): AsyncIterable<Uint8Array> {
  yield Buffer.from('one\n');
  yield Buffer.alloc(0);
  yield Buffer.from('two\n');
}

/** Like a followed log: one line, then nothing until the client goes away. */
async function* following(): AsyncIterable<Uint8Array> {
  yield Buffer.from('first\n');
  await followStopped;
}

before(async () => {
  server = createServer();
  server.on('upgrade', (req, socket, head) => {
    void acceptor.accept(req, socket, head, READER_WEBSOCKET_PROTOCOLS).then((r) => {
      if (!r.ok) {
        socket.destroy();
        return;
      }
      const follow = req.url === '/follow';
      return sendStreamOverWebSocket(r.ws, r.protocol, follow ? following() : chunks(), () => stopFollowing());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

after(async () => {
  acceptor.close();
  await new Promise<void>((r) => server.close(() => r()));
});

function read(protocols: string[]): Promise<ReceivedMessages> {
  return receiveUntilClose(new WebSocket(`${url}once`, protocols));
}

test('the stream is sent message by message, then the server closes normally', async () => {
  const bin = await read(['binary.k8s.io']);
  assert.equal(bin.protocol, 'binary.k8s.io');
  assert.deepEqual(bin.messages.map((m) => [m.binary, m.data.toString()]), [[true, 'one\n'], [true, 'two\n']]);
  assert.equal(bin.code, 1000);

  const b64 = await read(['base64.binary.k8s.io', 'binary.k8s.io']);
  assert.equal(b64.protocol, 'base64.binary.k8s.io');
  assert.deepEqual(b64.messages.map((m) => [m.binary, Buffer.from(m.data.toString(), 'base64').toString()]), [[false, 'one\n'], [false, 'two\n']]);

  const unnamed = await read([]);
  assert.equal(unnamed.protocol, '');
  assert.equal(Buffer.concat(unnamed.messages.map((m) => m.data)).toString(), 'one\ntwo\n');
});

test('a client that goes away stops a stream that would not end', async () => {
  const ws = new WebSocket(`${url}follow`, ['binary.k8s.io']);
  const first = await new Promise<string>((resolve, reject) => {
    ws.once('message', (data: Buffer) => resolve(data.toString()));
    ws.on('error', reject);
  });
  assert.equal(first, 'first\n');
  ws.close();
  await followStopped;
});
