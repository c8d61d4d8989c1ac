import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../informer/clock.js';
import { PodExpectations } from './expectations.js';
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

test('expectations: satisfied once every creation and each awaited deletion is seen once, or after the TTL', () => {
  const clock = new FakeClock();
  const e = new PodExpectations(clock);
  assert.equal(e.satisfied('ns/rs'), true);
  e.expectCreations('ns/rs', 2);
  e.creationObserved('ns/rs');
  assert.equal(e.satisfied('ns/rs'), false);
  e.creationObserved('ns/rs');
  assert.equal(e.satisfied('ns/rs'), true);

  e.expectDeletions('ns/rs', ['ns/a', 'ns/b']);
  e.deletionObserved('ns/rs', 'ns/a');
  e.deletionObserved('ns/rs', 'ns/a');
  e.deletionObserved('ns/rs', 'ns/other');
  assert.equal(e.satisfied('ns/rs'), false);
  clock.advance(5 * 60_000 + 1);
  assert.equal(e.satisfied('ns/rs'), true);
});
