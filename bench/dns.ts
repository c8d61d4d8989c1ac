// Cluster DNS throughput: A queries for a Service name over UDP from one client with a fixed
// number in flight, next to a loopback UDP echo server measured the same way (the floor set by
// node:dgram and the loopback path). Prints queries/s and p50/p99 latency for both, and the ratio.
import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { startTestServer, ADMIN_TOKEN } from '../src/apiserver/testing.js';
import { createClient } from '../src/client/client.js';
import { HttpTransport } from '../src/client/http.js';
import { encodeMessage } from '../src/dns/encode.js';
import { CLASS_IN, RRType } from '../src/dns/message.js';
import { startDnsServer } from '../src/dns/server.js';
import { createLogger } from '../src/log.js';

const IN_FLIGHT = Number(process.env['DNS_BENCH_IN_FLIGHT'] ?? 64);
const QUERIES = Number(process.env['DNS_BENCH_QUERIES'] ?? 100_000);

interface Result {
  qps: number;
  p50: number;
  p99: number;
  lost: number;
}

/** Sends QUERIES datagrams keeping IN_FLIGHT outstanding; replies are matched by the 16-bit ID. */
async function run(port: number, makeQuery: (id: number) => Buffer): Promise<Result> {
  const sock: Socket = createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  let sent = 0;
  let lost = 0;
  let nextId = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const send = (): void => {
      if (sent >= QUERIES) {
        if (sentAt.size === 0) resolve();
        return;
      }
      const id = nextId;
      nextId = (nextId + 1) & 0xffff;
      sent++;
      sentAt.set(id, performance.now());
      sock.send(makeQuery(id), port, '127.0.0.1');
    };
    sock.on('message', (msg) => {
      const id = msg.readUInt16BE(0);
      const t = sentAt.get(id);
      if (t === undefined) return;
      sentAt.delete(id);
      latencies.push(performance.now() - t);
      send();
    });
    // A datagram lost on loopback (socket buffer full) is given up after a second.
    const sweeper = setInterval(() => {
      const now = performance.now();
      for (const [id, t] of sentAt) {
        if (now - t > 1000) {
          sentAt.delete(id);
          lost++;
          send();
        }
      }
      if (sent >= QUERIES && sentAt.size === 0) {
        clearInterval(sweeper);
        resolve();
      }
    }, 200);
    for (let i = 0; i < IN_FLIGHT; i++) send();
  });
  const seconds = (performance.now() - started) / 1000;
  sock.close();
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? NaN;
  return { qps: latencies.length / seconds, p50: pct(0.5), p99: pct(0.99), lost };
}

async function echoServer(): Promise<{ port: number; close(): void }> {
  const sock = createSocket('udp4');
  sock.on('message', (msg, rinfo) => sock.send(msg, rinfo.port, rinfo.address));
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  return { port: sock.address().port, close: () => sock.close() };
}

function show(name: string, r: Result): void {
  console.log(`${name.padEnd(22)} ${r.qps.toFixed(0).padStart(8)} q/s   p50 ${r.p50.toFixed(3)} ms   p99 ${r.p99.toFixed(3)} ms   lost ${r.lost}`);
}

async function main(): Promise<void> {
  const api = await startTestServer({ advertiseAddress: '192.0.2.10' });
  const stop = new AbortController();
  const created = await api.req('POST', '/api/v1/namespaces/default/services', {
    body: { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] } },
  });
  if (created.status !== 201) throw new Error(`creating the service: ${created.text}`);
  const client = createClient(new HttpTransport({ server: api.url, token: ADMIN_TOKEN }));
  // No upstream: only cluster names are asked, and nothing may leave the machine.
  const dns = await startDnsServer({ client, host: '127.0.0.1', port: 0, upstream: [], log: createLogger('dns', { level: 'error' }), signal: stop.signal });
  const echo = await echoServer();
  const query = (id: number): Buffer =>
    encodeMessage({
      header: { id, qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, ad: false, cd: false, rcode: 0 },
      questions: [{ name: 'web.default.svc.cluster.local', type: RRType.A, class: CLASS_IN }],
      answers: [],
      authorities: [],
      additionals: [],
    });
  console.log(`DNS over UDP, ${QUERIES} queries, ${IN_FLIGHT} in flight, one client (node ${process.version})`);
  // Warm-up, then measure each twice and keep the better run.
  await run(dns.port, query);
  const echoResult = [await run(echo.port, query), await run(echo.port, query)].sort((a, b) => b.qps - a.qps)[0] as Result;
  const dnsResult = [await run(dns.port, query), await run(dns.port, query)].sort((a, b) => b.qps - a.qps)[0] as Result;
  show('udp echo (floor)', echoResult);
  show('cluster DNS A query', dnsResult);
  console.log(`cluster DNS / echo throughput: ${(dnsResult.qps / echoResult.qps).toFixed(2)}`);
  echo.close();
  stop.abort();
  await dns.stop();
  client.close();
  await api.close();
}

await main();
