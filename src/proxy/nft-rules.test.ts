// Golden nftables table for a handful of services (testdata/nft-rules.golden; UPDATE_GOLDEN=1
// rewrites it after a deliberate change), and the incremental transaction between two rule sets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import type { ServicePort } from './model.js';
import { GOLDEN_BASE, GOLDEN_SERVICES, testEndpoint } from './testing.js';
import { EMPTY_RULESET, generateNftRules, NftFragmentCache, nftDiff, nftFullText, serviceChainName } from './nft-rules.js';

const ep = testEndpoint;
const base = GOLDEN_BASE;
const FIXTURE = GOLDEN_SERVICES;

const goldenPath = new URL('./testdata/nft-rules.golden', import.meta.url);
const lines = (script: string): string[] => script.split('\n').filter((l) => l !== '');

test('the table for the fixture services matches the golden file', () => {
  const text = nftFullText(generateNftRules(FIXTURE));
  if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(goldenPath, text);
  assert.equal(text, readFileSync(goldenPath, 'utf8'));
});

test('balancing gives each of n endpoints 1/n (1/n, then 1/(n-1) of the rest, …); affinity sets are checked first', () => {
  const rules = generateNftRules(FIXTURE);
  const web = rules.chains.get(serviceChainName(FIXTURE[0] as ServicePort))?.rules ?? [];
  assert.deepEqual(web.slice(1), [
    'numgen random mod 3 == 0 goto endpoint-default/web/tcp/http__10.42.0.5/8080',
    'numgen random mod 2 == 0 goto endpoint-default/web/tcp/http__10.42.0.6/8080',
    'goto endpoint-default/web/tcp/http__10.42.0.7/8080',
  ]);
  const np = rules.chains.get(serviceChainName(FIXTURE[1] as ServicePort))?.rules ?? [];
  assert.deepEqual(
    np.filter((r) => r.startsWith('ip saddr @')),
    ['ip saddr @affinity-default/np/tcp/http__10.42.0.5/8080 goto endpoint-default/np/tcp/http__10.42.0.5/8080', 'ip saddr @affinity-default/np/tcp/http__10.42.1.9/8080 goto endpoint-default/np/tcp/http__10.42.1.9/8080'],
  );
  assert.ok(np.findIndex((r) => r.startsWith('ip saddr @')) < np.findIndex((r) => r.startsWith('numgen')));
  assert.ok(rules.chains.get('endpoint-default/np/tcp/http__10.42.0.5/8080')?.rules.includes('update @affinity-default/np/tcp/http__10.42.0.5/8080 { ip saddr timeout 60s }'));
});

test('verdict maps: reachable ports go to chains, ports without endpoints are rejected or dropped', () => {
  const maps = generateNftRules(FIXTURE).sets;
  const elements = (name: string): [string, string][] => [...(maps.get(name)?.elements ?? [])];
  assert.deepEqual(elements('service-ips'), [
    ['10.43.0.10 . tcp . 80', 'goto service-default/web/tcp/http'],
    ['10.43.0.11 . tcp . 80', 'goto service-default/np/tcp/http'],
    ['10.43.0.20 . udp . 53', 'goto service-default/lb/udp/dns'],
    ['192.168.1.10 . udp . 53', 'goto external-default/lb/udp/dns'],
    ['10.43.0.21 . tcp . 80', 'goto local-default/itp/tcp'],
    ['10.43.0.23 . tcp . 80', 'goto service-default/draining/tcp'],
  ]);
  assert.deepEqual(elements('service-nodeports'), [
    ['tcp . 30080', 'goto external-default/np/tcp/http'],
    ['udp . 31053', 'goto external-default/lb/udp/dns'],
  ]);
  assert.deepEqual(elements('no-endpoint-services'), [
    ['10.43.0.12 . tcp . 80', 'goto reject-chain'],
    ['10.43.0.22 . tcp . 80', 'drop'],
  ]);
  assert.deepEqual(elements('no-endpoint-nodeports'), [['tcp . 30081', 'goto reject-chain']]);
});

test('externalTrafficPolicy Local keeps the client address of outside traffic and short-circuits pods and the node', () => {
  const ext = generateNftRules(FIXTURE).chains.get('external-default/np/tcp/http')?.rules;
  assert.deepEqual(ext, [
    'ip saddr 10.42.0.0/16 goto service-default/np/tcp/http',
    'fib saddr type local jump mark-for-masquerade',
    'fib saddr type local goto service-default/np/tcp/http',
    'goto local-default/np/tcp/http',
  ]);
  const cluster = generateNftRules(FIXTURE).chains.get('external-default/lb/udp/dns')?.rules;
  assert.deepEqual(cluster, ['jump mark-for-masquerade', 'goto service-default/lb/udp/dns']);
});

