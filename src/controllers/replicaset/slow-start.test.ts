import { test } from 'node:test';
import assert from 'node:assert/strict';
import { slowStartBatch } from './slow-start.js';

test('slow start runs batches of 1, 2, 4, … and stops after the batch with the first failure', async () => {
  let calls = 0;
  const ok = await slowStartBatch(10, 1, async () => void calls++);
  assert.deepEqual(ok, { successes: 10 });
  assert.equal(calls, 10);

  calls = 0;
  const failed = await slowStartBatch(20, 1, async () => {
    calls++;
    if (calls === 5) throw new Error('quota');
  });
  // Batches 1 and 2 succeed (3 calls); batch of 4 has one failure; nothing after it.
  assert.equal(calls, 7);
  assert.equal(failed.successes, 6);
  assert.equal((failed.failure?.error as Error).message, 'quota');
});
