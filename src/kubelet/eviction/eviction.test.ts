import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../../informer/clock.js';
import { createLogger } from '../../log.js';
import type { PodStats, Summary } from '../stats/summary-types.js';
import { EvictionManager, evictionMessage } from './eviction-manager.js';
import { rankForEviction } from './rank.js';
import { DEFAULT_EVICTION_HARD, parseEvictionHard } from './thresholds.js';

const Mi = 1024 * 1024;
const GiB = 1024 * Mi;
const T = '2026-03-01T10:00:00Z';

function pod(name: string, o: { memRequest?: string; memLimit?: string; priority?: number; storageRequest?: string } = {}): Pod {
  const requests: Record<string, string> = {};
  if (o.memRequest) requests['memory'] = o.memRequest;
  if (o.storageRequest) requests['ephemeral-storage'] = o.storageRequest;
  return {
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: {
      containers: [{ name: 'main', image: 'busybox', resources: { requests, ...(o.memLimit ? { limits: { memory: o.memLimit } } : {}) } }],
      ...(o.priority !== undefined ? { priority: o.priority } : {}),
    },
  };
}

function stats(p: Pod, workingSet: number, storage = 0): PodStats {
  return {
    podRef: { name: p.metadata?.name ?? '', namespace: 'default', uid: p.metadata?.uid ?? '' },
    startTime: T,
    containers: [{ name: 'main', startTime: T, memory: { time: T, workingSetBytes: workingSet }, rootfs: { time: T, usedBytes: storage }, logs: { time: T, usedBytes: 0 } }],
    memory: { time: T, workingSetBytes: workingSet },
    'ephemeral-storage': { time: T, usedBytes: storage },
  };
}

function summary(o: { memAvailable: number; nodefsAvailable?: number; pods: PodStats[]; curproc?: number }): Summary {
  return {
    node: {
      nodeName: 'node-1',
      startTime: T,
      memory: { time: T, availableBytes: o.memAvailable, workingSetBytes: 4 * GiB - o.memAvailable },
      fs: { time: T, availableBytes: o.nodefsAvailable ?? 50 * GiB, capacityBytes: 100 * GiB, inodes: 1000, inodesFree: 900 },
      runtime: { imageFs: { time: T, availableBytes: 50 * GiB, capacityBytes: 100 * GiB, inodes: 1000, inodesFree: 900 } },
      rlimit: { time: T, maxpid: 1000, curproc: o.curproc ?? 100 },
    },
    pods: o.pods,
  };
}

test('--eviction-hard: the kubelet syntax, Kubernetes defaults, errors', () => {
  assert.deepEqual(parseEvictionHard('memory.available<100Mi,nodefs.available<10%'), [
    { signal: 'memory.available', value: { quantity: 100 * Mi, text: '100Mi' } },
    { signal: 'nodefs.available', value: { percentage: 0.1 } },
  ]);
  assert.deepEqual(parseEvictionHard(DEFAULT_EVICTION_HARD).map((t) => t.signal), ['memory.available', 'nodefs.available', 'nodefs.inodesFree', 'imagefs.available', 'imagefs.inodesFree']);
  assert.deepEqual(parseEvictionHard(''), []);
  assert.deepEqual(parseEvictionHard('memory.available<0%,pid.available<100'), [{ signal: 'pid.available', value: { quantity: 100, text: '100' } }], '0% turns a signal off');
  assert.throws(() => parseEvictionHard('memory.free<1Gi'), /unknown signal "memory.free"/);
  assert.throws(() => parseEvictionHard('memory.available=1Gi'), /expected SIGNAL<QUANTITY/);
  assert.throws(() => parseEvictionHard('nodefs.available<120%'), /percentage/);
  assert.throws(() => parseEvictionHard('memory.available<lots'), /not a quantity/);
});

test('memory ranking: over-request first (BestEffort included), then priority, then usage above request', () => {
  const bestEffortSmall = pod('be-small');
  const bestEffortBig = pod('be-big');
  const burstableOver = pod('burst-over', { memRequest: '100Mi' });
  const burstableUnder = pod('burst-under', { memRequest: '1Gi' });
  const guaranteed = pod('guaranteed', { memRequest: '200Mi', memLimit: '200Mi' });
  const important = pod('important', { priority: 1000 });
  const critical = pod('critical', { priority: 2_000_001_000 });
  const usage = new Map<string, number>([
    ['be-small', 10 * Mi],
    ['be-big', 300 * Mi],
    ['burst-over', 250 * Mi],
    ['burst-under', 900 * Mi],
    ['guaranteed', 150 * Mi],
    ['important', 500 * Mi],
    ['critical', 2000 * Mi],
  ]);
  const all = [guaranteed, burstableUnder, bestEffortSmall, important, burstableOver, critical, bestEffortBig];
  const ranked = rankForEviction(all, 'memory', (p) => stats(p, usage.get(p.metadata?.name ?? '') ?? 0));
  assert.deepEqual(
    ranked.map((p) => p.metadata?.name),
    ['be-big', 'burst-over', 'be-small', 'important', 'guaranteed', 'burst-under'],
  );
  const noStats = rankForEviction([bestEffortBig, burstableUnder], 'memory', (p) => (p === burstableUnder ? undefined : stats(p, 300 * Mi)));
  assert.equal(noStats[0]?.metadata?.name, 'burst-under', 'a pod without stats goes first');
});

