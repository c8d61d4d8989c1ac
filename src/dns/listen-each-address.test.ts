import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSocket, type RemoteInfo } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { listenOnEachAddress, localIPv4Addresses } from './listen-each-address.js';

const close = (s: Server): Promise<void> => new Promise((resolve) => s.close(() => resolve()));

test('local addresses include loopback first', () => {
  const addresses = localIPv4Addresses();
  assert.equal(addresses[0], '127.0.0.1');
  assert.equal(new Set(addresses).size, addresses.length);
});

// Regression: pods' queries to the kube-dns ClusterIP timed out, because the wildcard UDP socket
// answered from the pod bridge's address instead of the node address the query was DNAT'ed to.
test('each address answers from itself, all on one port shared with TCP on the wildcard', async () => {
  const tcp = createServer();
  const { udp, port } = await listenOnEachAddress(['127.0.0.1', '127.0.0.2'], 0, (s) => s.on('message', (m, r) => s.send(m, r.port, r.address)), tcp);
  const client = createSocket('udp4');
  try {
    assert.equal(udp.length, 2);
    for (const s of udp) assert.equal(s.address().port, port);
    assert.equal((tcp.address() as { address: string; port: number }).port, port);
    assert.equal((tcp.address() as { address: string }).address, '0.0.0.0');
    await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve));
    for (const target of ['127.0.0.1', '127.0.0.2']) {
      const reply = new Promise<RemoteInfo>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no reply from ${target}`)), 5000);
        client.once('message', (_m, r) => {
          clearTimeout(timer);
          resolve(r);
        });
      });
      client.send(Buffer.from('ping'), port, target);
      assert.equal((await reply).address, target);
    }
  } finally {
    client.close();
    for (const s of udp) s.close();
    await close(tcp);
  }
});

test('a fixed port taken on one address is an error and releases the others', async () => {
  const holder = createSocket('udp4');
  await new Promise<void>((resolve) => holder.bind(0, '127.0.0.2', resolve));
  const taken = holder.address().port;
  const tcp = createServer();
  try {
    await assert.rejects(listenOnEachAddress(['127.0.0.1', '127.0.0.2'], taken, () => undefined, tcp), { code: 'EADDRINUSE' });
    holder.close();
    const { udp, port } = await listenOnEachAddress(['127.0.0.1', '127.0.0.2'], taken, () => undefined, tcp);
    assert.equal(port, taken);
    for (const s of udp) s.close();
    await close(tcp);
  } finally {
    try {
      holder.close();
    } catch {
      // closed above
    }
  }
});
