// Kubelet benchmarks: pod startup latency on the fake runtime (pure control-plane overhead: API
// server + kubelet, pods created with spec.nodeName) and on the process runtime;
// crash-to-restart time on the process runtime; memory per simulated node. Printed next to the
// references in ../shared/reference/anchors.md.
// Startup is measured as Kubernetes' pod startup SLI defines it: from the pod's creation to all
// its containers running, observed through a watch — here both moments are read off one watch,
// so the watch's own delay cancels out. Also printed: the time from the start of the create
// call, which adds the call's wait in the API server's queue behind the client's other creates.
// The kubelet runs in the API server's process and talks to it in-process, as `k8ts server`
// runs its own node; on the fake runtime also in a process of its own over HTTP, as a
// `k8ts agent` does.
// The pods are created and watched from a child process (this file in `driver` mode), as a
// client elsewhere would: its JSON work does not share the server's event loop.
//   node --expose-gc --import tsx bench/kubelet.ts   (SIM_NODES overrides 1000; ONLY=fake,process,sim;
//   AGENT_PROFILE=DIR profiles the agent kubelet)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { startApiServer, type RunningApiServer } from '../src/apiserver/server.js';
import { createClient, type ApiClient } from '../src/client/client.js';
import { HttpTransport } from '../src/client/http.js';
import { InProcessTransport } from '../src/client/in-process.js';
import { discardEvents } from '../src/events/recorder.js';
import { startKubelet } from '../src/kubelet/kubelet.js';
import { FakeRuntime } from '../src/kubelet/runtime/fake/fake-runtime.js';
import { ProcessRuntime } from '../src/kubelet/runtime/process/process-runtime.js';
import type { ContainerRuntime } from '../src/kubelet/runtime/runtime.js';
import { startSimulatedNodes } from '../src/kubelet/sim.js';
import { createLogger } from '../src/log.js';
import { MemoryStorage } from '../src/storage/memory/memory.js';

const TOKEN = 'bench-token';
/** The pods' creator is an ordinary user and the kubelet a node, so each waits in its own priority level. */
const DRIVER_TOKEN = 'bench-driver-token';
const NODE_TOKEN = 'bench-node-token';
const PODS = { group: '', version: 'v1', resource: 'pods' } as const;
const out = (line: string): void => console.log(`[bench:kubelet] ${line}`);
/** AGENT_PROFILE=DIR writes a CPU profile of the agent kubelet's process into DIR (node --cpu-prof). */
const AGENT_PROFILE = process.env['AGENT_PROFILE'];
const quiet = createLogger('bench', { level: process.env['BENCH_LOG'] === 'warn' ? 'warn' : 'error' });

async function apiServer(): Promise<{ server: RunningApiServer; client: ApiClient; close(): Promise<void> }> {
  const storage = new MemoryStorage();
  const tokens = new Map([
    [TOKEN, { username: 'admin', groups: ['system:masters'] }],
    [DRIVER_TOKEN, { username: 'bench-driver', groups: [] }],
    [NODE_TOKEN, { username: 'system:node:bench-node', groups: ['system:nodes'] }],
  ]);
  // No serviceaccount controller runs here, so no `default` account would admit the pods.
  const server = await startApiServer({ storage, port: 0, tokens, serviceAccountAdmission: false });
  const client = createClient(new HttpTransport({ server: server.url, token: TOKEN }));
  // The load driver is an ordinary user (flow control treats it as one), allowed by RBAC.
  await client.resource({ group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterrolebindings' }).create({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'bench-driver' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'bench-driver' }],
  });
  return {
    server,
    client,
    async close() {
      client.close();
      await server.close();
      await storage.close();
    },
  };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function summary(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  return `p50 ${pct(s, 50).toFixed(1)} ms, p99 ${pct(s, 99).toFixed(1)} ms, max ${(s[s.length - 1] ?? NaN).toFixed(1)} ms`;
}

interface PodTimes {
  /** When the watch showed the pod first: its creation. */
  created: number;
  /** When the watch showed it Running with every container running. */
  running: number;
}

/**
 * Watches a namespace and resolves per pod name once it is Running with every container
 * running, with the time its creation was seen on the same watch.
 */
function runningWatcher(client: ApiClient, namespace: string, signal: AbortSignal): (name: string) => Promise<PodTimes> {
  const created = new Map<string, number>();
  const seen = new Map<string, PodTimes>();
  const waiters = new Map<string, (t: PodTimes) => void>();
  void (async () => {
    for await (const ev of client.resource<Pod>(PODS, namespace).watch({}, signal)) {
      if (ev.type === 'ERROR' || ev.type === 'BOOKMARK') continue;
      const p = ev.object;
      const name = p.metadata?.name ?? '';
      if (!created.has(name)) created.set(name, performance.now());
      const cs = p.status?.containerStatuses ?? [];
      if (seen.has(name) || p.status?.phase !== 'Running' || cs.length === 0 || !cs.every((c) => c.state?.running)) continue;
      const t = { created: created.get(name) ?? NaN, running: performance.now() };
      seen.set(name, t);
      waiters.get(name)?.(t);
    }
  })().catch(() => undefined);
  return (name) => {
    const t = seen.get(name);
    if (t !== undefined) return Promise.resolve(t);
    return new Promise((resolve) => waiters.set(name, resolve));
  };
}

function pod(name: string, nodeName: string, command?: string[]): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName, terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'busybox:1.36', ...(command ? { command } : {}) }] } };
}

