import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import { FakeClock } from '../../informer/clock.js';
import { createClient, type Transport } from '../../client/client.js';
import type { ControllerFactory } from '../controller.js';
import { startControllerHarness, type ControllerHarness } from '../testing.js';
import { CRONJOBS, JOBS, newCronJobController } from './cronjob.js';
import { SCHEDULED_TIMESTAMP_ANNOTATION } from './jobs.js';

/**
 * The controller, with Job creates given the selector Kubernetes' Job strategy generates on
 * create (`manualSelector` then keeps a server that does generate it from doing so twice), so
 * these tests do not depend on that part of the API server.
 */
const controller: ControllerFactory = (ctx) => {
  const inner = ctx.client.transport;
  const transport: Transport = {
    watch: (path, query, signal) => inner.watch(path, query, signal),
    close: () => inner.close(),
    request(req) {
      if (req.method !== 'POST' || !/\/jobs$/.test(req.path) || !req.body) return inner.request(req);
      const job = JSON.parse(Buffer.from(req.body).toString('utf8')) as Job;
      const labels = { 'batch.kubernetes.io/job-name': job.metadata?.name ?? '' };
      if (job.spec) {
        job.spec.manualSelector = true;
        job.spec.selector = { matchLabels: labels };
        job.spec.template.metadata = { ...job.spec.template.metadata, labels: { ...job.spec.template.metadata?.labels, ...labels } };
      }
      return inner.request({ ...req, body: Buffer.from(JSON.stringify(job)) });
    },
  };
  return newCronJobController({ defaultTimeZone: 'UTC' })({ ...ctx, client: createClient(transport) });
};

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function cronJob(name: string, spec: Partial<NonNullable<CronJob['spec']>> = {}): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: 'default' },
    spec: {
      schedule: '* * * * *',
      ...spec,
      jobTemplate: {
        metadata: { labels: { app: name } },
        spec: { template: { metadata: { labels: { app: name } }, spec: { restartPolicy: 'OnFailure', containers: [{ name: 'main', image: 'busybox' }] } } },
      },
    },
  };
}

/** A clock at real time, so the server's creationTimestamp and the controller agree. */
function setup(): { clock: FakeClock; minute: () => void } {
  const clock = new FakeClock(Date.now());
  // To just past the next whole minute, as the controller's requeue does.
  const minute = (): void => clock.advance(60_000 - (clock.now() % 60_000) + 200);
  return { clock, minute };
}

const jobsOf = async (h: ControllerHarness): Promise<Job[]> => (await h.client.resource<Job>(JOBS, 'default').list()).items;
const getCj = (h: ControllerHarness, name: string): Promise<CronJob> => h.client.resource<CronJob>(CRONJOBS, 'default').get(name);

