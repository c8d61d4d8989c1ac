import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateSuffix } from './meta.js';

test('generateName suffixes: five characters of the alphabet, fresh across refills of the random pool', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 3000; i++) {
    const s = generateSuffix();
    assert.match(s, /^[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    seen.add(s);
  }
  // 27^5 ≈ 14.3 million names: 3,000 draws repeat one only rarely, never many.
  assert.ok(seen.size >= 2990, `${seen.size} distinct of 3000`);
});