interface DriverResult {
  /** Creation → Running, both seen on the watch: Kubernetes' pod startup SLI. */
  startupMs: number[];
  /** From the start of the create call → Running seen: what the creating client waits. */
  fromCallMs: number[];
  /** The create call itself. */
  createMs: number[];
  totalMs: number;
}

/** Driver mode: creates `count` pods in `namespace` (one by one or at once) and times each to Running. */
async function driver(url: string, namespace: string, count: number, mode: 'one' | 'burst', command: string[] | undefined): Promise<void> {
  const client = createClient(new HttpTransport({ server: url, token: DRIVER_TOKEN }));
  const stop = new AbortController();
  await client.resource({ group: '', version: 'v1', resource: 'namespaces' }).create({ metadata: { name: namespace } });
  const running = runningWatcher(client, namespace, stop.signal);
  const pods = client.resource<Pod>(PODS, namespace);
  // The answer's status is all the driver needs: decoding each created pod would only take CPU
  // from the server and the kubelet on this machine's two cores.
  const create = async (name: string): Promise<void> => {
    const body = Buffer.from(JSON.stringify(pod(name, 'bench-node', command)));
    const r = await client.transport.request({ method: 'POST', path: `/api/v1/namespaces/${namespace}/pods`, body, contentType: 'application/json' });
    if (r.status !== 201) throw new Error(`creating pod ${name}: HTTP ${r.status} ${Buffer.from(r.body).toString()}`);
  };
  await new Promise((r) => setTimeout(r, 100));
  const startupMs: number[] = [];
  const fromCallMs: number[] = [];
  const createMs: number[] = [];
  const record = (start: number, t: PodTimes): void => {
    startupMs.push(t.running - t.created);
    fromCallMs.push(t.running - start);
  };
  let t0 = performance.now();
  if (mode === 'one') {
    for (let i = 0; i < count; i++) {
      const start = performance.now();
      await create(`p${i}`);
      createMs.push(performance.now() - start);
      record(start, await running(`p${i}`));
    }
  } else {
    // All created as fast as the API accepts them (at most 64 requests in flight), over 64
    // connections opened before the clock starts, as a long-running client's are: a burst of
    // new connections is otherwise served one per event-loop turn by node's HTTP server (a bare
    // node:http server shows the same staircase), which would time connection set-up instead.
    await Promise.all(Array.from({ length: 64 }, () => pods.list({ limit: 1 })));
    t0 = performance.now();
    let next = 0;
    const waits: Promise<void>[] = [];
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < count) {
          const i = next++;
          const start = performance.now();
          await create(`p${i}`);
          createMs.push(performance.now() - start);
          waits.push(running(`p${i}`).then((t) => record(start, t)));
        }
      }),
    );
    await Promise.all(waits);
  }
  const result: DriverResult = { startupMs, fromCallMs, createMs, totalMs: performance.now() - t0 };
  await Promise.all(Array.from({ length: count }, (_, i) => pods.delete(`p${i}`, { gracePeriodSeconds: 0 }).catch(() => undefined)));
  stop.abort();
  client.close();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Runs this file in a child `mode` and resolves with the JSON line it prints last. */
function childResult<T>(mode: string, args: string[], nodeFlags: string[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', new URL(import.meta.url).pathname, mode, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (b: Buffer) => (text += b.toString()));
    child.on('exit', (code) => {
      try {
        resolve(JSON.parse(text.trim().split('\n').pop() ?? '') as T);
      } catch {
        reject(new Error(`${mode} child exited ${code}: ${text}`));
      }
    });
  });
}

function runDriver(url: string, namespace: string, count: number, mode: 'one' | 'burst', command: string[] | undefined): Promise<DriverResult> {
  return childResult<DriverResult>('driver', [url, namespace, String(count), mode, JSON.stringify(command ?? null)]);
}

