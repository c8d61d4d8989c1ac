// Scheduler end to end through the API server, in the shape of kube-scheduler's scheduler_perf
// SchedulingBasic: 5,000 nodes and 1,000 running pods, then 10,000 pods to schedule, bindings
// persisted on SQLite. Three processes, as in a cluster: the API server
// (bench/scheduler-apiserver.ts), the scheduler (bench/scheduler-runner.ts) and this driver, which
// creates the objects and watches for the bindings. Figures: pods/s from the first create to
// the last binding seen, and per-pod latency from create issued to binding seen on the watch;
// for SchedulingBasic also a queue drain (pods created first, then a fresh scheduler binds them),
// which takes the create load off the API server. Spreading and anti-affinity run smaller
// counts (printed) to stay within a few minutes.
//   node --import tsx bench/scheduler.ts [basic|spread|anti]
// NODES, INIT_PODS, PODS, DRAIN_PODS, SPREAD_PODS, ANTI_PODS, CONCURRENCY override sizes; PROFILE=1 writes
// --cpu-prof profiles of the server and the scheduler to PROFILE_DIR (default ./prof-scheduler/).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Namespace, Node, Pod, PodSpec } from 'kubernetes-types/core/v1.js';
import { findResource, type ResourceInfo } from '../src/api/resources.js';
import { createClient, type ApiClient } from '../src/client/client.js';
import type { ResourceClient } from '../src/client/resource-client.js';
import { HttpTransport } from '../src/client/http.js';

const NODES = Number(process.env['NODES'] ?? 5000);
const INIT_PODS = Number(process.env['INIT_PODS'] ?? 1000);
const PODS = Number(process.env['PODS'] ?? 10_000);
const SPREAD_PODS = Number(process.env['SPREAD_PODS'] ?? 2000);
const ANTI_PODS = Number(process.env['ANTI_PODS'] ?? 1000);
const DRAIN_PODS = Number(process.env['DRAIN_PODS'] ?? 5000);
const CONCURRENCY = Number(process.env['CONCURRENCY'] ?? 32);
const PROFILE = process.env['PROFILE'] === '1';
const PROFILE_DIR = process.env['PROFILE_DIR'] ?? 'prof-scheduler';
const DEADLINE_MS = Number(process.env['DEADLINE_MS'] ?? 90_000);
const TOKEN = 'bench-token';
const NS = 'sched-test';
const ZONES = ['moon-1', 'moon-2', 'moon-3'];

const log = (line: string): void => console.log(`[bench:scheduler] ${line}`);

function resource(plural: string): ResourceInfo {
  const r = findResource('', 'v1', plural);
  if (!r) throw new Error(`no ${plural}`);
  return r;
}
const NODES_R = resource('nodes');
const PODS_R = resource('pods');
const NAMESPACES_R = resource('namespaces');

function child(script: string, args: string[], ready: RegExp, name: string): Promise<{ proc: ChildProcess; match: RegExpExecArray }> {
  const flags = PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${join(PROFILE_DIR, name)}`] : [];
  const proc = spawn(process.execPath, [...flags, '--import', 'tsx', new URL(script, import.meta.url).pathname, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      const m = ready.exec(out);
      if (m) resolve({ proc, match: m });
    });
    proc.once('exit', (code) => reject(new Error(`${script} exited ${code}`)));
  });
}

/** Ends a child we started and waits for it (a profiled child writes its profile on exit). */
async function end(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  proc.stdin?.end();
  proc.kill('SIGTERM');
  await exited;
}

/**
 * CPU time (user + system, ms) a child process has used so far, from /proc (Linux; NaN
 * elsewhere). Steadier than throughput on a shared machine: it is the API server's cost.
 */
function cpuMs(proc: ChildProcess): number {
  try {
    const stat = readFileSync(`/proc/${proc.pid ?? 0}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return Number.NaN;
  }
}

function makeNode(i: number): Node {
  const name = `node-${i}`;
  const resources = { cpu: '4', memory: '32Gi', pods: '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': ZONES[i % ZONES.length] as string } },
    status: { capacity: resources, allocatable: resources, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }] },
  };
}

function makePod(name: string, extra: Partial<PodSpec> = {}, labels: Record<string, string> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels },
    spec: { containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '100m', memory: '500Mi' } } }], ...extra },
  };
}

interface Workload {
  key: string;
  name: string;
  pods: number;
  /** Pods created with no scheduler running, then bound by a fresh one (0 = skip that phase). */
  drain: number;
  reference: string;
  make: (i: number) => Pod;
}

