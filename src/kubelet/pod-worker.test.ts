import { test } from 'node:test';
import assert from 'node:assert/strict';
import { realClock } from '../informer/clock.js';
import { createLogger } from '../log.js';
import { PodWorkers, START_PER_TURN } from './pod-worker.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('triggered workers start in the order they were triggered, a bounded number per event-loop turn', async () => {
  const started: string[] = [];
  const workers = new PodWorkers({
    clock: realClock,
    log: createLogger('test', { level: 'error' }),
    sync: (uid) => {
      started.push(uid);
      return Promise.resolve({});
    },
  });
  const uids = Array.from({ length: START_PER_TURN + 2 }, (_, i) => `pod-${i}`);
  for (const uid of uids) workers.trigger(uid);
  workers.trigger('pod-0'); // coalesces with its queued start
  assert.deepEqual(started, [], 'nothing starts inside trigger()');
  await turn();
  assert.deepEqual(started, uids.slice(0, START_PER_TURN));
  await turn();
  assert.deepEqual(started, uids);
  await workers.idle();
  assert.deepEqual(started, uids);
  workers.close();
});

test('a trigger during a sync runs one more sync after it; idle() waits for queued workers too', async () => {
  let syncs = 0;
  let release: () => void = () => undefined;
  const workers = new PodWorkers({
    clock: realClock,
    log: createLogger('test', { level: 'error' }),
    sync: async () => {
      syncs++;
      if (syncs === 1) await new Promise<void>((r) => (release = r));
      return {};
    },
  });
  workers.trigger('a');
  const idle = workers.idle();
  let idleDone = false;
  void idle.then(() => (idleDone = true));
  await turn();
  assert.equal(syncs, 1);
  workers.trigger('a');
  workers.trigger('a');
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(idleDone, false, 'idle() waits while a sync runs');
  release();
  await idle;
  assert.equal(syncs, 2, 'the two triggers during the sync ran one more sync');
  workers.close();
});
