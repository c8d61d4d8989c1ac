// The iptables mode for real, as root, inside throwaway network namespaces (never the host's
// tables): DNAT'ed connections reach backends in pod namespaces through a cluster IP and a
// node port, hairpin traffic is masqueraded, services without endpoints reject, updates apply
// incrementally, and cleanup leaves no k8ts chain behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../log.js';
import { IptablesRunner } from './iptables.js';
import { IptablesProxier } from './iptables-proxier.js';
import type { ServicePort } from './model.js';
import { canUseNetns, connectFrom, createTestNet, startNetnsServer, testEndpoint, testServicePort } from './testing.js';

const skip = canUseNetns() ? false : 'needs root, iproute2 and iptables';
const log = createLogger('test', { level: 'error' });

const ep = testEndpoint;
const svc = testServicePort;

test('cluster IP, node port, hairpin and reject through real iptables in a network namespace', { skip }, async () => {
  const net = await createTestNet({ tag: 'px', subnet: 11, pods: 2 });
  const [a, b] = net.pods;
  assert.ok(a && b);
  const servers = [await startNetnsServer(a.netns, a.ip, 8080, 'a'), await startNetnsServer(b.netns, b.ip, 8080, 'b'), await startNetnsServer(b.netns, b.ip, 8081, 'b2')];
  const runner = new IptablesRunner({ netns: net.node });
  const proxier = new IptablesProxier(runner, { clusterCIDR: net.podCIDR }, log);
  try {
    const ports = [
      svc('web', '10.43.0.10', [ep(b.ip, 8080)], { nodePort: 30080 }),
      svc('self', '10.43.0.11', [ep(a.ip, 8080)]),
      svc('empty', '10.43.0.12', []),
    ];
    const first = await proxier.sync(ports);
    assert.ok(first.chainsWritten > 0);

    // From the node itself: DNAT to pod b, source masqueraded to the node's address.
    assert.deepEqual(await connectFrom(net.node, '10.43.0.10', 80), { ok: true, data: `b ${net.nodeIP}` });
    // From pod a to a service on pod b: DNAT only, pod source kept (both inside the cluster CIDR).
    assert.deepEqual(await connectFrom(a.netns, '10.43.0.10', 80), { ok: true, data: `b ${a.ip}` });
    // Pod a reaching itself through its own service (hairpin): masqueraded so the reply comes back via the node.
    assert.deepEqual(await connectFrom(a.netns, '10.43.0.11', 80), { ok: true, data: `a ${net.nodeIP}` });
    // Node port on the node's address, from a pod: external traffic is masqueraded (policy Cluster).
    assert.deepEqual(await connectFrom(a.netns, net.nodeIP, 30080), { ok: true, data: `b ${net.nodeIP}` });
    // No endpoints: REJECT answers at once instead of a timeout.
    assert.deepEqual(await connectFrom(a.netns, '10.43.0.12', 80), { ok: false, error: 'ECONNREFUSED' });

    // Endpoint moves to another port: only that service's chains are rewritten.
    const moved = await proxier.sync([svc('web', '10.43.0.10', [ep(b.ip, 8081)], { nodePort: 30080 }), ports[1] as ServicePort, ports[2] as ServicePort]);
    assert.ok(moved.chainsWritten > 0 && moved.chainsWritten < first.chainsWritten, `${moved.chainsWritten} of ${first.chainsWritten}`);
    assert.deepEqual(await connectFrom(net.node, '10.43.0.10', 80), { ok: true, data: `b2 ${net.nodeIP}` });
    const again = await proxier.sync([svc('web', '10.43.0.10', [ep(b.ip, 8081)], { nodePort: 30080 }), ports[1] as ServicePort, ports[2] as ServicePort]);
    assert.equal(again.chainsWritten, 0, 'an unchanged state writes nothing');

    // A restarted proxier takes over the chains it finds.
    const restarted = new IptablesProxier(runner, { clusterCIDR: net.podCIDR }, log);
    await restarted.sync([svc('self', '10.43.0.11', [ep(a.ip, 8080)])]);
    assert.ok(!(await runner.save('nat')).includes('10.43.0.10'), 'stale service gone after takeover');
    assert.deepEqual(await connectFrom(a.netns, '10.43.0.11', 80), { ok: true, data: `a ${net.nodeIP}` });

    await restarted.cleanup();
    for (const table of ['nat', 'filter'] as const) assert.ok(!(await runner.save(table)).includes('K8TS'), `no k8ts rules left in ${table}`);
    assert.equal((await connectFrom(a.netns, '10.43.0.11', 80, 500)).ok, false);
  } finally {
    for (const s of servers) await s.close();
    await net.close();
  }
});

test('session affinity keeps a client on one endpoint', { skip }, async () => {
  const net = await createTestNet({ tag: 'pa', subnet: 12, pods: 3 });
  const [client, b, c] = net.pods;
  assert.ok(client && b && c);
  const servers = [await startNetnsServer(b.netns, b.ip, 8080, 'b'), await startNetnsServer(c.netns, c.ip, 8080, 'c')];
  const proxier = new IptablesProxier(new IptablesRunner({ netns: net.node }), { clusterCIDR: net.podCIDR }, log);
  try {
    const eps = [ep(b.ip, 8080), ep(c.ip, 8080)];
    await proxier.sync([svc('plain', '10.43.0.20', eps), svc('sticky', '10.43.0.21', eps, { affinityTimeoutSeconds: 60 })]);
    const seen = async (ip: string): Promise<Set<string>> => {
      const names = new Set<string>();
      for (let i = 0; i < 12; i++) {
        const r = await connectFrom(client.netns, ip, 80);
        assert.equal(r.ok, true);
        if (r.ok) names.add(r.data.split(' ')[0] ?? '');
      }
      return names;
    };
    assert.equal((await seen('10.43.0.21')).size, 1, 'one endpoint for a sticky client');
    assert.equal((await seen('10.43.0.20')).size, 2, 'random balancing reaches both (fails with probability 2^-11)');
    await proxier.cleanup();
  } finally {
    for (const s of servers) await s.close();
    await net.close();
  }
});
