import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { labelSelectorFromObject } from '../../api/selectors/labels.js';
import { createLogger } from '../../log.js';
import { SelectorCache } from './selectors.js';

interface Owner {
  metadata: { name: string; namespace: string };
  selector?: LabelSelector;
}

test('selectors are compiled once per object; invalid ones are logged once and select nothing', () => {
  const lines: string[] = [];
  let compiled = 0;
  const cache = new SelectorCache<Owner>(
    (o) => {
      compiled++;
      return labelSelectorFromObject(o.selector);
    },
    createLogger('test', { write: (l) => lines.push(l) }),
  );
  const web: Owner = { metadata: { name: 'web', namespace: 'ns' }, selector: { matchLabels: { app: 'web' } } };
  const all: Owner = { metadata: { name: 'all', namespace: 'ns' }, selector: {} };
  const bad: Owner = { metadata: { name: 'bad', namespace: 'ns' }, selector: { matchExpressions: [{ key: 'app', operator: 'Nope' }] } };
  assert.deepEqual(cache.selecting([web, all, bad], { app: 'web' }), [web]);
  assert.deepEqual(cache.selecting([web, all, bad], { app: 'web' }), [web]);
  assert.equal(compiled, 3);
  assert.equal(cache.of(bad), undefined);
  assert.equal(lines.filter((l) => l.includes('ns/bad: invalid selector')).length, 1);
});
