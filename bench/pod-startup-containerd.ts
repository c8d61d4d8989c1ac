// Pod startup through the whole system on real containers: `k8ts server --runtime containerd`,
// pods created over the API and seen Running through a watch, 20 one by one and 50 at once,
// beside the raw CRI floor measured in the same run on the same containerd (its config, root
// and state directory; driven directly before the server starts, since the kubelet removes
// sandboxes that belong to no pod). Goals: p50 ≤ 2× the raw floor, 50 at once ≤ 1.5× the raw
// 50-at-once time; reference: Kubernetes' pod startup SLO (p99 ≤ 5 s) and k3s agent memory.
//   node --import tsx bench/pod-startup-containerd.ts   (needs root and a built dist/;
//   ONE_BY_ONE / AT_ONCE override 20 / 50)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { removeNodeContainerdFootprint } from '../src/containerd/cleanup.js';
import { bridgeNameFor } from '../src/containerd/config.js';
import { startNodeContainerd } from '../src/containerd/node-containerd.js';
import { startCluster, type TestCluster } from '../test/e2e/cluster.js';
import { killLeftoverShims } from '../test/e2e/containerd-node.js';
import { BUSYBOX, measureCriFloor, ms, quantile, removeAllSandboxes, rssMiB, type CriFloor } from './cri-floor.js';

const out = (line: string): void => console.log(`[bench:pod-startup] ${line}`);
const REGISTRY = '127.0.0.1:5000';
const ONE_BY_ONE = Number(process.env['ONE_BY_ONE'] ?? 20);
const AT_ONCE = Number(process.env['AT_ONCE'] ?? 50);
const NODE = `bench-pods-${process.pid}`;
const CLUSTER_CIDR = '10.83.0.0/16';
const NS = 'default';
const WAIT_MS = 120_000;
// References (../shared/reference/anchors.md).
const SLO_P99_MS = 5000;
const K3S_AGENT_RSS_MIB = 275;

const root = new URL('../', import.meta.url).pathname;

function podManifest(name: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { bench: 'pod-startup' } },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'main',
          image: BUSYBOX,
          imagePullPolicy: 'IfNotPresent',
          command: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1 & wait $!; done'],
        },
      ],
    },
  };
}

function running(p: Pod): boolean {
  const cs = p.status?.containerStatuses ?? [];
  return p.status?.phase === 'Running' && cs.length > 0 && cs.every((c) => c.state?.running !== undefined);
}

/** Follows the namespace's pods through one watch: when each was first seen Running, and deletions. */
class PodWatch {
  private readonly runningAt = new Map<string, number>();
  private readonly waiters = new Map<string, { kind: 'running' | 'deleted'; resolve: (t: number) => void }>();
  private readonly stream: { close(): void };

  constructor(c: TestCluster, fromRevision: string) {
    this.stream = c.watch(`/api/v1/namespaces/${NS}/pods?watch=true&resourceVersion=${fromRevision}&labelSelector=bench%3Dpod-startup`, (e) => {
      const now = performance.now();
      const pod = e.object as Pod;
      const name = pod.metadata?.name ?? '';
      const w = this.waiters.get(name);
      if (e.type === 'DELETED') {
        this.runningAt.delete(name);
        if (w?.kind === 'deleted') {
          this.waiters.delete(name);
          w.resolve(now);
        }
        return;
      }
      if (running(pod) && !this.runningAt.has(name)) {
        this.runningAt.set(name, now);
        if (w?.kind === 'running') {
          this.waiters.delete(name);
          w.resolve(now);
        }
      }
    });
  }

  /** When `name` was first seen Running; rejects after WAIT_MS. */
  running(name: string): Promise<number> {
    const seen = this.runningAt.get(name);
    if (seen !== undefined) return Promise.resolve(seen);
    return this.wait(name, 'running');
  }

  deleted(name: string): Promise<number> {
    return this.wait(name, 'deleted');
  }

  close(): void {
    this.stream.close();
  }

  private wait(name: string, kind: 'running' | 'deleted'): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(name);
        reject(new Error(`pod ${name} not ${kind} within ${WAIT_MS} ms`));
      }, WAIT_MS);
      this.waiters.set(name, {
        kind,
        resolve: (t) => {
          clearTimeout(timer);
          resolve(t);
        },
      });
    });
  }
}

