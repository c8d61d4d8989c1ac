import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { podSummary } from '../apiserver/tables/pod-status.js';
import { eventsFor, startKubeletHarness } from './testing.js';

test('deleting a pod runs preStop, stops within the grace period, then finishes the API deletion', async () => {
  const hooks: { path: string; at: number }[] = [];
  const server = createServer((req, res) => {
    hooks.push({ path: req.url ?? '', at: Date.now() });
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const h = await startKubeletHarness();
  try {
    await h.createPod({
      metadata: { name: 'graceful', annotations: { 'fake.k8ts.io/ignore-term': 'true' } },
      spec: {
        terminationGracePeriodSeconds: 3,
        containers: [{ name: 'main', image: 'busybox:1.36', lifecycle: { preStop: { httpGet: { host: '127.0.0.1', port, path: '/prestop' } } } }],
      },
    });
    await h.waitForPod('graceful', (p) => p.status?.phase === 'Running');
    const pods = h.client.resource<Pod>({ group: '', version: 'v1', resource: 'pods' }, 'default');
    const deletedAt = Date.now();
    const answer = await pods.delete('graceful');
    assert.equal(answer.kind, 'object');
    const terminating = await h.getPod('graceful');
    assert.ok(terminating?.metadata?.deletionTimestamp);
    assert.equal(terminating?.metadata?.deletionGracePeriodSeconds, 3);
    assert.equal(podSummary(terminating as Pod, Date.now()).status, 'Terminating');
    await h.waitFor('pod gone', async () => (await h.getPod('graceful')) === undefined, 15_000);
    assert.deepEqual(hooks.map((x) => x.path), ['/prestop']);
    // The container ignored SIGTERM, so it was killed only when the grace period ran out.
    assert.ok(Date.now() - deletedAt >= 2000);
    const killing = eventsFor(h, 'graceful').find((e) => e.reason === 'Killing');
    assert.equal(killing?.message, 'Stopping container main');
    await h.waitFor('runtime cleaned up', async () => (await h.runtime.listPodSandboxes()).length === 0);
  } finally {
    await h.close();
    server.close();
  }
});
