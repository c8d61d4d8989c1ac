// Storage benchmark: memory, SQLite and a real etcd (started here, single member, fsync on)
// side by side in one run, next to etcd's published figures. Every phase is bounded in time,
// so the whole run stays under two minutes on a 2-core machine.
//   npm run bench:storage
import { setMaxListeners } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Storage } from '../src/storage/storage.js';
import { MemoryStorage } from '../src/storage/memory/memory.js';
import { SqliteStorage } from '../src/storage/sqlite/sqlite.js';
import { EtcdStorage } from '../src/storage/etcd/etcd.js';
import { startEtcd } from '../src/storage/etcd/etcd-process.js';

const PHASE_MS = 2_000;
const LIST_KEYS = 10_000;
const IN_FLIGHT = 32;
const value = new TextEncoder().encode(JSON.stringify({ kind: 'Pod', metadata: { name: 'x'.repeat(40) }, spec: { pad: 'y'.repeat(900) } }));

interface Figures {
  seqCreate: number;
  concCreate: number;
  seqGet: number;
  concGet: number;
  listMs: number;
  watch10: Latency;
  watch1000: Latency;
  heapMb: number;
  rssMb: number;
}
interface Latency {
  p50: number;
  p99: number;
  samples: number;
}

// A collectable heap makes the growth figures mean "retained", not "garbage not yet collected".
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;
function settledMemory(): NodeJS.MemoryUsage {
  collect();
  collect();
  return process.memoryUsage();
}

const log = (line: string): void => console.log(`[bench:storage] ${line}`);

/** Runs `op` for about PHASE_MS with `inFlight` concurrent callers; returns ops/s. */
async function rate(inFlight: number, op: (i: number) => Promise<unknown>, maxOps = 200_000): Promise<number> {
  let next = 0;
  const started = performance.now();
  const until = started + PHASE_MS;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < until && next < maxOps) await op(next++);
    }),
  );
  return next / ((performance.now() - started) / 1000);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
}

/** Latency from a create's start to its delivery at each of `watchers` watches, one write at a time. */
async function watchLatency(s: Storage, watchers: number, writes: number, tag: string): Promise<Latency> {
  const prefix = `/watch-${tag}/`;
  const ac = new AbortController();
  // One signal stops every watcher of this phase: each watch listens to it.
  setMaxListeners(watchers * 2 + 10, ac.signal);
  const startRev = await s.currentRevision();
  const samples: number[] = [];
  const sentAt = new Map<string, number>();
  let pending = 0;
  let wake: (() => void) | undefined;
  const loops = Array.from({ length: watchers }, async () => {
    for await (const event of s.watch(prefix, { afterRevision: startRev, signal: ac.signal })) {
      const t0 = sentAt.get(event.kv.key);
      if (t0 !== undefined) samples.push(performance.now() - t0);
      if (--pending === 0) wake?.();
    }
  });
  // Every watch replays or receives this warm-up write, so all are established before timing.
  pending = watchers;
  const warm = new Promise<void>((resolve) => (wake = resolve));
  await s.create(`${prefix}warmup`, value);
  await warm;
  const deadline = performance.now() + PHASE_MS * 2;
  for (let i = 0; i < writes && performance.now() < deadline; i++) {
    const key = `${prefix}${i}`;
    pending = watchers;
    const delivered = new Promise<void>((resolve) => (wake = resolve));
    sentAt.set(key, performance.now());
    await s.create(key, value);
    await delivered;
  }
  ac.abort();
  await Promise.allSettled(loops);
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), samples: samples.length };
}

