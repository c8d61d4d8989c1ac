import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WatchFlusher } from './flusher.js';

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

test('an idle flusher releases held batches at the end of the turn, in the order they were held', async () => {
  const f = new WatchFlusher(50);
  const released: string[] = [];
  f.hold(() => released.push('nodes'));
  f.hold(() => released.push('pods'));
  assert.deepEqual(released, []);
  await turn();
  assert.deepEqual(released, ['nodes', 'pods']);
});

test('a batch held soon after a flush waits until the interval has passed, and later batches join it', async () => {
  const f = new WatchFlusher(30);
  f.hold(() => undefined);
  await turn();
  const released: string[] = [];
  const heldAt = performance.now();
  let releasedAt = 0;
  f.hold(() => {
    released.push('first');
    releasedAt = performance.now();
  });
  await turn();
  f.hold(() => released.push('second'));
  await turn();
  assert.deepEqual(released, [], 'not released within the interval');
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(released, ['first', 'second']);
  assert.ok(releasedAt - heldAt >= 25, `released after ${releasedAt - heldAt} ms`);
});
