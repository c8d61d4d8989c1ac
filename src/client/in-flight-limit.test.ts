import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InFlightLimit } from './in-flight-limit.js';

test('no more than the limit run at once; waiters run in order; failures free their slot', async () => {
  const limit = new InFlightLimit(2);
  let running = 0;
  let most = 0;
  const order: number[] = [];
  const releases: (() => void)[] = [];
  const call = (i: number, fail = false) =>
    limit.run(async () => {
      running++;
      most = Math.max(most, running);
      await new Promise<void>((r) => releases.push(r));
      running--;
      order.push(i);
      if (fail) throw new Error(`call ${i} failed`);
      return i;
    });
  const results = [call(0, true), call(1), call(2), call(3)].map((p) => p.catch((e: Error) => e.message));
  await new Promise((r) => setImmediate(r));
  assert.equal(limit.inFlight, 2);
  assert.equal(limit.queued, 2);
  while (order.length < 4) {
    releases.shift()?.();
    await new Promise((r) => setImmediate(r));
  }
  assert.deepEqual(await Promise.all(results), ['call 0 failed', 1, 2, 3]);
  assert.deepEqual(order, [0, 1, 2, 3]);
  assert.equal(most, 2);
  assert.equal(limit.inFlight, 0);
});
