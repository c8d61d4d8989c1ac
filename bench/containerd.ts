// The raw CRI floor: containerd driven directly over runtime.v1, no kubelet and no API server.
// RunPodSandbox → CreateContainer → StartContainer → container running, one pod at a time
// (median of 20) and 50 pods at once; teardown (stop + removes); containerd's memory. This is
// the reference the kubelet benchmark's containerd figures are read against.
//   node --import tsx bench/containerd.ts   (needs root; ONE_BY_ONE / AT_ONCE override 20 / 50)
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeNodeContainerdFootprint } from '../src/containerd/cleanup.js';
import { bridgeNameFor } from '../src/containerd/config.js';
import { startNodeContainerd } from '../src/containerd/node-containerd.js';
import { CriClient } from '../src/kubelet/runtime/containerd/cri-client.js';
import { toCriContainerConfig, toCriSandboxConfig } from '../src/kubelet/runtime/containerd/translate.js';
import type { ContainerConfig, SandboxConfig } from '../src/kubelet/runtime/runtime.js';

const out = (line: string): void => console.log(`[bench:containerd] ${line}`);
const IMAGE = 'docker.io/library/busybox:1.35';
const REGISTRY = '127.0.0.1:5000';
const ONE_BY_ONE = Number(process.env['ONE_BY_ONE'] ?? 20);
const AT_ONCE = Number(process.env['AT_ONCE'] ?? 50);
const T = 60_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}
const ms = (x: number): string => `${x.toFixed(1)} ms`;

async function rssMiB(pid: number | undefined): Promise<string> {
  if (!pid) return '?';
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return `${(kb / 1024).toFixed(0)} MiB`;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    out('skipped: needs root');
    return;
  }
  const repo = fileURLToPath(new URL('../', import.meta.url));
  for (const [script, args] of [['scripts/install-containerd.sh', []], ['scripts/images/build-images.sh', ['--push', REGISTRY]]] as const) {
    const r = spawnSync('bash', [join(repo, script), ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${script} failed:\n${r.stdout}${r.stderr}`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'k8ts-bench-ctd-'));
  const nodeName = `bench-${process.pid}`;
  const nc = await startNodeContainerd({ dataDir: dir, nodeName, podCIDR: '10.244.250.0/24', registryMirror: REGISTRY });
  const cri = new CriClient(nc.endpoint);
  try {
    const v = await cri.runtime('Version', { version: 'v1' }, T);
    out(`${v.runtimeName} ${v.runtimeVersion}, CRI ${v.runtimeApiVersion}; ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    let t = performance.now();
    await cri.image('PullImage', { image: { image: IMAGE } }, T);
    out(`PullImage ${IMAGE} (first, from ${REGISTRY}): ${ms(performance.now() - t)}`);
    t = performance.now();
    const { imageRef } = await cri.image('PullImage', { image: { image: IMAGE } }, T);
    out(`PullImage again (cached): ${ms(performance.now() - t)}`);

    const logs = join(dir, 'logs');
    let n = 0;
    const onePod = async (): Promise<{ sandbox: string; container: string; run: number; create: number; start: number; total: number }> => {
      const name = `p${n++}`;
      const sb: SandboxConfig = {
        name,
        namespace: 'bench',
        uid: `uid-${name}`,
        attempt: 0,
        hostname: name,
        logDirectory: join(logs, name),
        portMappings: [],
        hostNetwork: false,
        labels: {},
        annotations: {},
      };
      await mkdir(sb.logDirectory, { recursive: true });
      const c: ContainerConfig = {
        name: 'main',
        attempt: 0,
        image: IMAGE,
        imageRef,
        command: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1 & wait $!; done'],
        args: [],
        env: [],
        mounts: [],
        logPath: 'main/0.log',
        stdin: false,
        stdinOnce: false,
        tty: false,
        labels: {},
        annotations: {},
        resources: {},
      };
      const t0 = performance.now();
      const sandboxConfig = toCriSandboxConfig(sb);
      const { podSandboxId } = await cri.runtime('RunPodSandbox', { config: sandboxConfig, runtimeHandler: '' }, T);
      const t1 = performance.now();
      const { containerId } = await cri.runtime('CreateContainer', { podSandboxId, config: toCriContainerConfig(c, sb, []), sandboxConfig }, T);
      const t2 = performance.now();
      await cri.runtime('StartContainer', { containerId }, T);
      for (;;) {
        const s = await cri.runtime('ContainerStatus', { containerId, verbose: false }, T);
        if (s.status?.state === 'CONTAINER_RUNNING') break;
      }
      const t3 = performance.now();
      return { sandbox: podSandboxId, container: containerId, run: t1 - t0, create: t2 - t1, start: t3 - t2, total: t3 - t0 };
    };
    const teardown = async (sandbox: string, container: string): Promise<number> => {
      const t0 = performance.now();
      await cri.runtime('StopContainer', { containerId: container, timeout: 10 }, T);
      await cri.runtime('RemoveContainer', { containerId: container }, T);
      await cri.runtime('StopPodSandbox', { podSandboxId: sandbox }, T);
      await cri.runtime('RemovePodSandbox', { podSandboxId: sandbox }, T);
      return performance.now() - t0;
    };

    await teardown(...(Object.values(await onePod()).slice(0, 2) as [string, string])); // warm-up
    const samples = [];
    const downs = [];
    for (let i = 0; i < ONE_BY_ONE; i++) {
      const p = await onePod();
      samples.push(p);
      downs.push(await teardown(p.sandbox, p.container));
    }
    out(`one at a time (${ONE_BY_ONE}), medians: RunPodSandbox ${ms(median(samples.map((s) => s.run)))}, CreateContainer ${ms(median(samples.map((s) => s.create)))}, StartContainer → running ${ms(median(samples.map((s) => s.start)))}`);
    out(`one at a time: RunPodSandbox → container running, median ${ms(median(samples.map((s) => s.total)))} (min ${ms(Math.min(...samples.map((s) => s.total)))}, max ${ms(Math.max(...samples.map((s) => s.total)))})`);
    out(`one at a time: teardown (stop + remove container, stop + remove sandbox), median ${ms(median(downs))}`);
    out(`containerd RSS idle: ${await rssMiB(nc.supervisor?.pid)}`);

    t = performance.now();
    const many = await Promise.all(Array.from({ length: AT_ONCE }, () => onePod()));
    const up = performance.now() - t;
    out(`${AT_ONCE} at once: all running after ${ms(up)} (per pod median ${ms(median(many.map((s) => s.total)))})`);
    out(`containerd RSS with ${AT_ONCE} pods: ${await rssMiB(nc.supervisor?.pid)}`);
    t = performance.now();
    await Promise.all(many.map((p) => teardown(p.sandbox, p.container)));
    out(`${AT_ONCE} at once: all removed after ${ms(performance.now() - t)}`);
  } finally {
    cri.close();
    await nc.close();
    await removeNodeContainerdFootprint({ dir, bridgeName: bridgeNameFor(nodeName) });
  }
}

await main();
