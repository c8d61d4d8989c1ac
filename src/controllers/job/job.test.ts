import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { startControllerHarness, type ControllerHarness } from '../testing.js';
import { JOBS, newJobController, PODS } from './job.js';
import { COMPLETION_INDEX_ANNOTATION, JOB_TRACKING_FINALIZER } from './pods.js';

const fast = newJobController({ podFailureBackoffMs: 20, maxPodFailureBackoffMs: 100 });

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

// The selector is given (manualSelector) so the tests do not depend on the API server
// generating the controller-uid selector.
function jobSpec(name: string, spec: Partial<NonNullable<Job['spec']>> = {}): Job {
  const labels = { 'batch.kubernetes.io/job-name': name };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default' },
    spec: {
      ...spec,
      manualSelector: true,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } },
    },
  };
}

async function podsOf(h: ControllerHarness, job: string): Promise<Pod[]> {
  const list = await h.client.resource<Pod>(PODS, 'default').list({ labelSelector: `batch.kubernetes.io/job-name=${job}` });
  return list.items;
}

async function finish(h: ControllerHarness, pod: Pod, phase: 'Succeeded' | 'Failed', exitCode = phase === 'Succeeded' ? 0 : 1): Promise<void> {
  await h.client.resource<Pod>(PODS, 'default').patch(
    pod.metadata?.name ?? '',
    'merge',
    {
      status: {
        phase,
        containerStatuses: [
          { name: 'main', image: 'busybox', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode, reason: phase === 'Failed' ? 'Error' : 'Completed' } } },
        ],
      },
    },
    { subresource: 'status' },
  );
}

const getJob = (h: ControllerHarness, name: string): Promise<Job> => h.client.resource<Job>(JOBS, 'default').get(name);
const hasCondition = (job: Job, type: string): boolean => job.status?.conditions?.some((c) => c.type === type && c.status === 'True') ?? false;

test('completions 5, parallelism 2: never more than 2 active, Complete after 5 succeed', async () => {
  const h = await startControllerHarness();
  try {
    h.start(fast);
    await h.client.resource<Job>(JOBS, 'default').create(jobSpec('pi', { completions: 5, parallelism: 2 }));
    let finished = 0;
    while (finished < 5) {
      const running = await waitFor('running pods', async () => {
        const pods = (await podsOf(h, 'pi')).filter((p) => !p.status?.phase || p.status.phase === 'Pending');
        return pods.length > 0 && pods;
      });
      const active = (await podsOf(h, 'pi')).filter((p) => p.status?.phase !== 'Succeeded');
      assert.ok(active.length <= 2, `at most 2 active, saw ${active.length}`);
      for (const p of running) assert.ok(p.metadata?.finalizers?.includes(JOB_TRACKING_FINALIZER));
      const pod = running[0];
      assert.ok(pod);
      await finish(h, pod, 'Succeeded');
      finished++;
      await waitFor('succeeded count', async () => ((await getJob(h, 'pi')).status?.succeeded ?? 0) >= finished);
    }
    const job = await waitFor('Complete', async () => {
      const j = await getJob(h, 'pi');
      return hasCondition(j, 'Complete') && j;
    });
    assert.equal(job.status?.succeeded, 5);
    assert.ok(hasCondition(job, 'SuccessCriteriaMet'));
    assert.ok(job.status?.completionTime);
    assert.ok(job.status?.startTime);
    assert.equal(job.status?.active, undefined);
    assert.deepEqual(job.status?.uncountedTerminatedPods, {});
    const pods = await podsOf(h, 'pi');
    assert.equal(pods.length, 5);
    assert.ok(pods.every((p) => !p.metadata?.finalizers?.includes(JOB_TRACKING_FINALIZER)), 'finalizers removed once counted');
    assert.equal(h.events.filter((e) => e.reason === 'SuccessfulCreate').length, 5);
    assert.match(h.events.find((e) => e.reason === 'SuccessfulCreate')?.message ?? '', /^Created pod: pi-[a-z0-9]{5}$/);
    assert.ok(h.events.some((e) => e.reason === 'Completed' && e.message === 'Job completed'));
  } finally {
    await h.close();
  }
});