const spread = (i: number): Pod =>
  makePod(
    `spread-${i}`,
    {
      topologySpreadConstraints: [
        { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { color: 'blue' } } },
      ],
    },
    { color: 'blue' },
  );

const anti = (i: number): Pod => {
  const group = `g${(i + 10_000) % 10}`;
  return makePod(
    `anti-${i}`,
    { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { group } }, topologyKey: 'kubernetes.io/hostname' }] } } },
    { group },
  );
};

const WORKLOADS: Workload[] = [
  { key: 'basic', name: 'SchedulingBasic', pods: PODS, drain: DRAIN_PODS, reference: 'kube-scheduler: CI threshold 270 pods/s; "1000+ locally, 300+ in CI"', make: (i) => makePod(`basic-${i}`) },
  { key: 'spread', name: 'TopologySpreading (zone, DoNotSchedule)', pods: SPREAD_PODS, drain: 0, reference: 'kube-scheduler: CI threshold 85 pods/s (5,000 nodes)', make: spread },
  { key: 'anti', name: 'RequiredPodAntiAffinity (hostname)', pods: ANTI_PODS, drain: 0, reference: 'kube-scheduler: no published threshold at 5,000 nodes', make: anti },
];

/** Runs `op(i)` for i in [0, total) with `concurrency` in flight. */
async function pool(total: number, concurrency: number, op: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async () => {
      while (next < total) await op(next++);
    }),
  );
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Follows the namespace's pods from `resourceVersion` and notes when each tracked pod is first seen bound. */
class BindingWatch {
  readonly boundAt = new Map<string, number>();
  lastBound = 0;
  private readonly stopper = new AbortController();
  private readonly waiters: { count: number; resolve: () => void }[] = [];
  private readonly running: Promise<void>;

  constructor(pods: ResourceClient<Pod>, resourceVersion: string | undefined, private readonly tracked: (name: string) => boolean) {
    this.running = (async () => {
      for await (const ev of pods.watch({ resourceVersion, allowWatchBookmarks: true }, this.stopper.signal)) {
        if (ev.type !== 'MODIFIED' && ev.type !== 'ADDED') continue;
        const name = ev.object.metadata?.name ?? '';
        if (!ev.object.spec?.nodeName || this.boundAt.has(name) || !this.tracked(name)) continue;
        this.lastBound = performance.now();
        this.boundAt.set(name, this.lastBound);
        for (const w of this.waiters) if (this.boundAt.size >= w.count) w.resolve();
      }
    })().catch((e: unknown) => {
      if (!this.stopper.signal.aborted) log(`  watch failed: ${e instanceof Error ? e.message : String(e)}`);
    });
  }

  /** Resolves true once `count` pods were seen bound, false at the deadline. */
  waitFor(count: number, deadlineMs: number): Promise<boolean> {
    if (this.boundAt.size >= count) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), deadlineMs);
      this.waiters.push({ count, resolve: () => (clearTimeout(timer), resolve(true)) });
    });
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    await this.running;
  }
}

function progressEvery(ms: number, line: () => string): () => void {
  const t = setInterval(() => log(line()), ms);
  return () => clearInterval(t);
}

async function startSchedulerProcess(url: string): Promise<{ proc: ChildProcess; readyAt: number; syncSeconds: number }> {
  const t = performance.now();
  const { proc } = await child('./scheduler-runner.ts', [url, TOKEN], /READY/, 'scheduler');
  const readyAt = performance.now();
  return { proc, readyAt, syncSeconds: (readyAt - t) / 1000 };
}

