import { test } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import assert from 'node:assert/strict';
import { podSummary } from '../apiserver/tables/pod-status.js';
import { eventsFor, startKubeletHarness } from './testing.js';

test('a pod that does not fit allocatable CPU is rejected with OutOfcpu', async () => {
  const h = await startKubeletHarness();
  try {
    await h.createPod({ metadata: { name: 'small' }, spec: { containers: [{ name: 'main', image: 'busybox:1.36', resources: { requests: { cpu: '3' } } }] } });
    await h.waitForPod('small', (p) => p.status?.phase === 'Running');
    await h.createPod({ metadata: { name: 'big' }, spec: { containers: [{ name: 'main', image: 'busybox:1.36', resources: { requests: { cpu: '2' } } }] } });
    const pod = await h.waitForPod('big', (p) => p.status?.phase === 'Failed');
    assert.equal(pod.status?.reason, 'OutOfcpu');
    assert.equal(pod.status?.message, "Pod was rejected: Node didn't have enough resource: cpu, requested: 2000, used: 3000, capacity: 4000");
    assert.equal(podSummary(pod, Date.now()).status, 'OutOfcpu');
    assert.ok(eventsFor(h, 'big').some((e) => e.reason === 'OutOfcpu' && e.type === 'Warning'));
    assert.equal((await h.runtime.listPodSandboxes()).filter((s) => s.name === 'big').length, 0);
  } finally {
    await h.close();
  }
});

test('requests of pods that finished or were deleted no longer count against admission', async () => {
  const h = await startKubeletHarness();
  const cpu = (n: string) => ({ resources: { requests: { cpu: n } } });
  try {
    // 3 of 4 CPUs for a pod that completes: afterwards a 2-CPU pod fits.
    await h.createPod({
      metadata: { name: 'done', annotations: { 'fake.k8ts.io/exit-after-ms': '0' } },
      spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox:1.36', ...cpu('3') }] },
    });
    await h.waitForPod('done', (p) => p.status?.phase === 'Succeeded');
    await h.createPod({ metadata: { name: 'after-done' }, spec: { containers: [{ name: 'main', image: 'busybox:1.36', ...cpu('2') }] } });
    await h.waitForPod('after-done', (p) => p.status?.phase === 'Running');
    // 2 + 2 CPUs in use: a third 1-CPU pod is refused until one of them is deleted.
    await h.createPod({ metadata: { name: 'second' }, spec: { containers: [{ name: 'main', image: 'busybox:1.36', ...cpu('2') }] } });
    await h.waitForPod('second', (p) => p.status?.phase === 'Running');
    await h.createPod({ metadata: { name: 'refused' }, spec: { containers: [{ name: 'main', image: 'busybox:1.36', ...cpu('1') }] } });
    assert.equal((await h.waitForPod('refused', (p) => p.status?.phase === 'Failed')).status?.reason, 'OutOfcpu');
    const pods = h.client.resource<Pod>({ group: '', version: 'v1', resource: 'pods' }, 'default');
    await pods.delete('second', { gracePeriodSeconds: 0 });
    await h.waitFor('second to be gone', async () => (await h.getPod('second')) === undefined);
    await h.createPod({ metadata: { name: 'after-delete' }, spec: { containers: [{ name: 'main', image: 'busybox:1.36', ...cpu('2') }] } });
    await h.waitForPod('after-delete', (p) => p.status?.phase === 'Running');
  } finally {
    await h.close();
  }
});
