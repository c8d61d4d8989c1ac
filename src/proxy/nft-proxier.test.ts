// The nftables mode for real, as root, inside throwaway network namespaces (never the host's
// tables): DNAT'ed connections reach backends in pod namespaces through a cluster IP and a node
// port, hairpin traffic is masqueraded, services without endpoints reject, updates are small
// transactions, an iptables FORWARD rule (as NetworkPolicy writes) still applies to service
// traffic, and cleanup leaves no table behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createLogger } from '../log.js';
import type { ServicePort } from './model.js';
import { NftRunner } from './nft.js';
import { NftablesProxier } from './nft-proxier.js';
import { canUseNft, connectFrom, createTestNet, startNetnsServer, testEndpoint, testServicePort } from './testing.js';

const exec = promisify(execFile);
const skip = canUseNft() ? false : 'needs root, iproute2, iptables and nft';
const log = createLogger('test', { level: 'error' });

const ep = testEndpoint;
const svc = testServicePort;

test('cluster IP, node port, hairpin and reject through real nftables in a network namespace', { skip }, async () => {
  const net = await createTestNet({ tag: 'nf', subnet: 15, pods: 2 });
  const [a, b] = net.pods;
  assert.ok(a && b);
  const servers = [await startNetnsServer(a.netns, a.ip, 8080, 'a'), await startNetnsServer(b.netns, b.ip, 8080, 'b'), await startNetnsServer(b.netns, b.ip, 8081, 'b2')];
  const runner = new NftRunner({ netns: net.node });
  const proxier = new NftablesProxier(runner, { clusterCIDR: net.podCIDR }, log);
  try {
    assert.equal(await runner.unusableReason(), undefined, 'nft works in the namespace');
    const ports = [svc('web', '10.43.0.10', [ep(b.ip, 8080)], { nodePort: 30080 }), svc('self', '10.43.0.11', [ep(a.ip, 8080)]), svc('empty', '10.43.0.12', [])];
    const first = await proxier.sync(ports);
    assert.equal(first.full, true);

    // From the node itself: DNAT to pod b, source masqueraded to the node's address.
    assert.deepEqual(await connectFrom(net.node, '10.43.0.10', 80), { ok: true, data: `b ${net.nodeIP}` });
    // From pod a to a service on pod b: DNAT only, pod source kept.
    assert.deepEqual(await connectFrom(a.netns, '10.43.0.10', 80), { ok: true, data: `b ${a.ip}` });
    // Hairpin: pod a through its own service is masqueraded so the reply comes back via the node.
    assert.deepEqual(await connectFrom(a.netns, '10.43.0.11', 80), { ok: true, data: `a ${net.nodeIP}` });
    // Node port on the node's address, from a pod: policy Cluster masquerades.
    assert.deepEqual(await connectFrom(a.netns, net.nodeIP, 30080), { ok: true, data: `b ${net.nodeIP}` });
    // No endpoints: rejected at once, from a pod (forward) and from the node (output).
    assert.deepEqual(await connectFrom(a.netns, '10.43.0.12', 80), { ok: false, error: 'ECONNREFUSED' });
    assert.deepEqual(await connectFrom(net.node, '10.43.0.12', 80), { ok: false, error: 'ECONNREFUSED' });

    // The endpoint moves to another port: a small incremental transaction.
    const movedPorts = [svc('web', '10.43.0.10', [ep(b.ip, 8081)], { nodePort: 30080 }), ports[1] as ServicePort, ports[2] as ServicePort];
    const moved = await proxier.sync(movedPorts);
    assert.equal(moved.full, false);
    assert.ok(moved.commands > 0 && moved.commands < first.commands / 4, `${moved.commands} of ${first.commands} commands`);
    assert.deepEqual(await connectFrom(net.node, '10.43.0.10', 80), { ok: true, data: `b2 ${net.nodeIP}` });
    assert.equal((await proxier.sync(movedPorts)).commands, 0, 'an unchanged state sends nothing');

    // The empty service gets an endpoint: it leaves the reject map and answers.
    await proxier.sync([movedPorts[0] as ServicePort, movedPorts[1] as ServicePort, svc('empty', '10.43.0.12', [ep(a.ip, 8080)])]);
    assert.deepEqual(await connectFrom(b.netns, '10.43.0.12', 80), { ok: true, data: `a ${b.ip}` });

    // iptables in the same namespace still filters service traffic after DNAT (NetworkPolicy's place).
    const drop = ['FORWARD', '-d', `${b.ip}/32`, '-p', 'tcp', '--dport', '8081', '-j', 'DROP'];
    await exec('ip', ['netns', 'exec', net.node, 'iptables', '-w', '5', '-t', 'filter', '-I', ...drop]);
    assert.deepEqual(await connectFrom(a.netns, '10.43.0.10', 80, 700), { ok: false, error: 'TIMEOUT' });
    await exec('ip', ['netns', 'exec', net.node, 'iptables', '-w', '5', '-t', 'filter', '-D', ...drop]);
    assert.deepEqual(await connectFrom(a.netns, '10.43.0.10', 80), { ok: true, data: `b2 ${a.ip}` });

    // A restarted proxier replaces what it finds.
    const restarted = new NftablesProxier(runner, { clusterCIDR: net.podCIDR }, log);
    assert.equal((await restarted.sync([svc('self', '10.43.0.11', [ep(a.ip, 8080)])])).full, true);
    assert.ok(!(await runner.list())?.includes('10.43.0.10'), 'stale service gone after takeover');
    assert.deepEqual(await connectFrom(a.netns, '10.43.0.11', 80), { ok: true, data: `a ${net.nodeIP}` });

    await restarted.cleanup();
    assert.equal(await runner.list(), undefined, 'no k8ts table left');
    assert.equal((await connectFrom(a.netns, '10.43.0.11', 80, 500)).ok, false);
  } finally {
    await proxier.cleanup().catch(() => undefined);
    for (const s of servers) await s.close();
    await net.close();
  }
});