test('a failing job fails with BackoffLimitExceeded after backoffLimit + 1 failures', async () => {
  const h = await startControllerHarness();
  try {
    h.start(fast);
    await h.client.resource<Job>(JOBS, 'default').create(jobSpec('bad', { backoffLimit: 2 }));
    for (let i = 1; i <= 3; i++) {
      const pod = await waitFor(`pod ${i}`, async () => (await podsOf(h, 'bad')).find((p) => p.status?.phase !== 'Failed'));
      await finish(h, pod, 'Failed');
      await waitFor(`failed=${i}`, async () => (await getJob(h, 'bad')).status?.failed === i);
    }
    const job = await waitFor('Failed', async () => {
      const j = await getJob(h, 'bad');
      return hasCondition(j, 'Failed') && j;
    });
    const failed = job.status?.conditions?.find((c) => c.type === 'Failed');
    assert.equal(failed?.reason, 'BackoffLimitExceeded');
    assert.equal(failed?.message, 'Job has reached the specified backoff limit');
    assert.ok(hasCondition(job, 'FailureTarget'));
    assert.equal((await podsOf(h, 'bad')).length, 3, 'no pod created after the limit');
    assert.ok(h.events.some((e) => e.type === 'Warning' && e.reason === 'BackoffLimitExceeded'));
  } finally {
    await h.close();
  }
});

