import { test } from 'node:test';
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
