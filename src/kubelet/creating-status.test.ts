import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { podSummary } from '../apiserver/tables/pod-status.js';
import { FakeRuntime } from './runtime/fake/fake-runtime.js';
import { startKubeletHarness, type KubeletHarness } from './testing.js';

/** The pod's STATUS column (as `kubectl get pods -w` prints it) over its start, until Running. */
async function statusSequence(h: KubeletHarness, name: string): Promise<string[]> {
  const seen: string[] = [];
  const stop = new AbortController();
  const watching = (async () => {
    for await (const ev of h.client.resource<Pod>({ group: '', version: 'v1', resource: 'pods' }, 'default').watch({ fieldSelector: `metadata.name=${name}` }, stop.signal)) {
      if (ev.type === 'ERROR') continue;
      const st = podSummary(ev.object, Date.now()).status;
      if (seen[seen.length - 1] !== st) seen.push(st);
    }
  })();
  try {
    await h.createPod({ metadata: { name }, spec: { containers: [{ name: 'main', image: 'busybox' }] } });
    await h.waitFor('Running seen through the watch', () => seen.includes('Running'));
    return seen;
  } finally {
    stop.abort();
    await watching.catch(() => undefined);
  }
}

test('a slow start shows ContainerCreating (Pending, container waiting) before Running', async () => {
  const h = await startKubeletHarness({ runtime: new FakeRuntime({ startLatencyMs: 1500 }), kubelet: { containerCreatingStatusDelayMs: 100 } });
  try {
    const creating = h.waitForPod('slow', (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ContainerCreating');
    const seen = await statusSequence(h, 'slow');
    const pod = await creating;
    assert.equal(pod.status?.phase, 'Pending');
    assert.equal(pod.status?.containerStatuses?.[0]?.ready, false);
    assert.deepEqual(seen.slice(seen.indexOf('ContainerCreating')), ['ContainerCreating', 'Running'], seen.join(','));
  } finally {
    await h.close();
  }
});

test('a fast start writes no ContainerCreating status: its first kubelet status is Running', async () => {
  // The fake runtime without log files answers every call without waiting on I/O: no call of
  // it can outlast the (default) delay, however busy the machine is.
  const h = await startKubeletHarness({ runtime: new FakeRuntime({ writeLogs: false }) });
  try {
    const seen = await statusSequence(h, 'fast');
    assert.deepEqual(seen, ['Pending', 'Running']);
  } finally {
    await h.close();
  }
});