test('Indexed job: one pod per index with annotation, hostname and JOB_COMPLETION_INDEX', async () => {
  const h = await startControllerHarness();
  try {
    h.start(fast);
    await h.client.resource<Job>(JOBS, 'default').create(jobSpec('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }));
    const pods = await waitFor('3 pods', async () => {
      const p = await podsOf(h, 'idx');
      return p.length === 3 && p;
    });
    const byIndex = new Map(pods.map((p) => [p.metadata?.annotations?.[COMPLETION_INDEX_ANNOTATION], p]));
    assert.deepEqual([...byIndex.keys()].sort(), ['0', '1', '2']);
    const p1 = byIndex.get('1');
    assert.equal(p1?.spec?.hostname, 'idx-1');
    assert.match(p1?.metadata?.name ?? '', /^idx-1-/);
    assert.equal(p1?.metadata?.labels?.['batch.kubernetes.io/job-completion-index'], '1');
    const env = p1?.spec?.containers[0]?.env?.find((e) => e.name === 'JOB_COMPLETION_INDEX');
    assert.equal(env?.valueFrom?.fieldRef?.fieldPath, "metadata.annotations['batch.kubernetes.io/job-completion-index']");
    await finish(h, byIndex.get('2') as Pod, 'Succeeded');
    await waitFor('completedIndexes 2', async () => (await getJob(h, 'idx')).status?.completedIndexes === '2');
    await finish(h, byIndex.get('0') as Pod, 'Succeeded');
    await finish(h, p1 as Pod, 'Failed');
    // Index 1 failed: a replacement for index 1 (and only 1) appears.
    const replacement = await waitFor('replacement for index 1', async () =>
      (await podsOf(h, 'idx')).find((p) => p.status?.phase === 'Pending' && p.metadata?.annotations?.[COMPLETION_INDEX_ANNOTATION] === '1'),
    );
    await finish(h, replacement, 'Succeeded');
    const job = await waitFor('Complete', async () => {
      const j = await getJob(h, 'idx');
      return hasCondition(j, 'Complete') && j;
    });
    assert.equal(job.status?.completedIndexes, '0-2');
    assert.equal(job.status?.succeeded, 3);
    assert.equal(job.status?.failed, 1);
  } finally {
    await h.close();
  }
});

test('activeDeadlineSeconds: DeadlineExceeded, pods deleted', async () => {
  const h = await startControllerHarness();
  try {
    h.start(fast);
    await h.client.resource<Job>(JOBS, 'default').create(jobSpec('slow', { parallelism: 2, completions: 2, activeDeadlineSeconds: 1 }));
    await waitFor('2 pods', async () => (await podsOf(h, 'slow')).length === 2);
    const job = await waitFor('Failed', async () => {
      const j = await getJob(h, 'slow');
      return hasCondition(j, 'Failed') && j;
    });
    assert.equal(job.status?.conditions?.find((c) => c.type === 'Failed')?.reason, 'DeadlineExceeded');
    assert.equal(job.status?.conditions?.find((c) => c.type === 'Failed')?.message, 'Job was active longer than specified deadline');
    await waitFor('pods gone', async () => (await podsOf(h, 'slow')).length === 0);
    assert.equal(h.events.filter((e) => e.reason === 'SuccessfulDelete').length, 2);
  } finally {
    await h.close();
  }
});

test('suspend deletes active pods and sets Suspended; resume creates them again', async () => {
  const h = await startControllerHarness();
  try {
    h.start(fast);
    const jobs = h.client.resource<Job>(JOBS, 'default');
    await jobs.create(jobSpec('sus', { parallelism: 2, completions: 4 }));
    await waitFor('2 pods', async () => (await podsOf(h, 'sus')).length === 2);
    await jobs.patch('sus', 'merge', { spec: { suspend: true } });
    const suspended = await waitFor('Suspended', async () => {
      const j = await getJob(h, 'sus');
      return hasCondition(j, 'Suspended') && (await podsOf(h, 'sus')).length === 0 && j;
    });
    assert.equal(suspended.status?.conditions?.find((c) => c.type === 'Suspended')?.reason, 'JobSuspended');
    await waitFor('active 0', async () => (await getJob(h, 'sus')).status?.active === undefined);
    await jobs.patch('sus', 'merge', { spec: { suspend: false } });
    await waitFor('2 pods again', async () => (await podsOf(h, 'sus')).filter((p) => !p.metadata?.deletionTimestamp).length === 2);
    const resumed = await waitFor('resumed', async () => {
      const j = await getJob(h, 'sus');
      return j.status?.conditions?.find((c) => c.type === 'Suspended')?.status === 'False' && j;
    });
    assert.equal(resumed.status?.conditions?.find((c) => c.type === 'Suspended')?.reason, 'JobResumed');
    assert.ok(h.events.some((e) => e.reason === 'Suspended'));
    assert.ok(h.events.some((e) => e.reason === 'Resumed'));
  } finally {
    await h.close();
  }
});

test('podFailurePolicy: Ignore does not count, FailJob fails the job at once', async () => {
  const h = await startControllerHarness();
  try {
    h.start(fast);
    await h.client.resource<Job>(JOBS, 'default').create(
      jobSpec('pfp', {
        backoffLimit: 6,
        podFailurePolicy: {
          rules: [
            { action: 'Ignore', onExitCodes: { operator: 'In', values: [7] } },
            { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } },
          ],
        },
      }),
    );
    const first = await waitFor('pod', async () => (await podsOf(h, 'pfp'))[0]);
    await finish(h, first, 'Failed', 7);
    const second = await waitFor('replacement', async () => (await podsOf(h, 'pfp')).find((p) => p.status?.phase !== 'Failed'));
    assert.equal((await getJob(h, 'pfp')).status?.failed, undefined, 'ignored failure not counted');
    await finish(h, second, 'Failed', 42);
    const job = await waitFor('Failed', async () => {
      const j = await getJob(h, 'pfp');
      return hasCondition(j, 'Failed') && j;
    });
    const cond = job.status?.conditions?.find((c) => c.type === 'Failed');
    assert.equal(cond?.reason, 'PodFailurePolicy');
    assert.equal(cond?.message, `Container main for pod default/${second.metadata?.name ?? ''} failed with exit code 42 matching FailJob rule at index 1`);
  } finally {
    await h.close();
  }
});

test('a Job adopts a matching orphan (reference and finalizer) and releases a pod that stops matching (conformance)', async () => {
  const h = await startControllerHarness();
  try {
    h.start(fast);
    const jobs = h.client.resource<Job>(JOBS, 'default');
    const pods = h.client.resource<Pod>(PODS, 'default');
    await jobs.create(jobSpec('adopt', { parallelism: 2, completions: 4 }));
    const uid = (await getJob(h, 'adopt')).metadata?.uid;
    const [first, second] = await waitFor('2 pods', async () => {
      const ps = await podsOf(h, 'adopt');
      return ps.length === 2 && ps;
    });
    assert.ok(first && second);
    const name = first.metadata?.name ?? '';
    // Orphaned: its owner reference and finalizer removed by hand.
    await pods.patch(name, 'json', [
      { op: 'remove', path: '/metadata/ownerReferences' },
      { op: 'remove', path: '/metadata/finalizers' },
    ]);
    const adopted = await waitFor('adopted', async () => {
      const p = await pods.get(name);
      return p.metadata?.ownerReferences?.some((r) => r.uid === uid && r.controller === true) && p;
    });
    assert.ok(adopted.metadata?.finalizers?.includes(JOB_TRACKING_FINALIZER));
    assert.equal((await podsOf(h, 'adopt')).length, 2, 'the adopted pod counts: no replacement was made');

    // Relabelled out of the selector: released, and a replacement is created.
    const other = second.metadata?.name ?? '';
    await pods.patch(other, 'merge', { metadata: { labels: { 'batch.kubernetes.io/job-name': 'elsewhere' } } });
    const released = await waitFor('released', async () => {
      const p = await pods.get(other);
      return !p.metadata?.ownerReferences?.length && p;
    });
    assert.ok(!released.metadata?.finalizers?.includes(JOB_TRACKING_FINALIZER));
    await waitFor('replacement', async () => (await podsOf(h, 'adopt')).length === 2);
  } finally {
    await h.close();
  }
});