/** Where the kubelet runs: in the API server's process (in-process client) or in its own over HTTP. */
type KubeletPlacement = 'server' | 'agent';

/** The kubelet of an agent node: this file in `kubelet-child` mode, fake runtime, over HTTP. */
async function kubeletChild(url: string): Promise<void> {
  const client = createClient(new HttpTransport({ server: url, token: NODE_TOKEN }));
  const rootDir = mkdtempSync(join(tmpdir(), 'k8ts-bench-kubelet-'));
  const stop = new AbortController();
  const kubelet = await startKubelet({ ...kubeletOptions(client, new FakeRuntime({ writeLogs: false }), rootDir), signal: stop.signal });
  process.stdout.write('ready\n');
  await new Promise((r) => process.stdin.once('close', r).resume());
  stop.abort();
  await kubelet.stop();
  client.close();
  rmSync(rootDir, { recursive: true, force: true });
}

function kubeletOptions(client: ApiClient, runtime: ContainerRuntime, rootDir: string): Omit<Parameters<typeof startKubelet>[0], 'signal'> {
  return {
    client,
    runtime,
    nodeName: 'bench-node',
    recorder: discardEvents,
    log: quiet,
    rootDir,
    // Simulated containers need no directories on disk (as `k8ts sim` nodes): no volume or log
    // directories are made, so the figure is the control plane's alone.
    ...(runtime instanceof FakeRuntime ? { volumes: 'none' as const } : {}),
    capacity: { cpu: 1000, memoryBytes: 4096 * 1024 ** 3, pods: 5000 },
  };
}

async function startAgentKubelet(url: string): Promise<{ stop(): Promise<void> }> {
  const profile = AGENT_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', AGENT_PROFILE] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', new URL(import.meta.url).pathname, 'kubelet-child', url], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (b: Buffer) => (b.toString().includes('ready') ? resolve() : undefined));
    child.once('exit', (code) => reject(new Error(`kubelet child exited ${code}`)));
  });
  return {
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin.end();
      await exited;
    },
  };
}

