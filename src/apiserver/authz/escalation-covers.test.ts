// Rule coverage and the escalation message, as Kubernetes' validation.Covers and ConfirmNoEscalation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { breakdownRule, compactString, describeMissing, escalationMessage, uncovered } from './escalation-covers.js';
import type { PolicyRule } from './rules.js';

const r = (verbs: string[], apiGroups: string[], resources: string[], resourceNames?: string[]): PolicyRule => ({
  verbs,
  apiGroups,
  resources,
  ...(resourceNames ? { resourceNames } : {}),
});
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ verbs, nonResourceURLs });

test('a rule breaks down into one verb × group × resource × name, and one verb × URL', () => {
  assert.deepEqual(breakdownRule(r(['get', 'list'], ['', 'apps'], ['pods'], ['a'])), [
    { apiGroups: [''], resources: ['pods'], verbs: ['get'], resourceNames: ['a'] },
    { apiGroups: [''], resources: ['pods'], verbs: ['list'], resourceNames: ['a'] },
    { apiGroups: ['apps'], resources: ['pods'], verbs: ['get'], resourceNames: ['a'] },
    { apiGroups: ['apps'], resources: ['pods'], verbs: ['list'], resourceNames: ['a'] },
  ]);
  assert.deepEqual(breakdownRule(urls(['get'], ['/healthz', '/api*'])), [
    { nonResourceURLs: ['/healthz'], verbs: ['get'] },
    { nonResourceURLs: ['/api*'], verbs: ['get'] },
  ]);
});

test('held rules cover wanted ones through *, subresource wildcards, resourceNames and URL prefixes', () => {
  const held = [
    r(['get', 'list'], [''], ['pods', '*/status']),
    r(['*'], ['apps'], ['*']),
    r(['get'], [''], ['secrets'], ['token', 'tls']),
    urls(['get'], ['/healthz', '/logs/*']),
  ];
  assert.deepEqual(uncovered(held, [r(['get'], [''], ['pods', 'nodes/status'])]), []);
  assert.deepEqual(uncovered(held, [r(['create', 'delete'], ['apps'], ['deployments', 'deployments/scale'])]), []);
  assert.deepEqual(uncovered(held, [r(['get'], [''], ['secrets'], ['tls'])]), []);
  assert.deepEqual(uncovered(held, [urls(['get'], ['/healthz', '/logs/kubelet/x'])]), []);
  // A held rule naming objects does not cover the whole resource; nor a wildcard held only for a prefix.
  assert.deepEqual(uncovered(held, [r(['get'], [''], ['secrets'])]), [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]);
  assert.deepEqual(uncovered(held, [r(['get'], [''], ['secrets'], ['other'])]), [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['other'] }]);
  assert.deepEqual(uncovered(held, [urls(['get'], ['/logs'])]), [{ nonResourceURLs: ['/logs'], verbs: ['get'] }]);
  // `*` wanted is covered only by `*` held, never by a list of everything named.
  assert.deepEqual(uncovered(held, [r(['list'], [''], ['*'])]), [{ apiGroups: [''], resources: ['*'], verbs: ['list'] }]);
  assert.deepEqual(uncovered(held, [r(['watch'], [''], ['pods'])]), [{ apiGroups: [''], resources: ['pods'], verbs: ['watch'] }]);
  // A resource rule never covers a URL, and a URL rule never a resource.
  assert.deepEqual(uncovered([urls(['*'], ['*'])], [r(['get'], [''], ['pods'])]).length, 1);
  assert.deepEqual(uncovered([r(['*'], ['*'], ['*'])], [urls(['get'], ['/metrics'])]).length, 1);
});

test('missing rules are compacted per group and resource, printed as Kubernetes prints them, sorted', () => {
  const missing = uncovered([], [r(['get', 'list', 'watch'], ['', 'apps'], ['secrets']), urls(['*'], ['*']), r(['get'], [''], ['secrets'], ['a', 'b'])]);
  assert.equal(
    describeMissing(missing),
    [
      '{APIGroups:[""], Resources:["secrets"], ResourceNames:["a"], Verbs:["get"]}',
      '{APIGroups:[""], Resources:["secrets"], ResourceNames:["b"], Verbs:["get"]}',
      '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list" "watch"]}',
      '{APIGroups:["apps"], Resources:["secrets"], Verbs:["get" "list" "watch"]}',
      '{NonResourceURLs:["*"], Verbs:["*"]}',
    ].join('\n'),
  );
  assert.equal(compactString(r(['*'], ['*'], ['*'])), '{APIGroups:["*"], Resources:["*"], Verbs:["*"]}');
});

test('the message names the user and groups as Go prints them, and any resolution errors', () => {
  const missing = uncovered([], [r(['*'], ['*'], ['*']), urls(['*'], ['*'])]);
  assert.equal(
    escalationMessage({ username: 'me', groups: ['devs', 'system:authenticated'] }, missing, []),
    'user "me" (groups=["devs" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
      '{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n{NonResourceURLs:["*"], Verbs:["*"]}',
  );
  assert.match(
    escalationMessage({ username: 'me', groups: [] }, missing, ['roles.rbac.authorization.k8s.io "gone" not found']),
    /^user "me" \(groups=\[\]\) is attempting .*; resolution errors: \[roles\.rbac\.authorization\.k8s\.io "gone" not found\]$/s,
  );
});
