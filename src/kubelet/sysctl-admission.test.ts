import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { admitSysctls } from './sysctl-admission.js';
import { startKubeletHarness } from './testing.js';

function pod(names: string[], spec: Partial<NonNullable<Pod['spec']>> = {}): Pod {
  return { spec: { containers: [{ name: 'main' }], securityContext: { sysctls: names.map((name) => ({ name, value: '1' })) }, ...spec } };
}

test('safe sysctls are admitted, unsafe ones rejected with SysctlForbidden', () => {
  assert.deepEqual(admitSysctls(pod(['kernel.shm_rmid_forced', 'net/ipv4/ip_local_port_range'])), { admit: true });
  assert.deepEqual(admitSysctls(pod(['kernel.shm_rmid_forced', 'kernel.shmmax'])), {
    admit: false,
    reason: 'SysctlForbidden',
    message: 'Pod was rejected: forbidden sysctl: "kernel.shmmax" not allowlisted',
  });
  assert.deepEqual(admitSysctls(pod(['kernel.shmmax']), ['kernel.shm*']), { admit: true }, 'a node may allow unsafe ones by pattern');
});

test('a namespaced sysctl is refused when the pod shares that namespace with the node', () => {
  const r = admitSysctls(pod(['net.ipv4.tcp_syncookies'], { hostNetwork: true }));
  assert.equal(r.admit ? '' : r.message, 'Pod was rejected: forbidden sysctl: "net.ipv4.tcp_syncookies" not allowed with host net enabled');
  assert.equal(admitSysctls(pod(['kernel.shm_rmid_forced'], { hostIPC: true })).admit, false);
});

test("the kubelet's allowedUnsafeSysctls option admits those sysctls; others stay forbidden", async () => {
  const h = await startKubeletHarness({ kubelet: { allowedUnsafeSysctls: ['kernel.msg*'] } });
  try {
    await h.createPod({ metadata: { name: 'msg' }, spec: { securityContext: { sysctls: [{ name: 'kernel.msgmax', value: '65536' }] }, containers: [{ name: 'main', image: 'busybox:1.36' }] } });
    await h.createPod({ metadata: { name: 'shm' }, spec: { securityContext: { sysctls: [{ name: 'kernel.shmmax', value: '65536' }] }, containers: [{ name: 'main', image: 'busybox:1.36' }] } });
    await h.waitForPod('msg', (p) => p.status?.phase === 'Running');
    const refused = await h.waitForPod('shm', (p) => p.status?.phase === 'Failed');
    assert.equal(refused.status?.reason, 'SysctlForbidden');
  } finally {
    await h.close();
  }
});
