import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sortSmall } from './sort-small.js';

const byNumber = (a: number, b: number): number => a - b;

test('sortSmall orders short and long arrays as Array#sort does', () => {
  for (const length of [0, 1, 2, 5, 16, 17, 40]) {
    for (let seed = 1; seed <= 20; seed++) {
      let x = seed;
      const items = Array.from({ length }, () => (x = (x * 1103515245 + 12345) % 2147483648) % 50);
      const expected = [...items].sort(byNumber);
      assert.deepEqual(sortSmall(items, byNumber), expected, `length ${length}, seed ${seed}`);
    }
  }
});

test('sortSmall keeps equal elements in their order (stable) and sorts in place', () => {
  const items = [
    { k: 2, tag: 'a' },
    { k: 1, tag: 'b' },
    { k: 2, tag: 'c' },
    { k: 1, tag: 'd' },
  ];
  const sorted = sortSmall(items, (a, b) => a.k - b.k);
  assert.equal(sorted, items);
  assert.deepEqual(sorted.map((i) => i.tag), ['b', 'd', 'a', 'c']);
});
