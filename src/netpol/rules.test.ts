// Golden rules for a set of policies (testdata/rules.golden; UPDATE_GOLDEN=1 rewrites it after a
// deliberate change), plus the selection semantics each piece of it rests on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Namespace, Pod } from 'kubernetes-types/core/v1.js';

import { generateNetpolRules, selectorMatches, type NetpolInput } from './rules.js';

function pod(namespace: string, name: string, ip: string, labels: Record<string, string>, nodeName = 'node-1'): Pod {
  return {
    metadata: { name, namespace, labels },
    spec: { nodeName, containers: [{ name: 'c', image: 'x', ports: [{ name: 'http', containerPort: 8080 }, { name: 'dns', containerPort: 5353, protocol: 'UDP' }] }] },
    status: { phase: 'Running', podIP: ip },
  };
}
const namespace = (name: string, labels: Record<string, string> = {}): Namespace => ({ metadata: { name, labels } });

const INPUT: NetpolInput = {
  nodeName: 'node-1',
  namespaces: [namespace('shop'), namespace('monitoring', { team: 'ops' })],
  pods: [
    pod('shop', 'web', '10.42.0.10', { app: 'web' }),
    pod('shop', 'db', '10.42.0.11', { app: 'db' }),
    pod('shop', 'batch', '10.42.0.12', { app: 'batch' }),
    pod('shop', 'web-remote', '10.42.1.10', { app: 'web' }, 'node-2'),
    pod('monitoring', 'prom', '10.42.1.20', { app: 'prom' }, 'node-2'),
  ],
  policies: [
    // db: ingress from web pods on the named port "http", from the ops namespaces on any port.
    {
      metadata: { name: 'db-ingress', namespace: 'shop' },
      spec: {
        podSelector: { matchLabels: { app: 'db' } },
        ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 'http' }] }, { from: [{ namespaceSelector: { matchLabels: { team: 'ops' } } }] }],
      },
    },
    // batch: default deny ingress and egress except to 10.0.0.0/8 minus 10.42.0.0/16, TCP 8000-8100.
    {
      metadata: { name: 'batch-lockdown', namespace: 'shop' },
      spec: {
        podSelector: { matchLabels: { app: 'batch' } },
        policyTypes: ['Ingress', 'Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.42.0.0/16'] } }], ports: [{ protocol: 'TCP', port: 8000, endPort: 8100 }] }],
      },
    },
  ],
};

const goldenPath = new URL('./testdata/rules.golden', import.meta.url);
const render = (chains: Map<string, string[]>): string => [...chains].map(([c, rules]) => [`:${c}`, ...rules].join('\n')).join('\n') + '\n';

test('rules for the fixture policies match the golden file', () => {
  const text = render(generateNetpolRules(INPUT));
  if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(goldenPath, text);
  assert.equal(text, readFileSync(goldenPath, 'utf8'));
});

test('only pods of this node that a policy selects are isolated', () => {
  const text = render(generateNetpolRules(INPUT));
  assert.match(text, /-d 10\.42\.0\.11\/32 -j K8TS-NP-IN-/, 'db ingress-isolated');
  assert.match(text, /-d 10\.42\.0\.12\/32 -j K8TS-NP-IN-/, 'batch ingress-isolated');
  assert.match(text, /-s 10\.42\.0\.12\/32 -j K8TS-NP-OUT-/, 'batch egress-isolated');
  assert.doesNotMatch(text, /-[ds] 10\.42\.0\.10\/32 -j/, 'web is not selected');
  assert.doesNotMatch(text, /-s 10\.42\.0\.11\/32 -j K8TS-NP-OUT-/, 'db has no egress policy');
});

test('peers resolve to pod IPs across nodes; named ports on the destination pod', () => {
  const text = render(generateNetpolRules(INPUT));
  assert.match(text, /-s 10\.42\.0\.10\/32 -p tcp -m tcp --dport 8080 -j MARK/);
  assert.match(text, /-s 10\.42\.1\.10\/32 -p tcp -m tcp --dport 8080 -j MARK/, 'web pod on another node');
  assert.match(text, /-s 10\.42\.1\.20\/32 -j MARK/, 'namespaceSelector peer, any port');
  assert.match(text, /-d 10\.42\.0\.0\/16 -j RETURN\n.*-d 10\.0\.0\.0\/8 -p tcp -m tcp --dport 8000:8100 -j MARK/, 'except before the block, port range');
});

test('an empty ingress list denies everything; a rule without peers or ports allows everything', () => {
  const deny = generateNetpolRules({ ...INPUT, policies: [{ metadata: { name: 'deny', namespace: 'shop' }, spec: { podSelector: {} } }] });
  const inChains = [...deny].filter(([c]) => c.startsWith('K8TS-NP-IN-'));
  assert.equal(inChains.length, 3, 'web, db, batch');
  for (const [, rules] of inChains) assert.equal(rules.filter((r) => r.includes('--set-xmark 0x20000/0x20000')).length, 0);
  const allow = generateNetpolRules({ ...INPUT, policies: [{ metadata: { name: 'all', namespace: 'shop' }, spec: { podSelector: {}, ingress: [{}] } }] });
  for (const [c, rules] of allow) if (c.startsWith('K8TS-NP-IN-')) assert.ok(rules.some((r) => /rule 0" -j MARK --set-xmark 0x20000\/0x20000$/.test(r)), c);
});

test('label selectors: matchLabels and every expression operator', () => {
  const labels = { app: 'web', tier: 'front' };
  assert.ok(selectorMatches({}, labels));
  assert.ok(selectorMatches({ matchLabels: { app: 'web' } }, labels));
  assert.ok(!selectorMatches({ matchLabels: { app: 'db' } }, labels));
  assert.ok(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'back'] }] }, labels));
  assert.ok(!selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, labels));
  assert.ok(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, labels));
  assert.ok(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, labels));
});