async function runWorkload(w: Workload): Promise<void> {
  const server = await child('./scheduler-apiserver.ts', ['sqlite', TOKEN], /PORT (\d+)/, 'apiserver');
  const url = `http://127.0.0.1:${server.match[1] ?? ''}`;
  const client: ApiClient = createClient(new HttpTransport({ server: url, token: TOKEN }));
  const pods = client.resource<Pod>(PODS_R, NS);
  let scheduler: ChildProcess | undefined;
  try {
    await client.resource<Namespace>(NAMESPACES_R).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    let t = performance.now();
    await pool(NODES, CONCURRENCY, async (i) => void (await client.resource<Node>(NODES_R).create(makeNode(i))));
    log(`  ${NODES} nodes created in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    t = performance.now();
    await pool(INIT_PODS, CONCURRENCY, async (i) => {
      const p = w.make(-1 - i);
      p.metadata = { ...p.metadata, name: `init-${i}` };
      p.spec = { containers: [], ...p.spec, nodeName: `node-${(i * 7) % NODES}` };
      await pods.create(p);
    });
    log(`  ${INIT_PODS} running pods created in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    const started = await startSchedulerProcess(url);
    scheduler = started.proc;
    log(`  scheduler synced in ${started.syncSeconds.toFixed(1)} s`);

    // End to end: pods created while the scheduler runs; each timed from its create being issued.
    const issued = new Map<string, number>();
    const watch = new BindingWatch(pods, (await pods.list({ limit: 1 })).metadata.resourceVersion, (n) => issued.has(n));
    const first = performance.now();
    const apiCpu0 = cpuMs(server.proc);
    let createsDone = NaN;
    const stopProgress = progressEvery(3000, () => `  ${((performance.now() - first) / 1000).toFixed(0)} s: ${issued.size} created, ${watch.boundAt.size} bound`);
    await pool(w.pods, CONCURRENCY, async (i) => {
      const p = w.make(i);
      issued.set(p.metadata?.name ?? '', performance.now());
      await pods.create(p);
    });
    createsDone = performance.now();
    const complete = await watch.waitFor(w.pods, Math.max(0, DEADLINE_MS - (createsDone - first)));
    const apiCpu = cpuMs(server.proc) - apiCpu0;
    stopProgress();
    await watch.stop();
    const latencies = [...watch.boundAt].map(([name, at]) => at - (issued.get(name) ?? at)).sort((a, b) => a - b);
    const seconds = (watch.lastBound - first) / 1000;
    log(`${w.name}: ${NODES} nodes, ${INIT_PODS} running, ${w.pods} pods → ${watch.boundAt.size} bound${complete ? '' : ` (deadline ${DEADLINE_MS / 1000} s reached)`}`);
    log(
      `  end to end: ${(watch.boundAt.size / seconds).toFixed(0)} pods/s  create→bound p50 ${percentile(latencies, 50).toFixed(0)} ms  p99 ${percentile(latencies, 99).toFixed(0)} ms` +
        `  (${seconds.toFixed(1)} s; the creates alone took ${((createsDone - first) / 1000).toFixed(1)} s)   ${w.reference}`,
    );
    log(`  API server CPU: ${(apiCpu / Math.max(1, watch.boundAt.size)).toFixed(2)} ms per pod (create + binding + watch fan-out)`);

    if (w.drain > 0) {
      // Queue drain: pods created first, then a fresh scheduler binds them; the API server
      // serves only bindings, so this is the scheduler's own rate through the API.
      await end(scheduler);
      scheduler = undefined;
      t = performance.now();
      await pool(w.drain, CONCURRENCY, async (i) => void (await pods.create(w.make(w.pods + i))));
      log(`  ${w.drain} pending pods created in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      const names = new Set(Array.from({ length: w.drain }, (_, i) => w.make(w.pods + i).metadata?.name ?? ''));
      const drainWatch = new BindingWatch(pods, (await pods.list({ limit: 1 })).metadata.resourceVersion, (n) => names.has(n));
      const again = await startSchedulerProcess(url);
      const drainCpu0 = cpuMs(server.proc);
      scheduler = again.proc;
      const stopDrainProgress = progressEvery(3000, () => `  ${((performance.now() - again.readyAt) / 1000).toFixed(0)} s: ${drainWatch.boundAt.size} bound`);
      const drained = await drainWatch.waitFor(w.drain, DEADLINE_MS);
      const drainCpu = cpuMs(server.proc) - drainCpu0;
      stopDrainProgress();
      await drainWatch.stop();
      const drainSeconds = (drainWatch.lastBound - again.readyAt) / 1000;
      log(
        `  queue drain: ${w.drain} pending pods → ${drainWatch.boundAt.size} bound${drained ? '' : ' (deadline reached)'}: ${(drainWatch.boundAt.size / drainSeconds).toFixed(0)} pods/s` +
          ` from caches synced to last binding seen (${drainSeconds.toFixed(1)} s; sync of ${NODES} nodes + ${INIT_PODS + w.pods + w.drain} pods took ${again.syncSeconds.toFixed(1)} s)`,
      );
      log(`  API server CPU in the drain: ${(drainCpu / Math.max(1, drainWatch.boundAt.size)).toFixed(2)} ms per binding`);
    }
  } finally {
    if (scheduler) await end(scheduler);
    client.close();
    await end(server.proc);
  }
}

const only = process.argv[2];
log(`SQLite datastore; API server, scheduler and this driver in separate processes; ${CONCURRENCY} concurrent creates`);
for (const w of WORKLOADS) if (!only || w.key === only) await runWorkload(w);