async function measure(s: Storage): Promise<Figures> {
  const name = s.backend;
  const before = settledMemory();
  const seqCreate = await rate(1, (i) => s.create(`/seq/${i}`, value));
  log(`${name}: sequential create ${seqCreate.toFixed(0)}/s`);
  const concCreate = await rate(IN_FLIGHT, (i) => s.create(`/conc/${i}`, value));
  log(`${name}: concurrent create (${IN_FLIGHT} in flight) ${concCreate.toFixed(0)}/s`);
  const seqGet = await rate(1, (i) => s.get(`/seq/${i % 500}`));
  const concGet = await rate(IN_FLIGHT, (i) => s.get(`/seq/${i % 500}`));
  log(`${name}: get ${seqGet.toFixed(0)}/s (1 client), ${concGet.toFixed(0)}/s (${IN_FLIGHT} in flight)`);

  let made = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (made < LIST_KEYS) await s.create(`/list/${String(made++).padStart(6, '0')}`, value);
    }),
  );
  const listTimes: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const r = await s.list('/list/');
    listTimes.push(performance.now() - t0);
    if (r.kvs.length !== LIST_KEYS) throw new Error(`${name}: listed ${r.kvs.length} of ${LIST_KEYS} keys`);
  }
  const listMs = listTimes.sort((a, b) => a - b)[2] as number;
  log(`${name}: list of ${LIST_KEYS} keys ${listMs.toFixed(1)} ms (median of 5)`);

  const watch10 = await watchLatency(s, 10, 300, 'w10');
  log(`${name}: watch latency, 10 watchers: p50 ${watch10.p50.toFixed(2)} ms, p99 ${watch10.p99.toFixed(2)} ms`);
  const watch1000 = await watchLatency(s, 1000, 50, 'w1000');
  log(`${name}: watch latency, 1,000 watchers: p50 ${watch1000.p50.toFixed(2)} ms, p99 ${watch1000.p99.toFixed(2)} ms`);
  const after = settledMemory();
  return {
    seqCreate,
    concCreate,
    seqGet,
    concGet,
    listMs,
    watch10,
    watch1000,
    heapMb: (after.heapUsed - before.heapUsed) / 2 ** 20,
    rssMb: (after.rss - before.rss) / 2 ** 20,
  };
}

const started = performance.now();
const results = new Map<string, Figures>();
const dir = await mkdtemp(join(tmpdir(), 'k8ts-bench-storage-'));
log('starting etcd (single member, data in a temp dir, fsync on)');
const etcd = await startEtcd();
try {
  const backends: Array<[string, () => Promise<Storage>]> = [
    ['memory', async () => new MemoryStorage()],
    ['sqlite', async () => SqliteStorage.open(join(dir, 'state.db'))],
    ['etcd', () => EtcdStorage.connect([etcd.endpoint])],
  ];
  for (const [name, open] of backends) {
    log(`${name}: running`);
    const s = await open();
    try {
      results.set(name, await measure(s));
    } finally {
      await s.close();
    }
  }
} finally {
  await etcd.stop();
  await rm(dir, { recursive: true, force: true });
}

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '-');
const rows: Array<[string, (f: Figures) => number, number, string]> = [
  ['sequential create/s', (f) => f.seqCreate, 0, '583/s at 1 client'],
  [`concurrent create/s (${IN_FLIGHT} in flight)`, (f) => f.concCreate, 0, '44,341/s at 1,000 clients'],
  ['get/s (1 client)', (f) => f.seqGet, 0, '1,353/s linearizable, 1 client'],
  [`get/s (${IN_FLIGHT} in flight)`, (f) => f.concGet, 0, '141,578/s at 1,000 clients'],
  [`list ${fmt(LIST_KEYS)} keys (ms, lower is better)`, (f) => f.listMs, 1, ''],
  ['watch p50, 10 watchers (ms)', (f) => f.watch10.p50, 2, ''],
  ['watch p99, 10 watchers (ms)', (f) => f.watch10.p99, 2, ''],
  ['watch p50, 1,000 watchers (ms)', (f) => f.watch1000.p50, 2, ''],
  ['watch p99, 1,000 watchers (ms)', (f) => f.watch1000.p99, 2, ''],
  ['heap retained after the run (MB)', (f) => f.heapMb, 1, ''],
  ['RSS growth during the run (MB)', (f) => f.rssMb, 1, ''],
];
const header = ['metric', 'memory', 'sqlite', 'etcd', 'sqlite/etcd', 'etcd published (3 × 8 vCPU)'];
const table = rows.map(([label, pick, digits, reference]) => {
  const get = (name: string): number => {
    const f = results.get(name);
    return f ? pick(f) : NaN;
  };
  const ratio = get('sqlite') / get('etcd');
  return [label, fmt(get('memory'), digits), fmt(get('sqlite'), digits), fmt(get('etcd'), digits), `${fmt(ratio, 2)}×`, reference];
});
const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => (r[i] as string).length)));
const line = (cells: string[]): string => cells.map((c, i) => (i === 0 || i === 5 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
console.log();
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const row of table) console.log(line(row));
console.log();
console.log('sqlite/etcd: above 1 is better for rates, below 1 is better for times. etcd here is one local member with fsync on.');
console.log(`heap/RSS: this process, per backend, after a forced GC; memory keeps all data in the heap, etcd's data lives in its own process.`);
log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
