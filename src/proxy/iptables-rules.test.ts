// Golden rules for a handful of services (testdata/rules.golden; UPDATE_GOLDEN=1 rewrites it
// after a deliberate change), and the incremental diff between two rule sets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { chainName, generateProxyRules, restoreDiff, snapshotOf, type RuleSetSnapshot } from './iptables-rules.js';
import { GOLDEN_SERVICES } from './testing.js';

const FIXTURE = GOLDEN_SERVICES;

const empty = (): RuleSetSnapshot => ({ nat: new Map(), filter: new Map() });
const goldenPath = new URL('./testdata/rules.golden', import.meta.url);

test('rules for the fixture services match the golden file', () => {
  const text = restoreDiff(empty(), generateProxyRules(FIXTURE));
  if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(goldenPath, text);
  assert.equal(text, readFileSync(goldenPath, 'utf8'));
});

test('random balancing gives each of n endpoints 1/n', () => {
  const rules = generateProxyRules(FIXTURE).nat.get(chainName('K8TS-SVC-', 'default/web:http/TCP')) ?? [];
  const probabilities = rules.map((r) => /--probability (\S+)/.exec(r)?.[1] ?? (r.includes('-j K8TS-SEP-') ? 'rest' : 'masq'));
  assert.deepEqual(probabilities, ['masq', '0.3333333333', '0.5000000000', 'rest']);
});

test('session affinity checks every endpoint recent list before balancing', () => {
  const rules = generateProxyRules(FIXTURE).nat.get(chainName('K8TS-SVC-', 'default/np:http/TCP')) ?? [];
  assert.equal(rules.filter((r) => r.includes('--rcheck --seconds 60 --reap')).length, 2);
  assert.ok(rules.findIndex((r) => r.includes('--rcheck')) < rules.findIndex((r) => r.includes('statistic')));
});

test('chain names stay within the 28 characters iptables allows', () => {
  for (const t of ['nat', 'filter'] as const) for (const name of generateProxyRules(FIXTURE)[t].keys()) assert.ok(name.length <= 28, name);
});

test('the diff rewrites only changed chains and deletes vanished ones', () => {
  const before = generateProxyRules(FIXTURE);
  const changed = FIXTURE.filter((sp) => sp.name !== 'draining').map((sp) => (sp.name === 'web' ? { ...sp, endpoints: sp.endpoints.slice(0, 2) } : sp));
  const after = generateProxyRules(changed);
  const diff = restoreDiff(snapshotOf(before), after);
  const declared = diff.split('\n').filter((l) => l.startsWith(':')).map((l) => l.slice(1).split(' ')[0]);
  const svcWeb = chainName('K8TS-SVC-', 'default/web:http/TCP');
  const gone = [chainName('K8TS-SEP-', 'default/web:http/TCP/10.42.0.7:8080'), chainName('K8TS-SEP-', 'default/draining/TCP/10.42.0.30:80'), chainName('K8TS-SVC-', 'default/draining/TCP')];
  assert.deepEqual(declared.sort(), ['K8TS-SERVICES', svcWeb, ...gone].sort());
  for (const chain of gone) assert.ok(diff.includes(`-X ${chain}\n`), chain);
  assert.ok(!diff.includes('*filter'), 'the filter table did not change');
  assert.equal(restoreDiff(snapshotOf(after), generateProxyRules(changed)), '', 'nothing to do the second time');
});

test('chains of unknown content (found at startup) are rewritten', () => {
  const rules = generateProxyRules(FIXTURE);
  const found: RuleSetSnapshot = { nat: new Map([['K8TS-SERVICES', undefined], ['K8TS-SVC-STALE', undefined]]), filter: new Map() };
  const diff = restoreDiff(found, rules);
  assert.match(diff, /^:K8TS-SERVICES - \[0:0\]$/m);
  assert.match(diff, /^-X K8TS-SVC-STALE$/m);
});
