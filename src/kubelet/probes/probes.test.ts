import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventsFor, startKubeletHarness } from '../testing.js';

test('a failing liveness probe restarts the container with Killing and Unhealthy events', async () => {
  const h = await startKubeletHarness();
  try {
    await h.createPod({
      metadata: { name: 'live', annotations: { 'fake.k8ts.io/probe-fail': 'true' } },
      spec: { containers: [{ name: 'main', image: 'busybox:1.36', livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] }, periodSeconds: 1, failureThreshold: 1 } }] },
    });
    const pod = await h.waitForPod('live', (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1);
    assert.ok(pod.status?.containerStatuses?.[0]?.lastState?.terminated);
    const events = eventsFor(h, 'live');
    assert.ok(events.some((e) => e.reason === 'Unhealthy' && e.type === 'Warning' && e.message.startsWith('Liveness probe failed:')), JSON.stringify(events));
    assert.ok(events.some((e) => e.reason === 'Killing' && e.message === 'Container main failed liveness probe, will be restarted'), JSON.stringify(events));
  } finally {
    await h.close();
  }
});

test('a readiness probe drives the Ready condition', async () => {
  let healthy = false;
  const server = createServer((req, res) => {
    res.statusCode = healthy ? 200 : 503;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const h = await startKubeletHarness();
  try {
    await h.createPod({
      metadata: { name: 'ready' },
      spec: { containers: [{ name: 'main', image: 'busybox:1.36', readinessProbe: { httpGet: { host: '127.0.0.1', port, path: '/healthz' }, periodSeconds: 1, failureThreshold: 1 } }] },
    });
    const notReady = await h.waitForPod('ready', (p) => p.status?.phase === 'Running');
    const ready = notReady.status?.conditions?.find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'False');
    assert.equal(ready?.reason, 'ContainersNotReady');
    assert.equal(ready?.message, 'containers with unready status: [main]');
    assert.equal(notReady.status?.containerStatuses?.[0]?.ready, false);
    await h.waitFor('Unhealthy event', () => eventsFor(h, 'ready').find((e) => e.reason === 'Unhealthy' && e.message === 'Readiness probe failed: HTTP probe failed with statuscode: 503'));
    healthy = true;
    const pod = await h.waitForPod('ready', (p) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True');
    assert.equal(pod.status?.containerStatuses?.[0]?.ready, true);
    const readyCond = pod.status?.conditions?.find((c) => c.type === 'ContainersReady');
    assert.equal(readyCond?.status, 'True');
    // Transition times only move when the status changes.
    const scheduled = notReady.status?.conditions?.find((c) => c.type === 'PodScheduled')?.lastTransitionTime;
    assert.equal(pod.status?.conditions?.find((c) => c.type === 'PodScheduled')?.lastTransitionTime, scheduled);
  } finally {
    await h.close();
    server.close();
  }
});