test('nftables: session affinity keeps a client on one endpoint; externalTrafficPolicy Local keeps the client address', { skip }, async () => {
  const net = await createTestNet({ tag: 'na', subnet: 16, pods: 3 });
  const [client, b, c] = net.pods;
  assert.ok(client && b && c);
  const servers = [await startNetnsServer(b.netns, b.ip, 8080, 'b'), await startNetnsServer(c.netns, c.ip, 8080, 'c')];
  const proxier = new NftablesProxier(new NftRunner({ netns: net.node }), { clusterCIDR: net.podCIDR }, log);
  try {
    const eps = [ep(b.ip, 8080), { ...ep(c.ip, 8080), local: false }];
    await proxier.sync([
      svc('plain', '10.43.0.20', eps),
      svc('sticky', '10.43.0.21', eps, { affinityTimeoutSeconds: 60 }),
      svc('local', '10.43.0.22', eps, { nodePort: 30090, externalTrafficPolicy: 'Local' }),
    ]);
    const seen = async (ip: string, port = 80): Promise<Set<string>> => {
      const names = new Set<string>();
      for (let i = 0; i < 12; i++) {
        const r = await connectFrom(client.netns, ip, port);
        assert.equal(r.ok, true, JSON.stringify(r));
        if (r.ok) names.add(r.data);
      }
      return names;
    };
    assert.equal((await seen('10.43.0.21')).size, 1, 'one endpoint for a sticky client');
    assert.equal((await seen('10.43.0.20')).size, 2, 'random balancing reaches both (fails with probability 2^-11)');
    // The client pod is inside the cluster CIDR, so to the node port it is "pod traffic": any
    // endpoint, unmasqueraded. Seen from outside the CIDR it would get the local endpoint only.
    assert.deepEqual([...(await seen(net.nodeIP, 30090))].every((d) => d.endsWith(` ${client.ip}`)), true);
  } finally {
    await proxier.cleanup();
    for (const s of servers) await s.close();
    await net.close();
  }
});
