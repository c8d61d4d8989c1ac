// Kubelet benchmarks: pod startup latency (create → Running seen through a watch) on the fake
// runtime (pure control-plane overhead: API server + kubelet, pods created with spec.nodeName)
// and on the process runtime; crash-to-restart time on the process runtime; memory per
// simulated node. Printed next to the references in ../shared/reference/anchors.md.
//   node --expose-gc --import tsx bench/kubelet.ts   (SIM_NODES overrides 1000; ONLY=fake,process,sim)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { startApiServer, type RunningApiServer } from '../src/apiserver/server.js';
import { createClient, type ApiClient } from '../src/client/client.js';
import { HttpTransport } from '../src/client/http.js';
import { discardEvents } from '../src/events/recorder.js';
import { startKubelet, type RunningKubelet } from '../src/kubelet/kubelet.js';
import { FakeRuntime } from '../src/kubelet/runtime/fake/fake-runtime.js';
import { ProcessRuntime } from '../src/kubelet/runtime/process/process-runtime.js';
import type { ContainerRuntime } from '../src/kubelet/runtime/runtime.js';
import { startSimulatedNodes } from '../src/kubelet/sim.js';
import { createLogger } from '../src/log.js';
import { MemoryStorage } from '../src/storage/memory/memory.js';

const TOKEN = 'bench-token';
const PODS = { group: '', version: 'v1', resource: 'pods' } as const;
const out = (line: string): void => console.log(`[bench:kubelet] ${line}`);
const quiet = createLogger('bench', { level: 'error' });

async function apiServer(): Promise<{ server: RunningApiServer; client: ApiClient; close(): Promise<void> }> {
  const storage = new MemoryStorage();
  const server = await startApiServer({ storage, port: 0, tokens: new Map([[TOKEN, { username: 'admin', groups: ['system:masters'] }]]) });
  const client = createClient(new HttpTransport({ server: server.url, token: TOKEN }));
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

/** Watches a namespace and resolves per pod name once it is Running with every container running. */
function runningWatcher(client: ApiClient, namespace: string, signal: AbortSignal): (name: string) => Promise<number> {
  const seen = new Map<string, number>();
  const waiters = new Map<string, (t: number) => void>();
  void (async () => {
    for await (const ev of client.resource<Pod>(PODS, namespace).watch({}, signal)) {
      if (ev.type === 'ERROR' || ev.type === 'BOOKMARK') continue;
      const p = ev.object;
      const name = p.metadata?.name ?? '';
      const cs = p.status?.containerStatuses ?? [];
      if (seen.has(name) || p.status?.phase !== 'Running' || cs.length === 0 || !cs.every((c) => c.state?.running)) continue;
      const t = performance.now();
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

async function startup(label: string, runtime: ContainerRuntime, oneByOne: number, atOnce: number, command?: string[]): Promise<void> {
  const api = await apiServer();
  const rootDir = mkdtempSync(join(tmpdir(), 'k8ts-bench-kubelet-'));
  const stop = new AbortController();
  const kubelet: RunningKubelet = await startKubelet({
    client: api.client,
    runtime,
    nodeName: 'bench-node',
    recorder: discardEvents,
    log: quiet,
    rootDir,
    capacity: { cpu: 1000, memoryBytes: 4096 * 1024 ** 3, pods: 5000 },
    signal: stop.signal,
  });
  try {
    for (const [ns, count, mode] of [['one', oneByOne, 'one by one'], ['burst', atOnce, 'at once']] as const) {
      await api.client.resource({ group: '', version: 'v1', resource: 'namespaces' }).create({ metadata: { name: ns } });
      const running = runningWatcher(api.client, ns, stop.signal);
      const pods = api.client.resource<Pod>(PODS, ns);
      await new Promise((r) => setTimeout(r, 100));
      const lat: number[] = [];
      const t0 = performance.now();
      if (mode === 'one by one') {
        for (let i = 0; i < count; i++) {
          const start = performance.now();
          await pods.create(pod(`p${i}`, 'bench-node', command));
          lat.push((await running(`p${i}`)) - start);
        }
      } else {
        // All created as fast as the API accepts them (at most 64 requests in flight).
        let next = 0;
        const waits: Promise<void>[] = [];
        await Promise.all(
          Array.from({ length: 64 }, async () => {
            while (next < count) {
              const i = next++;
              const start = performance.now();
              await pods.create(pod(`p${i}`, 'bench-node', command));
              waits.push(running(`p${i}`).then((t) => void lat.push(t - start)));
            }
          }),
        );
        await Promise.all(waits);
      }
      const total = performance.now() - t0;
      out(`${label}: ${count} pods ${mode}: startup ${summary(lat)}; all Running in ${(total / 1000).toFixed(2)} s (SLO p99 ≤ 5 s; containerd floor 60–81 ms/pod, 50 at once ~2.1 s)`);
      await Promise.all(Array.from({ length: count }, (_, i) => pods.delete(`p${i}`, { gracePeriodSeconds: 0 }).catch(() => undefined)));
    }
    const deadline = Date.now() + 30_000;
    while ((await runtime.listContainers()).some((c) => c.state === 'running') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  } finally {
    stop.abort();
    await kubelet.stop();
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
    const run = (n: number, prefix: string): Promise<{ before: number; after: number; registerMs: number; heap: number }> =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', new URL(import.meta.url).pathname, 'sim-child', api.server.url, String(n), prefix], { stdio: ['ignore', 'pipe', 'inherit'] });
        let text = '';
        child.stdout.on('data', (b: Buffer) => (text += b.toString()));
        child.on('exit', (code) => {
          try {
            resolve(JSON.parse(text.trim().split('\n').pop() ?? '') as { before: number; after: number; registerMs: number; heap: number });
          } catch {
            reject(new Error(`sim child exited ${code}: ${text}`));
          }
        });
      });
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
  if (process.argv[2] === 'sim-child') {
    await simChild(process.argv[3] ?? '', Number(process.argv[4] ?? 100), process.argv[5] ?? 'x');
    return;
  }
  const only = process.env['ONLY'] ?? 'fake,process,sim';
  if (only.includes('fake')) await startup('fake runtime', new FakeRuntime({ writeLogs: false }), 100, 1000);
  if (!only.includes('process')) {
    if (only.includes('sim')) await simMemory(Number(process.env['SIM_NODES'] ?? 1000));
    return;
  }
  const procRoot = mkdtempSync(join(tmpdir(), 'k8ts-bench-proc-'));
  try {
    const proc = await ProcessRuntime.open({ root: procRoot, isolation: 'none' });
    await startup('process runtime', proc, 100, 50, ['sleep', '3600']);
    await crashToRestart(proc, 10);
    await proc.close();
  } finally {
    rmSync(procRoot, { recursive: true, force: true });
  }
  if (only.includes('sim')) await simMemory(Number(process.env['SIM_NODES'] ?? 1000));
}

await main();
