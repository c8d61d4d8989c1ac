import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Fifo } from './fifo.js';

test('a Fifo gives its items back in order while its consumed front is dropped', () => {
  const q = new Fifo<number>();
  const out: number[] = [];
  let next = 0;
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 1500; i++) q.push(next++);
    for (let i = 0; i < 1200; i++) out.push(q.shift() ?? -1);
  }
  assert.equal(q.size, 5 * 300);
  while (q.size > 0) out.push(q.shift() ?? -1);
  assert.equal(q.shift(), undefined);
  assert.deepEqual(out, Array.from({ length: next }, (_, i) => i));
});
