// The userspace TCP relay on loopback: half-closes pass through, a refused endpoint is skipped
// for the next one without losing the client's bytes, and a large transfer arrives intact both
// ways (the relay pauses a side while the other is full). Every wait has a deadline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createLogger } from '../log.js';
import type { ServicePort } from './model.js';
import { serviceLoopbackAddress, UserspaceProxier } from './userspace.js';

const log = createLogger('test', { level: 'error' });

function within<T>(p: Promise<T>, what: string, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

function listen(handler: (s: Socket) => void): Promise<Server> {
  const server = createServer({ allowHalfOpen: true }, handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const portOf = (s: Server): number => (s.address() as AddressInfo).port;

function service(clusterIP: string, port: number, endpoints: number[]): ServicePort {
  return {
    id: 'test/relay:tcp',
    namespace: 'test',
    name: 'relay',
    portName: 'tcp',
    protocol: 'TCP',
    clusterIPs: [clusterIP],
    port,
    loadBalancerIPs: [],
    externalIPs: [],
    externalTrafficPolicy: 'Cluster',
    internalTrafficPolicy: 'Cluster',
    endpoints: endpoints.map((p) => ({ ip: '127.0.0.1', port: p, ready: true, serving: true, terminating: false, local: true })),
  };
}

/** Sends `data`, half-closes, and collects everything that comes back until the other side ends. */
function exchange(host: string, port: number, data: Buffer | string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => {
      s.end();
      resolve(Buffer.concat(chunks));
    });
    s.on('error', reject);
    s.end(data);
  });
}

test('userspace TCP relay: half-close, a refused endpoint skipped, a large transfer intact', async () => {
  // Answers only after the client's FIN: how many bytes arrived, and a digest of them.
  const counter = await listen((s) => {
    const hash = createHash('sha256');
    let n = 0;
    s.on('data', (c: Buffer) => {
      n += c.length;
      hash.update(c);
    });
    s.on('end', () => s.end(`${n} ${hash.digest('hex')}`));
  });
  const echo = await listen((s) => s.pipe(s));
  const gone = await listen(() => undefined);
  const refused = portOf(gone);
  await new Promise((r) => gone.close(r));
  const proxier = new UserspaceProxier({ log });
  try {
    await proxier.update([service('10.43.211.1', 18211, [refused, portOf(counter)]), { ...service('10.43.211.2', 18212, [portOf(echo)]), id: 'test/echo:tcp' }]);
    const vip = serviceLoopbackAddress('10.43.211.1');

    // Every connection gets its answer although round robin offers the refused endpoint half the time.
    for (let i = 0; i < 4; i++) {
      const answer = await within(exchange(vip, 18211, 'hello'), 'an answer after the half-close');
      assert.equal(answer.toString(), `5 ${createHash('sha256').update('hello').digest('hex')}`);
    }

    const big = randomBytes(8 * 1024 * 1024);
    const counted = await within(exchange(vip, 18211, big), 'the count of a large upload');
    assert.equal(counted.toString(), `${big.length} ${createHash('sha256').update(big).digest('hex')}`);
    const echoed = await within(exchange(serviceLoopbackAddress('10.43.211.2'), 18212, big), 'a large echo');
    assert.equal(echoed.length, big.length);
    assert.ok(echoed.equals(big), 'echoed bytes differ');
  } finally {
    await proxier.close();
    counter.close();
    echo.close();
  }
});
