import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from 'kubernetes-types/batch/v1.js';
import { ApiError } from '../../api/errors.js';
import { FakeClock } from '../../informer/clock.js';
import { startControllerHarness, type ControllerHarness } from '../testing.js';
import { timeLeft, ttlAfterFinishedController } from './ttlafterfinished.js';

const JOBS = { group: 'batch', version: 'v1', resource: 'jobs' };

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const rfc3339 = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

async function createFinishedJob(h: ControllerHarness, name: string, ttl: number | undefined, finishedAt: number): Promise<void> {
  const labels = { 'batch.kubernetes.io/job-name': name };
  const jobs = h.client.resource<Job>(JOBS, 'default');
  await jobs.create({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default' },
    spec: {
      ttlSecondsAfterFinished: ttl,
      manualSelector: true,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } },
    },
  });
  const t = rfc3339(finishedAt);
  await jobs.patch(
    name,
    'merge',
    {
      status: {
        startTime: t,
        completionTime: t,
        succeeded: 1,
        conditions: [
          { type: 'SuccessCriteriaMet', status: 'True', lastTransitionTime: t },
          { type: 'Complete', status: 'True', lastTransitionTime: t },
        ],
      },
    },
    { subresource: 'status' },
  );
}

const exists = async (h: ControllerHarness, name: string): Promise<boolean> => {
  try {
    await h.client.resource<Job>(JOBS, 'default').get(name);
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return false;
    throw err;
  }
};

test('a finished Job is deleted ttlSecondsAfterFinished after it finished, not before', async () => {
  const clock = new FakeClock(Date.now());
  const h = await startControllerHarness({ clock });
  try {
    h.start(ttlAfterFinishedController);
    await createFinishedJob(h, 'short', 30, clock.now());
    await createFinishedJob(h, 'forever', undefined, clock.now());
    await createFinishedJob(h, 'zero', 0, clock.now());
    await waitFor('ttl 0 deleted at once', async () => !(await exists(h, 'zero')));
    clock.advance(20_000);
    assert.equal(await exists(h, 'short'), true);
    clock.advance(11_000);
    await waitFor('short deleted', async () => !(await exists(h, 'short')));
    assert.equal(await exists(h, 'forever'), true);
  } finally {
    await h.close();
  }
});

test('timeLeft: only finished Jobs with a TTL expire', () => {
  const finished: Job = {
    spec: { ttlSecondsAfterFinished: 10, template: {} },
    status: { conditions: [{ type: 'Failed', status: 'True', lastTransitionTime: '2025-03-01T10:00:00Z' }] },
  };
  const at = Date.parse('2025-03-01T10:00:04Z');
  assert.equal(timeLeft(finished, at), 6000);
  assert.equal(timeLeft({ ...finished, status: {} }, at), undefined);
  assert.equal(timeLeft({ ...finished, spec: { template: {} } }, at), undefined);
});
