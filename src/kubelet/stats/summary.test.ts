import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { FakeRuntime } from '../runtime/fake/fake-runtime.js';
import { containerConfig, type SandboxConfig } from '../runtime/runtime.js';
import { CpuRates } from './cpu-rate.js';
import { memoryFromMeminfo, parseMeminfo, parseProcStat, procHostStats, type HostSample, type HostStatsSource } from './host.js';
import { SummaryProvider } from './summary.js';

const GiB = 1024 ** 3;
const fs = { capacityBytes: 100 * GiB, availableBytes: 60 * GiB, usedBytes: 40 * GiB, inodes: 1000, inodesFree: 900 };

/** Host figures a test sets; the clock is shared with the fake runtime. */
function scriptedHost(clock: { now: number }, over: Partial<HostSample> = {}): HostStatsSource & { cpuNs: number } {
  const host = {
    cpuNs: 0,
    async sample(): Promise<HostSample> {
      return {
        timestamp: clock.now,
        bootTime: Date.parse('2026-01-01T00:00:00Z'),
        cpuCoreNanoSeconds: host.cpuNs,
        memory: { totalBytes: 8 * GiB, availableBytes: 6 * GiB, usageBytes: 3 * GiB, workingSetBytes: 2 * GiB, rssBytes: GiB },
        nodeFs: fs,
        imageFs: { ...fs, availableBytes: 50 * GiB },
        pids: { max: 4194304, current: 300 },
        ...over,
      };
    },
  };
  return host;
}

async function fixture(annotations: Record<string, string>): Promise<{ rt: FakeRuntime; clock: { now: number }; pod: Pod; dir: string; sandboxId: string; containerId: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'k8ts-stats-'));
  const clock = { now: Date.parse('2026-03-01T10:00:00Z') };
  const rt = new FakeRuntime({ now: () => clock.now, writeLogs: true });
  const pod: Pod = {
    metadata: { name: 'web', namespace: 'default', uid: 'uid-web', annotations },
    spec: { containers: [{ name: 'main', image: 'busybox' }], volumes: [{ name: 'scratch', emptyDir: {} }] },
    status: { phase: 'Running', startTime: '2026-03-01T09:59:59Z' },
  };
  const sandbox: SandboxConfig = {
    name: 'web', namespace: 'default', uid: 'uid-web', attempt: 0, hostname: 'web', logDirectory: join(dir, 'logs'),
    portMappings: [], hostNetwork: false, labels: {}, annotations,
  };
  await mkdir(join(dir, 'logs', 'main'), { recursive: true });
  const sandboxId = await rt.runPodSandbox(sandbox);
  const containerId = await rt.createContainer(sandboxId, containerConfig('main', 'busybox', []), sandbox);
  await rt.startContainer(containerId);
  return { rt, clock, pod, dir, sandboxId, containerId };
}

test('the Summary of a fake-runtime pod has the stats/v1alpha1 shape with the scripted figures', async () => {
  const f = await fixture({ 'fake.k8ts.io/memory-bytes': String(64 * 1024 * 1024), 'fake.k8ts.io/rootfs-bytes': '8192' });
  try {
    const volumeDir = join(f.dir, 'volumes', 'scratch');
    await mkdir(volumeDir, { recursive: true });
    await writeFile(join(volumeDir, 'data'), Buffer.alloc(64 * 1024, 1));
    const provider = new SummaryProvider({ nodeName: 'node-1', runtime: f.rt, host: scriptedHost(f.clock), pods: () => [f.pod], volumePath: () => volumeDir });
    const s = await provider.summary();
    assert.equal(s.node.nodeName, 'node-1');
    assert.equal(s.node.startTime, '2026-01-01T00:00:00Z');
    assert.equal(s.node.cpu?.time, '2026-03-01T10:00:00Z');
    assert.equal(s.node.cpu?.usageCoreNanoSeconds, 0);
    assert.equal(s.node.cpu?.usageNanoCores, undefined, 'no rate from a single sample');
    assert.deepEqual(s.node.memory, { time: '2026-03-01T10:00:00Z', availableBytes: 6 * GiB, usageBytes: 3 * GiB, workingSetBytes: 2 * GiB, rssBytes: GiB });
    assert.equal(s.node.fs?.capacityBytes, 100 * GiB);
    assert.equal(s.node.fs?.inodesUsed, 100);
    assert.equal(s.node.runtime?.imageFs?.availableBytes, 50 * GiB);
    assert.deepEqual(s.node.rlimit, { time: '2026-03-01T10:00:00Z', maxpid: 4194304, curproc: 300 });

    assert.equal(s.pods.length, 1);
    const p = s.pods[0];
    assert.ok(p);
    assert.deepEqual(p.podRef, { name: 'web', namespace: 'default', uid: 'uid-web' });
    assert.equal(p.startTime, '2026-03-01T09:59:59Z');
    assert.equal(p.containers.length, 1);
    const c = p.containers[0];
    assert.ok(c);
    assert.equal(c.name, 'main');
    assert.equal(c.startTime, '2026-03-01T10:00:00Z');
    assert.equal(c.memory?.workingSetBytes, 64 * 1024 * 1024);
    assert.equal(c.memory?.usageBytes, 64 * 1024 * 1024);
    assert.equal(c.cpu?.usageCoreNanoSeconds, 0);
    assert.equal(c.rootfs?.usedBytes, 8192);
    assert.equal(c.rootfs?.capacityBytes, 100 * GiB);
    assert.ok((c.logs?.usedBytes ?? 0) > 0, 'the fake runtime wrote a log line');
    assert.equal(p.memory?.workingSetBytes, 64 * 1024 * 1024);
    const volume = p.volume?.[0];
    assert.equal(volume?.name, 'scratch');
    assert.ok((volume?.usedBytes ?? 0) >= 64 * 1024);
    assert.equal(volume?.inodesUsed, 2);
    const eph = p['ephemeral-storage']?.usedBytes ?? 0;
    assert.equal(eph, 8192 + (c.logs?.usedBytes ?? 0) + (volume?.usedBytes ?? 0), 'rootfs + logs + emptyDir');
    // The JSON is what metrics-server reads: no undefined holes, numbers as numbers.
    const json = JSON.parse(JSON.stringify(s)) as { pods: { containers: { cpu: { usageCoreNanoSeconds: unknown } }[] }[] };
    assert.equal(typeof json.pods[0]?.containers[0]?.cpu.usageCoreNanoSeconds, 'number');
  } finally {
    await f.rt.close();
    await rm(f.dir, { recursive: true, force: true });
  }
});

