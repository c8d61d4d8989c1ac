import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goLabelSelector, goStringMap } from './gosyntax.js';

test('maps print as Go %#v prints map[string]string, keys sorted', () => {
  assert.equal(String(goStringMap({ b: '2', a: '1' })), 'map[string]string{"a":"1", "b":"2"}');
  assert.equal(String(goStringMap(undefined)), 'map[string]string(nil)');
  assert.deepEqual(JSON.parse(JSON.stringify({ v: goStringMap({ a: '1' }) })), { v: { a: '1' } });
});

test('label selectors print as the immutable-selector error shows them', () => {
  assert.equal(
    String(goLabelSelector({ matchLabels: { 'control-plane': 'controller-manager', 'gatekeeper.sh/system': 'yes' } })),
    'v1.LabelSelector{MatchLabels:map[string]string{"control-plane":"controller-manager", "gatekeeper.sh/system":"yes"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}',
  );
});
