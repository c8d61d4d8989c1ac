import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from './clock.js';
import { WorkQueue } from './workqueue.js';
import { runWorkers, TerminalError } from './workers.js';

/** Drains every key ready now, marking each done. */
async function drain(q: WorkQueue): Promise<string[]> {
  const out: string[] = [];
  while (q.length > 0) {
    const k = await q.get();
    if (k === undefined) break;
    out.push(k);
    q.done(k);
  }
  return out;
}

/** Waits (with a deadline) for a condition that other promises make true. */
async function until(cond: () => boolean, what: string, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

test('a key added several times is handed out once, in first-add order', async () => {
  const q = new WorkQueue({ clock: new FakeClock() });
  q.add('a');
  q.add('b');
  q.add('a');
  assert.equal(q.length, 2);
  assert.deepEqual(await drain(q), ['a', 'b']);
});

test('a key added while being processed is held back until done, then queued once', async () => {
  const q = new WorkQueue({ clock: new FakeClock() });
  q.add('a');
  const k = await q.get();
  assert.equal(k, 'a');
  q.add('a');
  q.add('a');
  assert.equal(q.length, 0, 'not handed to a second worker while the first holds it');
  q.done('a');
  assert.equal(q.length, 1);
  assert.deepEqual(await drain(q), ['a']);
});

test('get waits for the next add', async () => {
  const q = new WorkQueue({ clock: new FakeClock() });
  const pending = q.get();
  q.add('x');
  assert.equal(await pending, 'x');
});

test('addAfter makes the key ready when its time comes; the earliest pending time wins', async () => {
  const clock = new FakeClock();
  const q = new WorkQueue({ clock });
  q.addAfter('a', 100);
  q.addAfter('a', 50);
  q.addAfter('a', 200);
  clock.advance(49);
  assert.equal(q.length, 0);
  clock.advance(1);
  assert.deepEqual(await drain(q), ['a']);
  clock.advance(500);
  assert.equal(q.length, 0, 'the later addAfter calls were folded into the first');
  q.addAfter('b', 0);
  assert.deepEqual(await drain(q), ['b']);
});

test('rate-limited requeues back off per key: 5 ms doubling, capped; forget resets', async () => {
  const clock = new FakeClock();
  const q = new WorkQueue({ clock, rateLimit: { maxDelayMs: 20 } });
  const readyAfter = async (key: string): Promise<number> => {
    q.addRateLimited(key);
    let waited = 0;
    while (q.length === 0) {
      clock.advance(1);
      waited++;
    }
    await drain(q);
    return waited;
  };
  assert.deepEqual([await readyAfter('a'), await readyAfter('a'), await readyAfter('a'), await readyAfter('a')], [5, 10, 20, 20]);
  assert.equal(q.numRequeues('a'), 4);
  assert.equal(await readyAfter('b'), 5, 'backoff is per key');
  q.forget('a');
  assert.equal(q.numRequeues('a'), 0);
  assert.equal(await readyAfter('a'), 5);
});

test('the default rate limit is 5 ms doubling up to 1000 s', async () => {
  const clock = new FakeClock();
  const q = new WorkQueue({ clock });
  for (let i = 0; i < 29; i++) q.addRateLimited('k');
  clock.advance(5);
  assert.deepEqual(await drain(q), ['k'], 'a pending earlier time wins over the later retries');
  q.addRateLimited('k');
  clock.advance(999_999);
  assert.equal(q.length, 0);
  clock.advance(1);
  assert.equal(q.length, 1);
});

test('shutDown releases waiting getters, drops delayed keys and ignores new ones', async () => {
  const clock = new FakeClock();
  const q = new WorkQueue({ clock });
  const waiting = q.get();
  q.shutDown();
  assert.equal(await waiting, undefined);
  q.addAfter('late', 10);
  q.add('new');
  clock.advance(100);
  assert.equal(q.length, 0);
  assert.equal(await q.get(), undefined);
  assert.equal(clock.pending, 0);
});

test('runWorkers: success forgets, requeueAfterMs re-adds later, errors back off, terminal errors stop', async () => {
  const clock = new FakeClock();
  const q = new WorkQueue({ clock });
  const calls: string[] = [];
  const errors: string[] = [];
  let failuresLeft = 2;
  const ac = new AbortController();
  const done = runWorkers(
    q,
    async (key) => {
      calls.push(key);
      if (key === 'again' && calls.filter((c) => c === 'again').length === 1) return { requeueAfterMs: 1000 };
      if (key === 'flaky' && failuresLeft > 0) {
        failuresLeft--;
        throw new Error('boom');
      }
      if (key === 'bad') throw new TerminalError('invalid spec');
    },
    { workers: 2, signal: ac.signal, log: { error: (m) => errors.push(m), debug: () => undefined } },
  );
  q.add('ok');
  q.add('again');
  q.add('flaky');
  q.add('bad');
  await until(() => calls.length === 4, 'the first round');
  assert.equal(q.numRequeues('ok'), 0);
  assert.equal(q.numRequeues('flaky'), 1);
  clock.advance(5);
  await until(() => calls.length === 5, 'the first retry of flaky after 5 ms');
  clock.advance(9);
  await new Promise((r) => setImmediate(r));
  assert.equal(calls.length, 5, 'the second retry waits 10 ms');
  clock.advance(1);
  await until(() => calls.length === 6, 'the second retry of flaky');
  assert.equal(q.numRequeues('flaky'), 0, 'forgotten after success');
  clock.advance(1000 - 15);
  await until(() => calls.length === 7, 'the requeueAfterMs key');
  assert.deepEqual(calls.slice(4), ['flaky', 'flaky', 'again']);
  assert.equal(calls.filter((c) => c === 'bad').length, 1);
  assert.equal(errors.length, 3);
  assert.match(errors.find((e) => e.startsWith('bad')) ?? '', /not retried/);
  ac.abort();
  await done;
  assert.equal(q.isShutDown, true);
});

test('runWorkers never gives the same key to two workers at once', async () => {
  const q = new WorkQueue({ clock: new FakeClock() });
  const ac = new AbortController();
  let active = 0;
  let maxActive = 0;
  let handled = 0;
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const done = runWorkers(
    q,
    async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await gate;
      active--;
      handled++;
    },
    { workers: 4, signal: ac.signal },
  );
  q.add('same');
  await until(() => active === 1, 'the first worker to take the key');
  q.add('same');
  q.add('same');
  await new Promise((r) => setImmediate(r));
  assert.equal(active, 1);
  release();
  await until(() => handled === 2, 'the re-added key handled once more');
  assert.equal(maxActive, 1);
  ac.abort();
  await done;
});