async function startup(label: string, runtime: ContainerRuntime, oneByOne: number, atOnce: number, placement: KubeletPlacement, command?: string[]): Promise<void> {
  const api = await apiServer();
  const rootDir = mkdtempSync(join(tmpdir(), 'k8ts-bench-kubelet-'));
  const stop = new AbortController();
  const client = createClient(new InProcessTransport({ handler: api.server.handle, token: NODE_TOKEN }));
  const kubelet = placement === 'server' ? await startKubelet({ ...kubeletOptions(client, runtime, rootDir), signal: stop.signal }) : await startAgentKubelet(api.server.url);
  const who = placement === 'server' ? "kubelet in the server's process" : 'kubelet in an agent process, over HTTP';
  try {
    // The burst runs twice: first on a server that has only served the one-by-one pods (its
    // code still being compiled by V8 as it goes), then again once those pods are deleted, as a
    // cluster that has been running a while would take it.
    const runs = [['one', oneByOne, 'one', 'one by one'], ['burst', atOnce, 'burst', 'at once'], ['burst-again', atOnce, 'burst', 'at once, again']] as const;
    for (const [ns, count, mode, how] of runs) {
      const r = await runDriver(api.server.url, ns, count, mode, command);
      out(
        `${label}, ${who}: ${count} pods ${how}: ` +
          `startup (creation → Running, as the SLI) ${summary(r.startupMs)} (goal p99 ≤ 200 ms on the fake runtime; SLO p99 ≤ 5 s; containerd floor 60–81 ms/pod, 50 at once ~2.1 s); ` +
          `from the create call's start ${summary(r.fromCallMs)}, the create call ${summary(r.createMs)}; all Running in ${(r.totalMs / 1000).toFixed(2)} s`,
      );
    }
    if (placement === 'server') {
      const deadline = Date.now() + 30_000;
      while ((await runtime.listContainers()).some((c) => c.state === 'running') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    stop.abort();
    await kubelet.stop();
    client.close();
    await api.close();
    rmSync(rootDir, { recursive: true, force: true });
  }
}

async function crashToRestart(runtime: ContainerRuntime, samples: number): Promise<void> {
  const api = await apiServer();
  const rootDir = mkdtempSync(join(tmpdir(), 'k8ts-bench-kubelet-'));
  const stop = new AbortController();
  const kubelet = await startKubelet({ client: api.client, runtime, nodeName: 'bench-node', recorder: discardEvents, log: quiet, rootDir, signal: stop.signal });
  try {
    const pods = api.client.resource<Pod>(PODS, 'default');
    const gaps: number[] = [];
    for (let i = 0; i < samples; i++) {
      const created = await pods.create(pod(`crash${i}`, 'bench-node', ['sh', '-c', 'sleep 0.3; exit 1']));
      const uid = created.metadata?.uid ?? '';
      for (;;) {
        const ids = new Set((await runtime.listPodSandboxes()).filter((s) => s.uid === uid).map((s) => s.id));
        const cs = (await runtime.listContainers()).filter((c) => ids.has(c.sandboxId));
        const first = cs.find((c) => c.attempt === 0);
        const second = cs.find((c) => c.attempt === 1 && c.startedAt > 0);
        if (first && second) {
          gaps.push(second.startedAt - first.finishedAt);
          break;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      await pods.delete(`crash${i}`, { gracePeriodSeconds: 0 });
    }
    out(`process runtime: crash → restart (first restart, exit seen by the runtime → new process started): ${summary(gaps)} over ${samples} (goal ≤ 1 s; Kubernetes restarts at once the first time)`);
  } finally {
    stop.abort();
    await kubelet.stop();
    await api.close();
    rmSync(rootDir, { recursive: true, force: true });
  }
}

function rssAfterGc(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss;
}

/** Child mode: run `count` simulated nodes against `url` and print RSS before/after as JSON. */
async function simChild(url: string, count: number, prefix: string): Promise<void> {
  const client = createClient(new HttpTransport({ server: url, token: TOKEN }));
  const before = rssAfterGc();
  const stop = new AbortController();
  const t0 = performance.now();
  const sim = await startSimulatedNodes({ client, count, namePrefix: `hollow-${prefix}-`, log: quiet, signal: stop.signal });
  const registerMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 5000));
  const after = rssAfterGc();
  process.stdout.write(`${JSON.stringify({ before, after, registerMs, heap: process.memoryUsage().heapUsed })}\n`);
  stop.abort();
  await sim.stop();
  client.close();
}

async function simMemory(count: number): Promise<void> {
  const api = await apiServer();
  try {
    const run = (n: number, prefix: string) =>
      childResult<{ before: number; after: number; registerMs: number; heap: number }>('sim-child', [api.server.url, String(n), prefix], ['--expose-gc']);
    const small = await run(Math.max(1, Math.floor(count / 10)), 'a');
    const big = await run(count, 'b');
    const MiB = 1024 * 1024;
    const marginal = (big.after - big.before - (small.after - small.before)) / (count - Math.max(1, Math.floor(count / 10)));
    out(
      `sim: ${count} nodes registered in ${(big.registerMs / 1000).toFixed(1)} s; RSS +${((big.after - big.before) / MiB).toFixed(0)} MiB ` +
        `(${((big.after - big.before) / count / 1024).toFixed(0)} KiB/node overall, ${(marginal / 1024).toFixed(0)} KiB/node marginal; target ≤ 1 MB; kubemark hollow node ~220 MB)`,
    );
  } finally {
    await api.close();
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === 'driver') {
    const [url = '', ns = 'bench', count = '100', mode = 'one', command = 'null'] = process.argv.slice(3);
    await driver(url, ns, Number(count), mode === 'burst' ? 'burst' : 'one', (JSON.parse(command) as string[] | null) ?? undefined);
    return;
  }
  if (process.argv[2] === 'kubelet-child') {
    await kubeletChild(process.argv[3] ?? '');
    return;
  }
  if (process.argv[2] === 'sim-child') {
    await simChild(process.argv[3] ?? '', Number(process.argv[4] ?? 100), process.argv[5] ?? 'x');
    return;
  }
  const only = process.env['ONLY'] ?? 'fake,process,sim';
  if (only.includes('fake')) {
    await startup('fake runtime', new FakeRuntime({ writeLogs: false }), 100, 1000, 'server');
    await startup('fake runtime', new FakeRuntime({ writeLogs: false }), 100, 1000, 'agent');
  }
  if (!only.includes('process')) {
    if (only.includes('sim')) await simMemory(Number(process.env['SIM_NODES'] ?? 1000));
    return;
  }
  const procRoot = mkdtempSync(join(tmpdir(), 'k8ts-bench-proc-'));
  try {
    const proc = await ProcessRuntime.open({ root: procRoot, isolation: 'none' });
    await startup('process runtime', proc, 100, 50, 'server', ['sleep', '3600']);
    await crashToRestart(proc, 10);
    await proc.close();
  } finally {
    rmSync(procRoot, { recursive: true, force: true });
  }
  if (only.includes('sim')) await simMemory(Number(process.env['SIM_NODES'] ?? 1000));
}

await main();
