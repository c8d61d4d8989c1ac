import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Dispatcher } from './dispatcher.js';
import type { PriorityLevelName } from './levels.js';

const fail = (err: unknown): never => {
  throw err;
};
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Resolves once nothing is left waiting (one request starts per turn). */
async function drained(d: Dispatcher): Promise<void> {
  while (Object.values(d.stats().queued).some((n) => n > 0)) await turn();
}

test('exempt requests start at once; limited ones wait for a later event-loop turn', async () => {
  const d = new Dispatcher(fail);
  const started: string[] = [];
  d.submit({ level: 'global-default', flow: 'alice' }, () => started.push('alice'));
  d.submit({ level: 'exempt', flow: 'admin' }, () => started.push('admin'));
  assert.deepEqual(started, ['admin']);
  await drained(d);
  assert.deepEqual(started, ['admin', 'alice']);
});

test('one request starts per turn, so the loop polls its sockets between requests', async () => {
  const d = new Dispatcher(fail);
  const started: number[] = [];
  for (let i = 0; i < 5; i++) d.submit({ level: 'global-default', flow: 'alice' }, () => started.push(i));
  await turn();
  assert.deepEqual(started, [0]);
  await turn();
  assert.deepEqual(started, [0, 1]);
  await drained(d);
  assert.deepEqual(started, [0, 1, 2, 3, 4]);
  assert.equal(d.stats().dispatched['global-default'], 5);
});

test('levels with waiting requests share the dispatches by their nominal concurrency shares', async () => {
  const d = new Dispatcher(fail);
  const started: PriorityLevelName[] = [];
  for (let i = 0; i < 30; i++) {
    d.submit({ level: 'global-default', flow: 'user' }, () => started.push('global-default'));
    d.submit({ level: 'system', flow: 'system:node:a' }, () => started.push('system'));
  }
  await drained(d);
  // system has 30 shares and global-default 20: 3 of every 5 dispatches while both wait.
  const first = started.slice(0, 20);
  assert.equal(first.filter((l) => l === 'system').length, 12);
  assert.equal(started.length, 60);
});

test('a level that was idle joins at the current pass and gets no burst of saved-up turns', async () => {
  const d = new Dispatcher(fail);
  const started: PriorityLevelName[] = [];
  for (let i = 0; i < 40; i++) d.submit({ level: 'workload-low', flow: 'sa' }, () => started.push('workload-low'));
  for (let i = 0; i < 20; i++) await turn();
  for (let i = 0; i < 26; i++) d.submit({ level: 'system', flow: 'system:node:a' }, () => started.push('system'));
  for (let i = 0; i < 26; i++) await turn();
  const after = started.slice(20, 46);
  // 100 shares against 30: workload-low keeps about 20 of the next 26 dispatches.
  const low = after.filter((l) => l === 'workload-low').length;
  assert.ok(low >= 18 && low <= 21, `workload-low got ${low} of 26`);
  await drained(d);
});

test('flows of one level take turns; each flow keeps its order', async () => {
  const d = new Dispatcher(fail);
  const started: string[] = [];
  for (let i = 0; i < 3; i++) d.submit({ level: 'global-default', flow: 'alice' }, () => started.push(`alice${i}`));
  for (let i = 0; i < 3; i++) d.submit({ level: 'global-default', flow: 'bob' }, () => started.push(`bob${i}`));
  await drained(d);
  assert.deepEqual(started, ['alice0', 'bob0', 'alice1', 'bob1', 'alice2', 'bob2']);
});

test('every request starts exactly once, and one that throws does not stop the others', async () => {
  const errors: unknown[] = [];
  const d = new Dispatcher((err) => errors.push(err));
  const limited: PriorityLevelName[] = ['node-high', 'system', 'workload-high', 'workload-low', 'global-default', 'catch-all'];
  const counts = new Map<number, number>();
  let thrown = 0;
  let seed = 7;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let i = 0; i < 500; i++) {
    d.submit({ level: limited[random(limited.length)] ?? 'catch-all', flow: `u${random(5)}` }, () => {
      counts.set(i, (counts.get(i) ?? 0) + 1);
      if (i % 50 === 3) {
        thrown++;
        throw new Error(`handler bug ${i}`);
      }
    });
    if (random(10) === 0) await turn();
  }
  await drained(d);
  assert.equal(counts.size, 500);
  assert.ok([...counts.values()].every((n) => n === 1));
  assert.equal(thrown, 10);
  assert.equal(errors.length, 10);
});
