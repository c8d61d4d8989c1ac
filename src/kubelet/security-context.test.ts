import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { containerSecurity, normalizeSysctlName, podSysctls, sandboxSecurity } from './security-context.js';

function pod(spec: Partial<NonNullable<Pod['spec']>>): Pod {
  return { metadata: { name: 'p' }, spec: { containers: [{ name: 'main' }], ...spec } };
}

test('container user and group override the pod; fsGroup then supplementalGroups are extra groups', () => {
  const p = pod({ securityContext: { runAsUser: 1001, runAsGroup: 2002, fsGroup: 3003, supplementalGroups: [4004] } });
  assert.deepEqual(containerSecurity(p, { name: 'main' }), { runAsUser: 1001, runAsGroup: 2002, supplementalGroups: [3003, 4004] });
  assert.deepEqual(containerSecurity(p, { name: 'main', securityContext: { runAsUser: 65534 } }).runAsUser, 65534);
  assert.deepEqual(sandboxSecurity(p), { runAsUser: 1001, runAsGroup: 2002, supplementalGroups: [3003, 4004] });
  assert.deepEqual(containerSecurity(pod({}), { name: 'main' }), {}, 'nothing set: the image user and runtime defaults');
});

test('no_new_privs from allowPrivilegeEscalation=false, never when privileged; capabilities and read-only root pass through', () => {
  const c = { name: 'main', securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } } };
  assert.deepEqual(containerSecurity(pod({}), c), { readOnlyRootFilesystem: true, noNewPrivileges: true, capabilitiesAdd: ['NET_BIND_SERVICE'], capabilitiesDrop: ['ALL'] });
  const priv = { name: 'main', securityContext: { privileged: true, allowPrivilegeEscalation: false } };
  assert.deepEqual(containerSecurity(pod({}), priv), { privileged: true });
  assert.equal(sandboxSecurity(pod({ initContainers: [priv] })).privileged, true, 'any privileged container makes the sandbox privileged');
});

test('sysctl names are handed over in dot form', () => {
  assert.equal(normalizeSysctlName('net/ipv4/conf/eth0.100/rp_filter'), 'net.ipv4.conf.eth0/100.rp_filter');
  assert.equal(normalizeSysctlName('kernel.shm_rmid_forced'), 'kernel.shm_rmid_forced');
  assert.deepEqual(podSysctls(pod({ securityContext: { sysctls: [{ name: 'kernel/shm_rmid_forced', value: '1' }] } })), { 'kernel.shm_rmid_forced': '1' });
  assert.equal(podSysctls(pod({})), undefined);
});