test('eviction message as Kubernetes writes it', () => {
  const p = pod('web', { memRequest: '100Mi' });
  const msg = evictionMessage(p, stats(p, 200 * Mi), { signal: 'memory.available', value: { quantity: 100 * Mi, text: '100Mi' } }, { available: 51_100 * 1024, capacity: 4 * GiB });
  assert.equal(msg, 'The node was low on resource: memory. Threshold quantity: 100Mi, available: 51100Ki. Container main was using 200Mi, request is 100Mi, has larger consumption of memory. ');
  const disk = evictionMessage(pod('d'), stats(pod('d'), 0, 3 * 1024), { signal: 'nodefs.available', value: { percentage: 0.1 } }, { available: 4 * GiB, capacity: 100 * GiB });
  assert.equal(disk, 'The node was low on resource: ephemeral-storage. Threshold quantity: 10737418240, available: 4Gi. Container main was using 3Ki, request is 0, has larger consumption of ephemeral-storage. ');
});

test('eviction manager: conditions from thresholds, one pod per pass, conditions kept for the transition period', async () => {
  const clock = new FakeClock(1_000_000);
  const a = pod('a');
  const b = pod('b', { memRequest: '1Gi' });
  let current = summary({ memAvailable: 50 * Mi, pods: [stats(a, 300 * Mi), stats(b, 200 * Mi)] });
  let active = [a, b];
  const evicted: { name: string; message: string }[] = [];
  const nodeEvents: string[] = [];
  let changes = 0;
  const m = new EvictionManager({
    thresholds: parseEvictionHard('memory.available<100Mi,nodefs.available<10%,pid.available<50'),
    summary: async () => current,
    activePods: () => active,
    evict: async (p, message) => {
      evicted.push({ name: p.metadata?.name ?? '', message });
      active = active.filter((x) => x !== p);
    },
    nodeEvent: (reason, message) => nodeEvents.push(`${reason}: ${message}`),
    onPressureChange: () => changes++,
    clock,
    pressureTransitionPeriodMs: 60_000,
    monitoringIntervalMs: 10_000,
    log: createLogger('eviction', { level: 'error' }),
  });
  assert.deepEqual([...m.pressure()], []);
  assert.equal((await m.synchronize())?.metadata?.name, 'a');
  assert.deepEqual([...m.pressure()], ['MemoryPressure']);
  assert.equal(changes, 1);
  assert.equal(evicted.length, 1, 'one pod per pass');
  assert.match(evicted[0]?.message ?? '', /^The node was low on resource: memory\. Threshold quantity: 100Mi, available: 50Mi\. Container main was using 300Mi, request is 0, has larger consumption of memory\. $/);
  assert.deepEqual(nodeEvents, ['EvictionThresholdMet: Attempting to reclaim memory']);

  // Still low: the next pass takes the next pod; then memory recovers but disk and pids run low.
  assert.equal((await m.synchronize())?.metadata?.name, 'b');
  clock.advance(20_000);
  current = summary({ memAvailable: 2 * GiB, nodefsAvailable: 5 * GiB, curproc: 980, pods: [] });
  assert.equal(await m.synchronize(), undefined, 'nothing left to evict');
  assert.deepEqual([...m.pressure()].sort(), ['DiskPressure', 'MemoryPressure', 'PIDPressure']);

  // Everything fine again: conditions stay True until the transition period has passed.
  current = summary({ memAvailable: 2 * GiB, pods: [] });
  clock.advance(30_000);
  await m.synchronize();
  assert.deepEqual([...m.pressure()].sort(), ['DiskPressure', 'MemoryPressure', 'PIDPressure']);
  clock.advance(11_000);
  await m.synchronize();
  assert.deepEqual([...m.pressure()].sort(), ['DiskPressure', 'PIDPressure'], 'memory was last low 61 s ago');
  clock.advance(20_000);
  await m.synchronize();
  assert.deepEqual([...m.pressure()], []);
});
