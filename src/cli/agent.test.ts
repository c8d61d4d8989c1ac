import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAgentNetworking } from './agent.js';
import { UsageError } from './flags.js';

test('by default the agent runs the proxy, network policy and ingress on 80/443, pods use 10.43.0.10', () => {
  assert.deepEqual(parseAgentNetworking({ disable: [] }), {
    proxy: true,
    networkPolicy: true,
    ingress: { httpPort: 80, httpsPort: 443 },
    clusterCidr: '10.42.0.0/16',
    clusterDns: '10.43.0.10',
  });
});

test('--disable leaves out each networking part; --ingress-ports, --cluster-cidr and --cluster-dns are honoured', () => {
  const n = parseAgentNetworking({ disable: ['proxy', 'ingress'], 'ingress-ports': '8080,8443', 'cluster-cidr': '10.78.0.0/16', 'cluster-dns': '10.96.0.10' });
  assert.deepEqual(n, { proxy: false, networkPolicy: true, clusterCidr: '10.78.0.0/16', clusterDns: '10.96.0.10' });
  assert.equal(parseAgentNetworking({ disable: ['netpol'] }).networkPolicy, false);
  assert.deepEqual(parseAgentNetworking({ disable: [], 'ingress-ports': '8080,8443' }).ingress, { httpPort: 8080, httpsPort: 8443 });
  assert.equal(parseAgentNetworking({ disable: [], 'cluster-dns': 'none' }).clusterDns, undefined);
});

test('unknown components, malformed ports, CIDRs and DNS addresses are usage errors', () => {
  for (const bad of [
    { disable: ['dns'] },
    { disable: [], 'ingress-ports': '80' },
    { disable: [], 'ingress-ports': '80,x' },
    { disable: [], 'ingress-ports': '80,70000' },
    { disable: [], 'cluster-cidr': '10.42.0.0' },
    { disable: [], 'cluster-cidr': '10.42.0.0/33' },
    { disable: [], 'cluster-dns': '10.43.0' },
  ]) {
    assert.throws(() => parseAgentNetworking(bad), UsageError, JSON.stringify(bad));
  }
});
