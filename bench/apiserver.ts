// API server benchmark: GET one object, LIST 1,000 and 10,000 pods, CREATE at 1 and 32
// concurrent clients, watch fan-out to 1,000 watchers — on SQLite and on etcd — next to a bare
// node:http server answering the same bytes in the same run. The server runs in its own
// process so the load generator does not share its event loop.
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { startEtcd } from '../src/storage/etcd/etcd-process.js';

const TOKEN = 'bench-token';
/** Like every real client, the bench names itself: writes are then tracked in managedFields. */
const USER_AGENT = 'k8ts-bench/v0.1.0 (linux/amd64)';
const target = new URL('./apiserver-target.ts', import.meta.url).pathname;

interface Target {
  port: number;
  child: ChildProcess;
}

async function startTarget(args: string[], env: Record<string, string> = {}): Promise<Target> {
  const child = spawn(process.execPath, ['--import', 'tsx', target, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m?.[1]) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`bench target exited ${code}`)));
  });
  return { port, child };
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function call(port: number, method: string, path: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method, path, agent, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', accept: 'application/json', 'user-agent': USER_AGENT } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

interface Figure {
  perSecond: number;
  p50: number;
  p99: number;
}

/** Runs `op` `total` times with `concurrency` in flight; latencies in ms. */
async function measure(total: number, concurrency: number, op: (i: number) => Promise<void>): Promise<Figure> {
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const s = performance.now();
        await op(i);
        lat.push(performance.now() - s);
      }
    }),
  );
  const elapsed = performance.now() - t0;
  lat.sort((a, b) => a - b);
  return { perSecond: (total / elapsed) * 1000, p50: percentile(lat, 0.5), p99: percentile(lat, 0.99) };
}

const podBody = (name: string): string =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'bench', index: name } },
    spec: { containers: [{ name: 'c', image: 'busybox:1.36', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
  });

async function ensureNamespace(port: number, ns: string): Promise<void> {
  const r = await call(port, 'POST', '/api/v1/namespaces', JSON.stringify({ metadata: { name: ns } }));
  if (r.status !== 201 && r.status !== 409) throw new Error(`namespace ${ns}: ${r.status} ${r.body}`);
}

async function createPods(port: number, ns: string, count: number, concurrency: number, prefix: string): Promise<Figure> {
  return measure(count, concurrency, async (i) => {
    const r = await call(port, 'POST', `/api/v1/namespaces/${ns}/pods`, podBody(`${prefix}-${i}`));
    if (r.status !== 201) throw new Error(`create: ${r.status} ${r.body}`);
  });
}

async function watchFanOut(port: number, watchers: number): Promise<number> {
  const list = await call(port, 'GET', '/api/v1/namespaces/fan/configmaps');
  const rv = (JSON.parse(list.body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  let seen = 0;
  const reqs: ReturnType<typeof request>[] = [];
  const wagent = new Agent({ keepAlive: false, maxSockets: Infinity });
  let doneAt = 0;
  const all = new Promise<void>((resolve) => {
    for (let i = 0; i < watchers; i++) {
      const req = request(
        { host: '127.0.0.1', port, path: `/api/v1/namespaces/fan/configmaps?watch=true&resourceVersion=${rv}`, agent: wagent, headers: { authorization: `Bearer ${TOKEN}` } },
        (res) => {
          let got = false;
          res.on('data', () => {
            if (!got) {
              got = true;
              if (++seen === watchers) {
                doneAt = performance.now();
                resolve();
              }
            }
          });
        },
      );
      req.on('error', () => undefined);
      req.end();
      reqs.push(req);
    }
  });
  await new Promise((r) => setTimeout(r, 1500)); // let every watch connect
  const t0 = performance.now();
  await call(port, 'POST', '/api/v1/namespaces/fan/configmaps', JSON.stringify({ metadata: { name: 'ping' } }));
  await Promise.race([all, new Promise((r) => setTimeout(r, 20_000))]);
  for (const r of reqs) r.destroy();
  return seen === watchers ? doneAt - t0 : NaN;
}

const fmt = (f: Figure): string => `${f.perSecond.toFixed(0).padStart(8)}/s  p50 ${f.p50.toFixed(2).padStart(7)} ms  p99 ${f.p99.toFixed(2).padStart(7)} ms`;

async function benchBackend(name: string, args: string[]): Promise<void> {
  console.log(`\n== ${name}`);
  const t = await startTarget(args);
  try {
    await ensureNamespace(t.port, 'bench');
    await ensureNamespace(t.port, 'big');
    await ensureNamespace(t.port, 'fan');
    console.log(`CREATE pod, 1 client      ${fmt(await createPods(t.port, 'bench', 500, 1, 'seq'))}`);
    console.log(`CREATE pod, 32 clients    ${fmt(await createPods(t.port, 'bench', 2000, 32, 'par'))}   goal p99 ≤ 10 ms (SQLite)`);
    const one = await call(t.port, 'GET', '/api/v1/namespaces/bench/pods/seq-0');
    const get = await measure(5000, 16, async () => {
      await call(t.port, 'GET', '/api/v1/namespaces/bench/pods/seq-0');
    });
    console.log(`GET one pod, 16 clients   ${fmt(get)}`);
    process.stdout.write('filling 10,000 pods for LIST … ');
    await createPods(t.port, 'big', 10_000, 32, 'p');
    console.log('done');
    const list1k = await measure(20, 1, async () => {
      await call(t.port, 'GET', '/api/v1/namespaces/bench/pods?limit=1000&resourceVersion=0');
    });
    const list10k = await measure(10, 1, async () => {
      await call(t.port, 'GET', '/api/v1/namespaces/big/pods?resourceVersion=0');
    });
    console.log(`LIST 1,000 pods           ${fmt(list1k)}`);
    console.log(`LIST 10,000 pods (cache)  ${fmt(list10k)}   goal ≤ 150 ms`);
    const fan = await watchFanOut(t.port, 1000);
    console.log(`watch fan-out, 1,000 watchers: all saw the event after ${fan.toFixed(1)} ms`);

    const bare = await startTarget(['bare'], { BARE_BODY: one.body });
    try {
      const bareGet = await measure(5000, 16, async () => {
        await call(bare.port, 'GET', '/x');
      });
      console.log(`bare node:http, same bytes ${fmt(bareGet)}`);
      console.log(`GET ratio k8ts/bare: ${(bareGet.perSecond / get.perSecond).toFixed(2)}× slower (goal ≤ 2×)`);
    } finally {
      bare.child.kill();
    }
  } finally {
    t.child.kill();
  }
}

async function main(): Promise<void> {
  console.log('k8ts API server benchmark (reference, anchors.md: SLO p99 ≤ 1 s for mutating and single-object reads)');
  await benchBackend('sqlite', ['k8ts', 'sqlite']);
  const etcd = await startEtcd();
  try {
    await benchBackend('etcd', ['k8ts', `etcd://${etcd.endpoint}`]);
  } finally {
    await etcd.stop();
  }
}

await main();
