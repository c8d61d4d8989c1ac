import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createServer, type Server } from 'node:net';
import { listenUdpAndTcp } from './listen.js';

const close = (s: Server): Promise<void> => new Promise((resolve) => s.close(() => resolve()));

test('port 0 gives UDP and TCP the same free port', async () => {
  const tcp = createServer();
  let wired = 0;
  const { udp, port } = await listenUdpAndTcp('127.0.0.1', 0, () => wired++, tcp);
  try {
    assert.equal(wired, 1);
    assert.equal(udp.address().port, port);
    const address = tcp.address();
    assert.ok(address && typeof address === 'object');
    assert.equal(address.port, port);
  } finally {
    udp.close();
    await close(tcp);
  }
});

test('a fixed port taken for TCP is an error, and the UDP socket is released', async () => {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const taken = (holder.address() as { port: number }).port;
  const tcp = createServer();
  try {
    await assert.rejects(listenUdpAndTcp('127.0.0.1', taken, () => undefined, tcp), { code: 'EADDRINUSE' });
    await close(holder);
    // Nothing of the failed attempt holds the port: both can be bound now.
    const { udp, port } = await listenUdpAndTcp('127.0.0.1', taken, () => undefined, tcp);
    assert.equal(port, taken);
    udp.close();
    await close(tcp);
  } finally {
    if (holder.listening) await close(holder);
  }
});