async function finishJob(h: ControllerHarness, job: Job, type: 'Complete' | 'Failed', at: number): Promise<void> {
  const time = new Date(Math.floor(at / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  const conditions =
    type === 'Complete'
      ? [
          { type: 'SuccessCriteriaMet', status: 'True', lastTransitionTime: time },
          { type: 'Complete', status: 'True', lastTransitionTime: time },
        ]
      : [
          { type: 'FailureTarget', status: 'True', lastTransitionTime: time },
          { type: 'Failed', status: 'True', lastTransitionTime: time },
        ];
  await h.client.resource<Job>(JOBS, 'default').patch(
    job.metadata?.name ?? '',
    'merge',
    { status: { startTime: time, ...(type === 'Complete' ? { completionTime: time, succeeded: 1 } : { failed: 1 }), conditions } },
    { subresource: 'status' },
  );
}

test('every minute: a Job named <cronjob>-<minutes> per activation; completion recorded; history trimmed', async () => {
  const { clock, minute } = setup();
  const h = await startControllerHarness({ clock });
  try {
    h.start(controller);
    await h.client.resource<CronJob>(CRONJOBS, 'default').create(cronJob('tick', { successfulJobsHistoryLimit: 1 }));
    await waitFor('cronjob seen', async () => h.events.length === 0 && (await getCj(h, 'tick')));
    minute();
    const first = await waitFor('first job', async () => (await jobsOf(h))[0]);
    const scheduled = Math.floor(clock.now() / 60_000) * 60_000;
    assert.equal(first.metadata?.name, `tick-${scheduled / 60_000}`);
    assert.equal(first.metadata?.annotations?.[SCHEDULED_TIMESTAMP_ANNOTATION], new Date(scheduled).toISOString().replace('.000Z', 'Z'));
    assert.equal(first.metadata?.labels?.['app'], 'tick');
    assert.equal(first.metadata?.ownerReferences?.[0]?.kind, 'CronJob');
    const cj = await waitFor('status active', async () => {
      const c = await getCj(h, 'tick');
      return c.status?.active?.length === 1 && c;
    });
    assert.equal(cj.status?.active?.[0]?.name, first.metadata?.name);
    assert.equal(Date.parse(cj.status?.lastScheduleTime ?? ''), scheduled);
    assert.ok(h.events.some((e) => e.reason === 'SuccessfulCreate' && e.message === `Created job ${first.metadata?.name ?? ''}`));

    await finishJob(h, first, 'Complete', clock.now());
    const done = await waitFor('active cleared', async () => {
      const c = await getCj(h, 'tick');
      return !c.status?.active && c.status?.lastSuccessfulTime !== undefined && c;
    });
    assert.ok(done.status?.lastSuccessfulTime);
    assert.ok(h.events.some((e) => e.reason === 'SawCompletedJob' && e.message === `Saw completed job: ${first.metadata?.name ?? ''}, condition: Complete`));

    minute();
    const second = await waitFor('second job', async () => (await jobsOf(h)).find((j) => j.metadata?.name !== first.metadata?.name));
    await finishJob(h, second, 'Complete', clock.now());
    // Two successful Jobs with a history limit of 1: the older one goes.
    await waitFor('first deleted', async () => !(await jobsOf(h)).some((j) => j.metadata?.name === first.metadata?.name));
    assert.ok(h.events.some((e) => e.reason === 'SuccessfulDelete' && e.message === `Deleted job ${first.metadata?.name ?? ''}`));
  } finally {
    await h.close();
  }
});

test('concurrencyPolicy Forbid skips while a Job runs; Replace swaps it', async () => {
  const { clock, minute } = setup();
  const h = await startControllerHarness({ clock });
  try {
    h.start(controller);
    const cronJobs = h.client.resource<CronJob>(CRONJOBS, 'default');
    await cronJobs.create(cronJob('solo', { concurrencyPolicy: 'Forbid' }));
    await waitFor('cronjob', () => getCj(h, 'solo'));
    minute();
    const first = await waitFor('first job', async () => (await jobsOf(h))[0]);
    await waitFor('active', async () => (await getCj(h, 'solo')).status?.active?.length === 1);
    minute();
    await waitFor('JobAlreadyActive', async () => h.events.some((e) => e.reason === 'JobAlreadyActive'));
    assert.equal((await jobsOf(h)).length, 1);

    await cronJobs.patch('solo', 'merge', { spec: { concurrencyPolicy: 'Replace' } });
    await waitFor('policy seen', async () => (await getCj(h, 'solo')).spec?.concurrencyPolicy === 'Replace');
    minute();
    const replacement = await waitFor('replacement', async () => {
      const jobs = await jobsOf(h);
      return jobs.length === 1 && jobs[0]?.metadata?.name !== first.metadata?.name && jobs[0];
    });
    const cj = await waitFor('active is the replacement', async () => {
      const c = await getCj(h, 'solo');
      return c.status?.active?.[0]?.name === replacement.metadata?.name && c;
    });
    assert.equal(cj.status?.active?.length, 1);
  } finally {
    await h.close();
  }
});

test('suspend stops new Jobs; startingDeadlineSeconds skips a start that is too late', async () => {
  const { clock, minute } = setup();
  const h = await startControllerHarness({ clock });
  try {
    h.start(controller);
    const cronJobs = h.client.resource<CronJob>(CRONJOBS, 'default');
    await cronJobs.create(cronJob('paused', { suspend: true }));
    await waitFor('cronjob', () => getCj(h, 'paused'));
    minute();
    minute();
    // Let the queue drain a reconcile: nothing may be created.
    await cronJobs.patch('paused', 'merge', { metadata: { labels: { touched: 'yes' } } });
    await new Promise((r) => setImmediate(r));
    assert.equal((await jobsOf(h)).length, 0);

    await cronJobs.create(cronJob('late', { startingDeadlineSeconds: 10, suspend: true }));
    await waitFor('late', () => getCj(h, 'late'));
    // The controller is stopped in effect (suspended) past an activation, then resumed 30 s
    // after it: within the window nothing is due, so no Job and a wait for the next one.
    minute();
    clock.advance(30_000);
    await cronJobs.patch('late', 'merge', { spec: { suspend: false } });
    await waitFor('resumed', async () => (await getCj(h, 'late')).spec?.suspend === false);
    minute();
    const job = await waitFor('late job on time', async () => (await jobsOf(h)).find((j) => j.metadata?.name?.startsWith('late-')));
    assert.equal(job.metadata?.name, `late-${Math.floor(clock.now() / 60_000)}`);
  } finally {
    await h.close();
  }
});
