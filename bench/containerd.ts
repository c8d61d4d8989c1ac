// The raw CRI floor: containerd driven directly over runtime.v1, no kubelet and no API server.
// RunPodSandbox → CreateContainer → StartContainer → container running, one pod at a time
// (median of 20) and 50 pods at once; teardown (stop + removes); containerd's memory. This is
// the reference the kubelet benchmark's containerd figures are read against.
//   node --import tsx bench/containerd.ts   (needs root; ONE_BY_ONE / AT_ONCE override 20 / 50)
import { spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeNodeContainerdFootprint } from '../src/containerd/cleanup.js';
import { bridgeNameFor } from '../src/containerd/config.js';
import { startNodeContainerd } from '../src/containerd/node-containerd.js';
import { CriClient } from '../src/kubelet/runtime/containerd/cri-client.js';
import { BUSYBOX, measureCriFloor, ms, quantile, removeAllSandboxes, rssMiB } from './cri-floor.js';

const out = (line: string): void => console.log(`[bench:containerd] ${line}`);
const REGISTRY = '127.0.0.1:5000';
const ONE_BY_ONE = Number(process.env['ONE_BY_ONE'] ?? 20);
const AT_ONCE = Number(process.env['AT_ONCE'] ?? 50);

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    out('skipped: needs root');
    return;
  }
  const repo = fileURLToPath(new URL('../', import.meta.url));
  for (const [script, args] of [['scripts/install-containerd.sh', []], ['scripts/images/registry.sh', ['start']], ['scripts/images/build-images.sh', ['--push', REGISTRY]]] as const) {
    const r = spawnSync('bash', [join(repo, script), ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${script} failed:\n${r.stdout}${r.stderr}`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'k8ts-bench-ctd-'));
  const nodeName = `bench-${process.pid}`;
  const nc = await startNodeContainerd({ dataDir: dir, nodeName, podCIDR: '10.244.250.0/24', registryMirror: REGISTRY });
  const cri = new CriClient(nc.endpoint);
  try {
    const v = await cri.runtime('Version', { version: 'v1' }, 10_000);
    out(`${v.runtimeName} ${v.runtimeVersion}, CRI ${v.runtimeApiVersion}; ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    const idle = await rssMiB(nc.supervisor?.pid);
    let withPods = NaN;
    const f = await measureCriFloor({
      endpoint: nc.endpoint,
      logDir: join(dir, 'logs'),
      oneByOne: ONE_BY_ONE,
      atOnce: AT_ONCE,
      whileAtOnceRunning: async () => {
        withPods = await rssMiB(nc.supervisor?.pid);
      },
    });
    const totals = f.oneByOne.map((s) => s.total);
    out(`PullImage ${BUSYBOX} (first, from ${REGISTRY}): ${ms(f.pullFirstMs)}; again (cached): ${ms(f.pullCachedMs)}`);
    out(`one at a time (${ONE_BY_ONE}), medians: RunPodSandbox ${ms(quantile(f.oneByOne.map((s) => s.run), 0.5))}, CreateContainer ${ms(quantile(f.oneByOne.map((s) => s.create), 0.5))}, StartContainer → running ${ms(quantile(f.oneByOne.map((s) => s.start), 0.5))}`);
    out(`one at a time: RunPodSandbox → container running, median ${ms(quantile(totals, 0.5))} (min ${ms(Math.min(...totals))}, max ${ms(Math.max(...totals))})`);
    out(`one at a time: teardown (stop + remove container, stop + remove sandbox), median ${ms(quantile(f.teardownMs, 0.5))}`);
    out(`containerd RSS idle: ${idle.toFixed(0)} MiB`);
    out(`${AT_ONCE} at once: all running after ${ms(f.atOnceMs)} (per pod median ${ms(quantile(f.atOnce.map((s) => s.total), 0.5))})`);
    out(`containerd RSS with ${AT_ONCE} pods: ${withPods.toFixed(0)} MiB`);
    out(`${AT_ONCE} at once: all removed after ${ms(f.atOnceTeardownMs)}`);
  } finally {
    cri.close();
    await removeAllSandboxes(nc.endpoint).catch(() => undefined);
    await nc.close();
    await removeNodeContainerdFootprint({ dir, bridgeName: bridgeNameFor(nodeName) });
  }
}

await main();
