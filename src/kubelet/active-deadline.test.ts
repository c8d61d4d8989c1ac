import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { activeDeadlineAt } from './active-deadline.js';
import { eventsFor, startKubeletHarness } from './testing.js';

const PODS = { group: '', version: 'v1', resource: 'pods' } as const;

test('the deadline counts from the status startTime, or from when the kubelet first saw the pod', () => {
  const pod: Pod = { spec: { activeDeadlineSeconds: 5, containers: [] } };
  assert.equal(activeDeadlineAt(pod, { startTime: '2026-01-01T00:00:00Z' }, 0), Date.parse('2026-01-01T00:00:05Z'));
  assert.equal(activeDeadlineAt(pod, {}, 1000), 6000);
  assert.equal(activeDeadlineAt({ spec: { containers: [] } }, { startTime: '2026-01-01T00:00:00Z' }, 0), undefined);
});

test('a pod past its activeDeadlineSeconds fails with DeadlineExceeded and its containers stop; a running pod given one fails too', async () => {
  const h = await startKubeletHarness();
  try {
    await h.createPod({ metadata: { name: 'short' }, spec: { activeDeadlineSeconds: 1, terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'busybox:1.36' }] } });
    await h.createPod({ metadata: { name: 'later' }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'busybox:1.36' }] } });
    await h.waitForPod('short', (p) => p.status?.phase === 'Running');
    const failed = await h.waitForPod('short', (p) => p.status?.phase === 'Failed' && p.status.containerStatuses?.[0]?.state?.terminated !== undefined);
    assert.equal(failed.status?.reason, 'DeadlineExceeded');
    assert.equal(failed.status?.message, 'Pod was active on the node longer than the specified deadline');
    assert.deepEqual(
      eventsFor(h, 'short').filter((e) => e.reason === 'DeadlineExceeded').map((e) => e.type),
      ['Normal'],
    );

    const running = await h.waitForPod('later', (p) => p.status?.phase === 'Running');
    const started = Date.parse(running.status?.startTime ?? '');
    // The field may be set on a running pod; the deadline counts from the pod's start.
    const seconds = Math.ceil((Date.now() - started) / 1000) + 1;
    await h.client.resource<Pod>(PODS, 'default').patch('later', 'strategic', { spec: { activeDeadlineSeconds: seconds } });
    const later = await h.waitForPod('later', (p) => p.status?.phase === 'Failed');
    assert.equal(later.status?.reason, 'DeadlineExceeded');
    // It stays Failed: the container is not restarted (restartPolicy Always notwithstanding).
    await new Promise((r) => setTimeout(r, 300));
    const settled = await h.getPod('later');
    assert.equal(settled?.status?.phase, 'Failed');
    assert.equal(settled?.status?.containerStatuses?.[0]?.restartCount, 0);
    assert.ok(settled?.status?.containerStatuses?.[0]?.state?.terminated);
  } finally {
    await h.close();
  }
});