test('an endpoint change sends only that service chain, the chains of gone endpoints and the map elements that changed', () => {
  const before = generateNftRules(FIXTURE);
  const changed = FIXTURE.filter((sp) => sp.name !== 'draining').map((sp) => (sp.name === 'web' ? { ...sp, endpoints: sp.endpoints.slice(0, 2) } : sp));
  const diff = lines(nftDiff(before, generateNftRules(changed)));
  assert.deepEqual(diff, [
    'flush chain ip k8ts service-default/web/tcp/http',
    'add rule ip k8ts service-default/web/tcp/http ip daddr 10.43.0.10 tcp dport 80 ip saddr != 10.42.0.0/16 jump mark-for-masquerade',
    'add rule ip k8ts service-default/web/tcp/http numgen random mod 2 == 0 goto endpoint-default/web/tcp/http__10.42.0.5/8080',
    'add rule ip k8ts service-default/web/tcp/http goto endpoint-default/web/tcp/http__10.42.0.6/8080',
    'delete element ip k8ts service-ips { 10.43.0.23 . tcp . 80 }',
    'flush chain ip k8ts endpoint-default/web/tcp/http__10.42.0.7/8080',
    'flush chain ip k8ts endpoint-default/draining/tcp__10.42.0.30/80',
    'flush chain ip k8ts service-default/draining/tcp',
    'delete chain ip k8ts endpoint-default/web/tcp/http__10.42.0.7/8080',
    'delete chain ip k8ts endpoint-default/draining/tcp__10.42.0.30/80',
    'delete chain ip k8ts service-default/draining/tcp',
  ]);
  assert.equal(nftDiff(generateNftRules(changed), generateNftRules(changed)), '', 'nothing to do the second time');
});

test('a service getting its first endpoint moves from the reject map to the service map; a changed verdict is deleted and re-added', () => {
  const before = generateNftRules(FIXTURE);
  const after = generateNftRules(FIXTURE.map((sp) => (sp.name === 'empty' ? { ...sp, endpoints: [ep('10.42.0.9', 80)] } : sp.name === 'itp' ? { ...sp, internalTrafficPolicy: 'Cluster' as const } : sp)));
  const diff = lines(nftDiff(before, after));
  assert.ok(diff.includes('delete element ip k8ts no-endpoint-services { 10.43.0.12 . tcp . 80 }'));
  assert.ok(diff.includes('delete element ip k8ts no-endpoint-nodeports { tcp . 30081 }'));
  assert.ok(diff.includes('delete element ip k8ts service-ips { 10.43.0.21 . tcp . 80 }'));
  assert.ok(diff.includes('add element ip k8ts service-ips { 10.43.0.12 . tcp . 80 : goto service-default/empty/tcp/http, 10.43.0.21 . tcp . 80 : goto service-default/itp/tcp }'));
  // Chains exist before anything refers to them.
  assert.ok(diff.indexOf('add chain ip k8ts service-default/empty/tcp/http') < diff.findIndex((l) => l.startsWith('add element')));
});

test('turning affinity off removes the sets after the chains that used them', () => {
  const before = generateNftRules(FIXTURE);
  const after = generateNftRules(FIXTURE.map((sp) => (sp.name === 'np' ? { ...sp, affinityTimeoutSeconds: undefined } : sp)));
  const diff = lines(nftDiff(before, after));
  const deletes = diff.filter((l) => l.startsWith('delete set'));
  assert.deepEqual(deletes, ['delete set ip k8ts affinity-default/np/tcp/http__10.42.0.5/8080', 'delete set ip k8ts affinity-default/np/tcp/http__10.42.1.9/8080']);
  assert.ok(diff.indexOf(deletes[0] ?? '') > diff.lastIndexOf('add rule ip k8ts endpoint-default/np/tcp/http__10.42.1.9/8080 meta l4proto tcp dnat to 10.42.1.9:8080'));
});

test('SCTP ports are left out; the full text starts by replacing the table', () => {
  const text = nftFullText(generateNftRules([{ ...base, id: 'default/s', name: 's', portName: '', protocol: 'SCTP', clusterIPs: ['10.43.0.30'], port: 9, endpoints: [ep('10.42.0.2', 9)] }]));
  assert.deepEqual(lines(text).slice(0, 3), ['add table ip k8ts', 'delete table ip k8ts', 'add table ip k8ts { comment "k8ts service proxy"; }']);
  assert.ok(!text.includes('10.43.0.30'));
  assert.equal(nftDiff(EMPTY_RULESET, EMPTY_RULESET), '');
});

test('a fragment cache gives the same table as a fresh generation, and the same chain objects for unchanged ports', () => {
  const cache = new NftFragmentCache();
  const first = generateNftRules(FIXTURE, {}, cache);
  const changed = FIXTURE.map((sp) => (sp.name === 'web' ? { ...sp, endpoints: sp.endpoints.slice(1) } : sp));
  const cached = generateNftRules(changed, {}, cache);
  assert.equal(nftFullText(cached), nftFullText(generateNftRules(changed)));
  assert.equal(cached.chains.get('service-default/lb/udp/dns'), first.chains.get('service-default/lb/udp/dns'), 'unchanged port reused');
  assert.notEqual(cached.chains.get('service-default/web/tcp/http'), first.chains.get('service-default/web/tcp/http'));
  // Other options (cluster CIDR) rebuild everything.
  assert.equal(nftFullText(generateNftRules(changed, { clusterCIDR: '10.99.0.0/16' }, cache)), nftFullText(generateNftRules(changed, { clusterCIDR: '10.99.0.0/16' })));
});
