import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { parseHostResolvConf, podDnsConfig, type ClusterDns } from './dns-config.js';

const host = parseHostResolvConf('# host\nnameserver 192.0.2.53\nnameserver 192.0.2.54\nsearch corp.example lab.example\noptions edns0 ndots:1\n');
const cluster: ClusterDns = { servers: ['10.43.0.10'], domain: 'cluster.local', host };

function pod(spec: Partial<NonNullable<Pod['spec']>> = {}): Pod {
  return { metadata: { name: 'p', namespace: 'shop' }, spec: { containers: [{ name: 'c' }], ...spec } };
}

test('ClusterFirst: the cluster DNS, namespace search path first, then the host searches, ndots:5', () => {
  assert.deepEqual(podDnsConfig(pod(), cluster), {
    servers: ['10.43.0.10'],
    searches: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example', 'lab.example'],
    options: ['ndots:5'],
  });
});

test('hostNetwork pods use the host config unless ClusterFirstWithHostNet; no cluster DNS falls back too', () => {
  const hostCfg = { servers: ['192.0.2.53', '192.0.2.54'], searches: ['corp.example', 'lab.example'], options: ['edns0', 'ndots:1'] };
  assert.deepEqual(podDnsConfig(pod({ hostNetwork: true }), cluster), hostCfg);
  assert.equal(podDnsConfig(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), cluster).servers[0], '10.43.0.10');
  assert.deepEqual(podDnsConfig(pod(), { ...cluster, servers: [] }), hostCfg);
  assert.deepEqual(podDnsConfig(pod({ dnsPolicy: 'Default' }), cluster), hostCfg);
});

test('None takes only dnsConfig; dnsConfig merges into the others, options by name', () => {
  const dnsConfig = { nameservers: ['192.0.2.1'], searches: ['extra.example'], options: [{ name: 'ndots', value: '2' }, { name: 'single-request' }] };
  assert.deepEqual(podDnsConfig(pod({ dnsPolicy: 'None', dnsConfig }), cluster), {
    servers: ['192.0.2.1'],
    searches: ['extra.example'],
    options: ['ndots:2', 'single-request'],
  });
  const merged = podDnsConfig(pod({ dnsConfig }), cluster);
  assert.deepEqual(merged.servers, ['10.43.0.10', '192.0.2.1']);
  assert.equal(merged.searches.at(-1), 'extra.example');
  assert.deepEqual(merged.options, ['ndots:2', 'single-request']);
});
