import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { FakeRuntime } from './runtime/fake/fake-runtime.js';
import type { HostStatsSource } from './stats/host.js';
import { eventsFor, startKubeletHarness } from './testing.js';

const NODES = { group: '', version: 'v1', resource: 'nodes' } as const;
const Mi = 1024 * 1024;
const GiB = 1024 * Mi;

/** A 4 GiB host whose only memory use is the fake containers' scripted working sets. */
function hostOf(runtime: FakeRuntime): HostStatsSource & { samples: number } {
  const fs = { capacityBytes: 100 * GiB, availableBytes: 60 * GiB, usedBytes: 40 * GiB, inodes: 1e6, inodesFree: 9e5 };
  const host = {
    samples: 0,
    async sample() {
      host.samples++;
      const used = (await runtime.listContainerStats()).reduce((n, s) => n + (s.memoryWorkingSetBytes ?? 0), 0);
      return {
        timestamp: Date.now(),
        bootTime: Date.now() - 3600_000,
        cpuCoreNanoSeconds: 0,
        memory: { totalBytes: 4 * GiB, availableBytes: 4 * GiB - used, usageBytes: used, workingSetBytes: used, rssBytes: used },
        nodeFs: fs,
        imageFs: fs,
        pids: { max: 32768, current: 100 },
      };
    },
  };
  return host;
}

test('memory pressure: MemoryPressure True, the BestEffort pod over its request is evicted (Failed/Evicted), the other stays', async () => {
  const runtime = new FakeRuntime();
  // 300Mi + 200Mi in use → 3596Mi available, under the 3700Mi threshold; without the 300Mi
  // BestEffort pod 3896Mi are available and the pressure ends.
  const host = hostOf(runtime);
  const h = await startKubeletHarness({
    runtime,
    kubelet: { hostStats: host, evictionHard: 'memory.available<3700Mi', evictionMonitoringIntervalMs: 100, evictionPressureTransitionPeriodMs: 60_000 },
  });
  try {
    await h.createPod({
      metadata: { name: 'burstable', annotations: { 'fake.k8ts.io/memory-bytes': String(200 * Mi) } },
      spec: { containers: [{ name: 'main', image: 'busybox', resources: { requests: { memory: '1Gi' } } }] },
    });
    await h.waitForPod('burstable', (p) => p.status?.phase === 'Running');
    await h.createPod({
      metadata: { name: 'besteffort', annotations: { 'fake.k8ts.io/memory-bytes': String(300 * Mi) } },
      spec: { containers: [{ name: 'hog', image: 'busybox' }] },
    });
    const evicted = await h.waitForPod('besteffort', (p) => p.status?.phase === 'Failed');
    assert.equal(evicted.status?.reason, 'Evicted');
    const message = 'The node was low on resource: memory. Threshold quantity: 3700Mi, available: 3596Mi. Container hog was using 300Mi, request is 0, has larger consumption of memory. ';
    assert.equal(evicted.status?.message, message);
    const disruption = evicted.status?.conditions?.find((c) => c.type === 'DisruptionTarget');
    assert.deepEqual([disruption?.status, disruption?.reason, disruption?.message], ['True', 'TerminationByKubelet', message]);
    assert.ok(evicted.status?.containerStatuses?.[0]?.state?.terminated, 'the container was killed');
    assert.ok(eventsFor(h, 'besteffort').some((e) => e.type === 'Warning' && e.reason === 'Evicted' && e.message === message));

    const node = await h.waitFor('MemoryPressure on the node', async () => {
      const n = await h.client.resource<Node>(NODES).get(h.nodeName);
      return n.status?.conditions?.find((c) => c.type === 'MemoryPressure' && c.status === 'True') ? n : undefined;
    });
    const mp = node.status?.conditions?.find((c) => c.type === 'MemoryPressure');
    assert.deepEqual([mp?.reason, mp?.message], ['KubeletHasInsufficientMemory', 'kubelet has insufficient memory available']);
    assert.equal(node.status?.conditions?.find((c) => c.type === 'DiskPressure')?.status, 'False');
    assert.ok(h.events.some((e) => e.reason === 'EvictionThresholdMet' && e.message === 'Attempting to reclaim memory'));
    await h.waitFor('node event', () => h.events.some((e) => e.reason === 'NodeHasInsufficientMemory' && e.message === `Node ${h.nodeName} status is now: NodeHasInsufficientMemory`));

    // Pressure is gone with the evicted pod: the Burstable pod keeps running, and stays so.
    const seen = host.samples;
    await h.waitFor('three more eviction passes', () => host.samples >= seen + 3);
    const survivor = await h.getPod('burstable');
    assert.equal(survivor?.status?.phase, 'Running');
    const still = await h.getPod('besteffort');
    assert.equal((still as Pod | undefined)?.status?.phase, 'Failed', 'an evicted pod is not restarted');
  } finally {
    await h.close();
  }
});
