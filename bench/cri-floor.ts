// The raw CRI floor, shared by bench/containerd.ts and bench/pod-startup-containerd.ts:
// containerd driven directly over runtime.v1 (no kubelet, no API server) from RunPodSandbox to
// the container running, one pod at a time and many at once, then torn down again.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CriClient } from '../src/kubelet/runtime/containerd/cri-client.js';
import { toCriContainerConfig, toCriSandboxConfig } from '../src/kubelet/runtime/containerd/translate.js';
import { containerConfig, type SandboxConfig } from '../src/kubelet/runtime/runtime.js';

export const BUSYBOX = 'docker.io/library/busybox:1.35';
const T = 60_000;

/** Value at quantile q (0..1) of the samples, nearest rank. */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? NaN;
}

export const ms = (x: number): string => `${x.toFixed(1)} ms`;

/** Resident memory of a process in MiB (NaN when it is gone). */
export async function rssMiB(pid: number | undefined): Promise<number> {
  if (!pid) return NaN;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}

export interface PodTiming {
  sandbox: string;
  container: string;
  run: number;
  create: number;
  start: number;
  total: number;
}

export interface CriFloor {
  pullFirstMs: number;
  pullCachedMs: number;
  oneByOne: PodTiming[];
  teardownMs: number[];
  atOnceMs: number;
  atOnce: PodTiming[];
  atOnceTeardownMs: number;
}

export interface CriFloorOptions {
  endpoint: string;
  /** Directory for the pods' log files. */
  logDir: string;
  oneByOne: number;
  atOnce: number;
  /** Called while the `atOnce` pods are all running (e.g. to read memory). */
  whileAtOnceRunning?: () => Promise<void>;
}

/** Measures the floor on the containerd at `endpoint`; every pod it makes is removed again. */
export async function measureCriFloor(o: CriFloorOptions): Promise<CriFloor> {
  const cri = new CriClient(o.endpoint);
  try {
    let t = performance.now();
    await cri.image('PullImage', { image: { image: BUSYBOX } }, T);
    const pullFirstMs = performance.now() - t;
    t = performance.now();
    const { imageRef } = await cri.image('PullImage', { image: { image: BUSYBOX } }, T);
    const pullCachedMs = performance.now() - t;

    let n = 0;
    const onePod = async (): Promise<PodTiming> => {
      const name = `floor-${process.pid}-${n++}`;
      const sb: SandboxConfig = {
        name,
        namespace: 'bench',
        uid: `uid-${name}`,
        attempt: 0,
        hostname: name,
        logDirectory: join(o.logDir, name),
        portMappings: [],
        hostNetwork: false,
        labels: {},
        annotations: {},
      };
      await mkdir(sb.logDirectory, { recursive: true });
      const c = containerConfig('main', BUSYBOX, ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1 & wait $!; done'], { imageRef });
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
        if (performance.now() - t2 > T) throw new Error(`container ${containerId} not running after ${T} ms`);
      }
      const t3 = performance.now();
      return { sandbox: podSandboxId, container: containerId, run: t1 - t0, create: t2 - t1, start: t3 - t2, total: t3 - t0 };
    };
    const teardown = async (p: PodTiming): Promise<number> => {
      const t0 = performance.now();
      await cri.runtime('StopContainer', { containerId: p.container, timeout: 10 }, T);
      await cri.runtime('RemoveContainer', { containerId: p.container }, T);
      await cri.runtime('StopPodSandbox', { podSandboxId: p.sandbox }, T);
      await cri.runtime('RemovePodSandbox', { podSandboxId: p.sandbox }, T);
      return performance.now() - t0;
    };

    await teardown(await onePod()); // warm-up
    const oneByOne: PodTiming[] = [];
    const teardownMs: number[] = [];
    for (let i = 0; i < o.oneByOne; i++) {
      const p = await onePod();
      oneByOne.push(p);
      teardownMs.push(await teardown(p));
    }
    t = performance.now();
    const atOnce = await Promise.all(Array.from({ length: o.atOnce }, () => onePod()));
    const atOnceMs = performance.now() - t;
    await o.whileAtOnceRunning?.();
    t = performance.now();
    await Promise.all(atOnce.map((p) => teardown(p)));
    const atOnceTeardownMs = performance.now() - t;
    return { pullFirstMs, pullCachedMs, oneByOne, teardownMs, atOnceMs, atOnce, atOnceTeardownMs };
  } finally {
    cri.close();
  }
}

/** Removes every sandbox (and with it its containers) from the containerd at `endpoint`. */
export async function removeAllSandboxes(endpoint: string): Promise<number> {
  const cri = new CriClient(endpoint);
  try {
    const { items } = await cri.runtime('ListPodSandbox', {}, T);
    await Promise.all(items.map((s) => cri.runtime('RemovePodSandbox', { podSandboxId: s.id }, T).catch(() => undefined)));
    return items.length;
  } finally {
    cri.close();
  }
}
