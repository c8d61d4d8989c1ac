// NetworkPolicy rules applied for real, as root, in throwaway network namespaces (never the
// host's tables): a policy lets one pod in and keeps another out, egress ipBlock with except,
// and removal restores open traffic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { NetworkPolicy } from 'kubernetes-types/networking/v1.js';
import { IptablesRunner } from '../proxy/iptables.js';
import { canUseNetns, connectFrom, createTestNet, startNetnsServer } from '../proxy/testing.js';
import { NetpolWriter } from './netpol.js';
import { generateNetpolRules } from './rules.js';

const skip = canUseNetns() ? false : 'needs root, iproute2 and iptables';

const pod = (name: string, ip: string): Pod => ({
  metadata: { name, namespace: 'default', labels: { app: name } },
  spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'x', ports: [{ name: 'http', containerPort: 8080 }] }] },
  status: { phase: 'Running', podIP: ip },
});

test('ingress and egress policies enforced in a network namespace', { skip }, async () => {
  const net = await createTestNet({ tag: 'np', subnet: 14, pods: 3 });
  const [a, b, c] = net.pods;
  assert.ok(a && b && c);
  const servers = [await startNetnsServer(a.netns, a.ip, 8080, 'a'), await startNetnsServer(b.netns, b.ip, 8080, 'b'), await startNetnsServer(b.netns, b.ip, 9090, 'b9'), await startNetnsServer(c.netns, c.ip, 8080, 'c')];
  const runner = new IptablesRunner({ netns: net.node });
  const writer = new NetpolWriter(runner);
  const pods = [pod('a', a.ip), pod('b', b.ip), pod('c', c.ip)];
  const apply = (policies: NetworkPolicy[]): Promise<void> => writer.sync(generateNetpolRules({ policies, pods, namespaces: [{ metadata: { name: 'default' } }], nodeName: 'node-1' }));
  try {
    await apply([]);
    assert.equal((await connectFrom(a.netns, b.ip, 8080)).ok, true, 'open without policies');

    // b admits only c, and only on its "http" port.
    await apply([{ metadata: { name: 'b-from-c', namespace: 'default' }, spec: { podSelector: { matchLabels: { app: 'b' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'c' } } }], ports: [{ port: 'http' }] }] } }]);
    assert.deepEqual(await connectFrom(c.netns, b.ip, 8080), { ok: true, data: `b ${c.ip}` });
    assert.deepEqual(await connectFrom(a.netns, b.ip, 8080, 500), { ok: false, error: 'TIMEOUT' }, 'a is dropped');
    assert.deepEqual(await connectFrom(c.netns, b.ip, 9090, 500), { ok: false, error: 'TIMEOUT' }, 'another port is dropped');
    assert.equal((await connectFrom(b.netns, a.ip, 8080)).ok, true, 'b may still connect out (no egress policy), replies pass');

    // a may only reach 10.99.14.0/24 except c's address.
    await apply([{ metadata: { name: 'a-out', namespace: 'default' }, spec: { podSelector: { matchLabels: { app: 'a' } }, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: net.podCIDR, except: [`${c.ip}/32`] } }] }] } }]);
    assert.equal((await connectFrom(a.netns, b.ip, 8080)).ok, true);
    assert.deepEqual(await connectFrom(a.netns, c.ip, 8080, 500), { ok: false, error: 'TIMEOUT' }, 'the except address is dropped');
    assert.equal((await connectFrom(c.netns, a.ip, 8080)).ok, true, 'ingress to a is not isolated');

    await writer.cleanup();
    assert.ok(!(await runner.save('filter')).includes('K8TS'), 'no k8ts rules left');
    assert.equal((await connectFrom(a.netns, c.ip, 8080)).ok, true);
  } finally {
    for (const s of servers) await s.close();
    await net.close();
  }
});