test('usageNanoCores comes from two samples of cumulative CPU time (container and node)', async () => {
  const f = await fixture({ 'fake.k8ts.io/cpu-millicores': '250' });
  try {
    const host = scriptedHost(f.clock);
    const provider = new SummaryProvider({ nodeName: 'node-1', runtime: f.rt, host, pods: () => [f.pod] });
    const first = await provider.summary();
    assert.equal(first.pods[0]?.containers[0]?.cpu?.usageNanoCores, undefined);
    f.clock.now += 2000;
    host.cpuNs += 3e9; // 1.5 cores busy over the 2 s
    const second = await provider.summary();
    const cpu = second.pods[0]?.containers[0]?.cpu;
    assert.equal(cpu?.usageCoreNanoSeconds, 250 * 1000 * 2000);
    assert.equal(cpu?.usageNanoCores, 250_000_000);
    assert.equal(second.pods[0]?.cpu?.usageNanoCores, 250_000_000);
    assert.equal(second.node.cpu?.usageNanoCores, 1_500_000_000);
  } finally {
    await f.rt.close();
    await rm(f.dir, { recursive: true, force: true });
  }
});

test('CpuRates: keeps the rate over the window, restarts on a counter reset, forgets unseen keys', () => {
  const r = new CpuRates(1000);
  assert.equal(r.observe('a', 0, 0), undefined);
  assert.equal(r.observe('a', 1e9, 1000), 1e9);
  assert.equal(r.observe('a', 1.1e9, 1100), 1e9, 'inside the window: the last full-window rate');
  assert.equal(r.observe('a', 1.5e9, 2000), 5e8);
  assert.equal(r.observe('a', 0, 2500), undefined, 'a counter that went back starts over');
  r.sweep();
  r.sweep();
  assert.equal(r.observe('a', 5e8, 3500), undefined, 'a swept key starts from scratch');
});

test('host parsing: /proc/stat, /proc/meminfo; the real host gives sane figures', async () => {
  const stat = parseProcStat('cpu  100 5 50 1000 20 3 2 1 0 0\ncpu0 1 2 3 4\nbtime 1700000000\n');
  assert.equal(stat.cpuCoreNanoSeconds, (100 + 5 + 50 + 3 + 2 + 1) * 1e7);
  assert.equal(stat.bootTime, 1700000000 * 1000);
  const mem = memoryFromMeminfo(parseMeminfo('MemTotal:       1000 kB\nMemFree:         200 kB\nMemAvailable:    500 kB\nInactive(file):  300 kB\nAnonPages:       100 kB\nHugePages_Total:       0\n'));
  assert.deepEqual(mem, { totalBytes: 1024000, usageBytes: 819200, workingSetBytes: 512000, availableBytes: 512000, rssBytes: 102400 });
  const real = await procHostStats({ nodeFsDir: tmpdir(), imageFsDir: tmpdir() }).sample();
  assert.ok(real.memory.totalBytes > 0 && real.memory.availableBytes <= real.memory.totalBytes);
  assert.ok(real.nodeFs.capacityBytes > 0 && real.nodeFs.availableBytes <= real.nodeFs.capacityBytes);
  assert.ok(real.pids.max > 0 && real.pids.current > 0);
  assert.ok(real.cpuCoreNanoSeconds > 0 && real.bootTime < Date.now());
});
