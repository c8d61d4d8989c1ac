import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { encodeFrame, GoAwayStatus, RstStatus } from './frames.js';
import { SpdySession, type SpdyStream } from './session.js';

let server: Server;
let port: number;
const accepted: Socket[] = [];

before(async () => {
  server = createServer((s) => accepted.push(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  for (const s of accepted) s.destroy();
  await new Promise<void>((r) => server.close(() => r()));
});

/** A connected client socket and the server's end of it. */
async function socketPair(): Promise<{ client: Socket; server: Socket }> {
  const before = accepted.length;
  const client = connect(port, '127.0.0.1');
  await new Promise<void>((r) => client.once('connect', () => r()));
  while (accepted.length === before) await new Promise((r) => setImmediate(r));
  const serverSide = accepted[accepted.length - 1];
  assert.ok(serverSide);
  return { client, server: serverSide };
}

function collect(stream: SpdyStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  stream.onData((d) => chunks.push(d));
  return new Promise((resolve) => stream.onEnd(() => resolve(Buffer.concat(chunks))));
}

async function sessions(options: { flowControl?: 'enforce' } = {}): Promise<{ client: SpdySession; server: SpdySession; raw: Socket }> {
  const pair = await socketPair();
  return {
    client: new SpdySession(pair.client, { role: 'client', ...options }),
    server: new SpdySession(pair.server, { role: 'server', ...options }),
    raw: pair.client,
  };
}

test('streams carry headers and data both ways and half-close with FIN', async () => {
  const { client, server } = await sessions();
  server.onStream((s) => {
    assert.equal(s.header('streamtype'), 'data');
    s.reply();
    void collect(s).then((got) => {
      s.write(Buffer.concat([Buffer.from('echo:'), got]));
      s.end();
    });
  });
  const big = Buffer.alloc(200_000, 7);
  const stream = await client.openStream(new Map([['streamtype', ['data']], ['port', ['80']]]));
  const answer = collect(stream);
  stream.write(big);
  stream.end();
  const got = await answer;
  assert.deepEqual(got, Buffer.concat([Buffer.from('echo:'), big]));
  const closed = await new Promise((r) => stream.onClose(r));
  assert.equal(closed, 'done');
  client.close();
  server.close();
});

test('many streams keep the shared header compression contexts in step', async () => {
  const { client, server } = await sessions();
  server.onStream((s) => s.reply(new Map([['n', [s.header('n') ?? '']]])));
  for (let i = 0; i < 50; i++) {
    const s = await client.openStream(new Map([['n', [String(i)]], ['requestid', [String(i)]]]));
    assert.equal(s.header('n'), String(i));
  }
  client.close();
  server.close();
});

test('PING is answered and a peer GOAWAY or RST_STREAM does not throw', async () => {
  const { client, server } = await sessions();
  let serverStream: SpdyStream | undefined;
  server.onStream((s) => {
    serverStream = s;
    s.reply();
  });
  await client.ping();
  await server.ping();
  const stream = await client.openStream(new Map([['streamtype', ['error']]]));
  const reset = new Promise((r) => serverStream?.onClose(r));
  stream.reset(RstStatus.cancel);
  assert.equal(await reset, 'reset');
  const goAway = new Promise<number>((r) => server.onGoAway((_last, status) => r(status)));
  const serverClosed = new Promise<void>((r) => server.onClose(() => r()));
  client.close();
  assert.equal(await goAway, GoAwayStatus.ok);
  await serverClosed;
  await assert.rejects(server.openStream(new Map()), /closing/);
});

test('a malformed frame ends the session with GOAWAY(PROTOCOL_ERROR), without throwing', async () => {
  const { server, raw } = await sessions();
  const received: Buffer[] = [];
  raw.on('data', (d: Buffer) => received.push(d));
  const closed = new Promise<void>((r) => server.onClose(() => r()));
  // A PING with a 3-byte body.
  raw.write(Buffer.from([0x80, 0x03, 0x00, 0x06, 0, 0, 0, 3, 1, 2, 3]));
  await closed;
  await new Promise<void>((r) => (raw.readableEnded ? r() : raw.once('close', () => r())));
  const goAway = encodeFrame({ type: 'goAway', lastGoodStreamId: 0, status: GoAwayStatus.protocolError });
  assert.ok(Buffer.concat(received).includes(goAway));
});

test('a stream the peer opens with bad headers is reset, the session carries on', async () => {
  const { client, server } = await sessions();
  server.onStream((s) => (s.header('streamtype') ? s.reply() : s.reset(RstStatus.protocolError)));
  await assert.rejects(client.openStream(new Map([['x', ['y']]])), /closed before its reply/);
  const ok = await client.openStream(new Map([['streamtype', ['data']]]));
  assert.equal(ok.replied, true);
  client.close();
  server.close();
});

test('with enforced flow control a sender waits for WINDOW_UPDATE beyond 64 KiB', async () => {
  const { client, server } = await sessions({ flowControl: 'enforce' });
  const payload = Buffer.alloc(300_000, 3);
  server.onStream((s) => {
    s.reply();
    s.write(payload);
    s.end();
  });
  const stream = await client.openStream(new Map([['streamtype', ['stdout']]]));
  assert.deepEqual(await collect(stream), payload);
  client.close();
  server.close();
});