/** The first process whose argv passes `matches`. */
function pidWhere(matches: (argv: string[]) => boolean): number | undefined {
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (matches(readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0'))) return Number(p);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** The `k8ts server` process serving `dataDir` (the harness does not hand out its pid). */
function serverPid(dataDir: string): number | undefined {
  return pidWhere((cmd) => cmd.some((a) => a.endsWith('bin/k8ts.js')) && cmd.includes('server') && cmd.includes(dataDir));
}

async function create(c: TestCluster, name: string): Promise<void> {
  const r = await c.api('POST', `/api/v1/namespaces/${NS}/pods`, podManifest(name));
  if (r.status !== 201) throw new Error(`creating pod ${name}: HTTP ${r.status} ${r.body}`);
}

async function remove(c: TestCluster, watch: PodWatch, names: string[]): Promise<number> {
  const t0 = performance.now();
  const gone = names.map((n) => watch.deleted(n));
  await Promise.all(names.map((n) => c.api('DELETE', `/api/v1/namespaces/${NS}/pods/${n}`, { gracePeriodSeconds: 1 })));
  await Promise.all(gone);
  return performance.now() - t0;
}

interface SystemFigures {
  oneByOne: number[];
  atOnceMs: number;
  atOnce: number[];
  serverRssMiB: number;
  containerdRssMiB: number;
  atOnceDeleteMs: number;
}

async function measureSystem(c: TestCluster, containerdPid: () => number | undefined): Promise<SystemFigures> {
  const list = await c.api('GET', `/api/v1/namespaces/${NS}/pods?limit=1`);
  const rv = (list.json() as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion ?? '0';
  const watch = new PodWatch(c, rv);
  try {
    // Warm-up: the first pod pays for the informers' first sync and the service account token.
    await create(c, 'warm-up');
    await watch.running('warm-up');
    await remove(c, watch, ['warm-up']);

    const oneByOne: number[] = [];
    for (let i = 0; i < ONE_BY_ONE; i++) {
      const name = `one-${i}`;
      const t0 = performance.now();
      await create(c, name);
      oneByOne.push((await watch.running(name)) - t0);
      await remove(c, watch, [name]);
    }

    const names = Array.from({ length: AT_ONCE }, (_, i) => `many-${i}`);
    const t0 = performance.now();
    const seen = names.map((n) => watch.running(n));
    const created = await Promise.all(
      names.map(async (n) => {
        const start = performance.now();
        await create(c, n);
        return start;
      }),
    );
    const runningAt = await Promise.all(seen);
    const atOnceMs = Math.max(...runningAt) - t0;
    const atOnce = runningAt.map((t, i) => t - (created[i] ?? t0));
    const serverRssMiB = await rssMiB(serverPid(c.dataDir));
    const containerdRssMiB = await rssMiB(containerdPid());
    const atOnceDeleteMs = await remove(c, watch, names);
    return { oneByOne, atOnceMs, atOnce, serverRssMiB, containerdRssMiB, atOnceDeleteMs };
  } finally {
    watch.close();
  }
}

function containerdPidOf(dir: string): number | undefined {
  return pidWhere((cmd) => cmd[0]?.endsWith('containerd') === true && cmd.includes(join(dir, 'config.toml')));
}

function report(floor: CriFloor, sys: SystemFigures): void {
  const rawOne = floor.oneByOne.map((p) => p.total);
  const rawMany = floor.atOnce.map((p) => p.total);
  const row = (what: string, xs: number[]): string => `${what}: p50 ${ms(quantile(xs, 0.5))}, p99 ${ms(quantile(xs, 0.99))}`;
  out(`raw CRI floor (RunPodSandbox → container running, no kubelet): PullImage cached ${ms(floor.pullCachedMs)}`);
  out(`  ${row(`one by one (${rawOne.length})`, rawOne)}`);
  out(`  ${row(`${AT_ONCE} at once, per pod`, rawMany)}; all running after ${ms(floor.atOnceMs)}`);
  out(`k8ts (API create → Running seen through a watch):`);
  out(`  ${row(`one by one (${sys.oneByOne.length})`, sys.oneByOne)}`);
  out(`  ${row(`${AT_ONCE} at once, per pod`, sys.atOnce)}; all running after ${ms(sys.atOnceMs)}; all deleted after ${ms(sys.atOnceDeleteMs)}`);
  const r1 = quantile(sys.oneByOne, 0.5) / quantile(rawOne, 0.5);
  const r50 = sys.atOnceMs / floor.atOnceMs;
  const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');
  out(`ratio one by one p50: ${r1.toFixed(2)}× raw (goal ≤ 2×: ${verdict(r1 <= 2)})`);
  out(`ratio ${AT_ONCE} at once, all running: ${r50.toFixed(2)}× raw (goal ≤ 1.5×: ${verdict(r50 <= 1.5)})`);
  const p99 = Math.max(quantile(sys.oneByOne, 0.99), quantile(sys.atOnce, 0.99));
  out(`Kubernetes pod startup SLO: p99 ≤ ${SLO_P99_MS} ms (image present, seen via watch); k8ts worst p99 ${ms(p99)} (${verdict(p99 <= SLO_P99_MS)})`);
  out(`k8ts server process RSS with ${AT_ONCE} pods running: ${sys.serverRssMiB.toFixed(0)} MiB (whole control plane + node; reference: k3s agent ~${K3S_AGENT_RSS_MIB} MB); containerd ${sys.containerdRssMiB.toFixed(0)} MiB`);
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    out('skipped: needs root');
    return;
  }
  for (const [script, args] of [['scripts/install-containerd.sh', []], ['scripts/images/registry.sh', ['start']], ['scripts/images/build-images.sh', ['--push', REGISTRY]]] as const) {
    const r = spawnSync('bash', [join(root, script), ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${script} failed:\n${r.stdout}${r.stderr}`);
  }
  out(`${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'k8ts-bench-pods-'));
  // Where `k8ts server` keeps its node's containerd (src/node/agent.ts, src/containerd/).
  const runtimeDir = join(dataDir, 'agent', 'runtime', 'containerd');
  const containerdDir = join(runtimeDir, 'containerd');
  let cluster: TestCluster | undefined;
  try {
    const nc = await startNodeContainerd({ dataDir: runtimeDir, nodeName: NODE, podCIDR: '10.83.0.0/24', registryMirror: REGISTRY });
    let floor: CriFloor;
    try {
      floor = await measureCriFloor({ endpoint: nc.endpoint, logDir: join(dataDir, 'floor-logs'), oneByOne: ONE_BY_ONE, atOnce: AT_ONCE });
    } finally {
      await removeAllSandboxes(nc.endpoint).catch(() => undefined);
      await nc.close();
    }
    cluster = await startCluster({ dataDir, extraArgs: ['--runtime', 'containerd', '--node-name', NODE, '--cluster-cidr', CLUSTER_CIDR] });
    const c = cluster;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const node = await c.api('GET', `/api/v1/nodes/${NODE}`);
      const n = node.status === 200 ? (node.json() as { spec?: { podCIDR?: string }; status?: { conditions?: { type: string; status: string }[] } }) : undefined;
      if (n?.spec?.podCIDR && n.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True')) break;
      if (Date.now() > deadline) throw new Error(`node ${NODE} not Ready with a podCIDR within 60 s:\n${c.logs().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const sys = await measureSystem(c, () => containerdPidOf(containerdDir));
    report(floor, sys);
  } finally {
    if (cluster) {
      const c = cluster;
      const left = await c.api('GET', `/api/v1/namespaces/${NS}/pods?labelSelector=bench%3Dpod-startup`).catch(() => undefined);
      const names = left?.status === 200 ? (left.json() as { items: Pod[] }).items.map((p) => p.metadata?.name ?? '') : [];
      await Promise.all(names.map((n) => c.api('DELETE', `/api/v1/namespaces/${NS}/pods/${n}`, { gracePeriodSeconds: 0 }).catch(() => undefined)));
      if (names.length > 0) out(`deleted ${names.length} leftover pods`);
      await cluster.stopKeepingData();
    }
    // Whatever is left after the server stopped: start its containerd once more to remove
    // every sandbox, then undo the node's bridge, mounts and directory.
    const again = await startNodeContainerd({ dataDir: runtimeDir, nodeName: NODE, registryMirror: false }).catch(() => undefined);
    if (again) {
      const n = await removeAllSandboxes(again.endpoint).catch(() => 0);
      if (n > 0) out(`removed ${n} leftover sandboxes`);
      await again.close();
    }
    killLeftoverShims(containerdDir);
    await removeNodeContainerdFootprint({ dir: containerdDir, bridgeName: bridgeNameFor(NODE) });
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
