import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { normalizeSysctlName } from '../api/validation/sysctls.js';
import { containerSecurity, podSysctls, runAsNonRootViolation, sandboxSecurity } from './security-context.js';

const SECCOMP = '/var/lib/k8ts/agent/seccomp';

function pod(spec: Partial<NonNullable<Pod['spec']>>): Pod {
  return { metadata: { name: 'p' }, spec: { containers: [{ name: 'main' }], ...spec } };
}

test('container user and group override the pod; fsGroup then supplementalGroups are extra groups', () => {
  const p = pod({ securityContext: { runAsUser: 1001, runAsGroup: 2002, fsGroup: 3003, supplementalGroups: [4004] } });
  assert.deepEqual(containerSecurity(p, { name: 'main' }, SECCOMP), { runAsUser: 1001, runAsGroup: 2002, supplementalGroups: [3003, 4004] });
  assert.deepEqual(containerSecurity(p, { name: 'main', securityContext: { runAsUser: 65534 } }, SECCOMP).runAsUser, 65534);
  assert.deepEqual(sandboxSecurity(p, SECCOMP), { runAsUser: 1001, runAsGroup: 2002, supplementalGroups: [3003, 4004] });
  assert.deepEqual(containerSecurity(pod({}), { name: 'main' }, SECCOMP), {}, 'nothing set: the image user and runtime defaults');
});

test('no_new_privs from allowPrivilegeEscalation=false, never when privileged; capabilities and read-only root pass through', () => {
  const c = { name: 'main', securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } } };
  assert.deepEqual(containerSecurity(pod({}), c, SECCOMP), { readOnlyRootFilesystem: true, noNewPrivileges: true, capabilitiesAdd: ['NET_BIND_SERVICE'], capabilitiesDrop: ['ALL'] });
  const priv = { name: 'main', securityContext: { privileged: true, allowPrivilegeEscalation: false } };
  assert.deepEqual(containerSecurity(pod({}), priv, SECCOMP), { privileged: true });
  assert.equal(sandboxSecurity(pod({ initContainers: [priv] }), SECCOMP).privileged, true, 'any privileged container makes the sandbox privileged');
});

test('sysctl names are handed over in dot form', () => {
  assert.equal(normalizeSysctlName('net/ipv4/conf/eth0.100/rp_filter'), 'net.ipv4.conf.eth0/100.rp_filter');
  assert.equal(normalizeSysctlName('kernel.shm_rmid_forced'), 'kernel.shm_rmid_forced');
  assert.deepEqual(podSysctls(pod({ securityContext: { sysctls: [{ name: 'kernel/shm_rmid_forced', value: '1' }] } })), { 'kernel.shm_rmid_forced': '1' });
  assert.equal(podSysctls(pod({})), undefined);
});

test('seccompProfile: the container\'s over the pod\'s; Localhost profiles under the kubelet\'s seccomp directory', () => {
  const p = pod({ securityContext: { seccompProfile: { type: 'RuntimeDefault' } } });
  assert.deepEqual(sandboxSecurity(p, SECCOMP).seccomp, { type: 'RuntimeDefault' });
  assert.deepEqual(containerSecurity(p, { name: 'main' }, SECCOMP).seccomp, { type: 'RuntimeDefault' });
  const local = { name: 'main', securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/audit.json' } } };
  assert.deepEqual(containerSecurity(p, local, SECCOMP).seccomp, { type: 'Localhost', localhostRef: `${SECCOMP}/profiles/audit.json` });
  assert.deepEqual(containerSecurity(p, { name: 'main', securityContext: { seccompProfile: { type: 'Unconfined' } } }, SECCOMP).seccomp, { type: 'Unconfined' });
  assert.equal(containerSecurity(pod({}), { name: 'main' }, SECCOMP).seccomp, undefined);
});

test('runAsNonRoot: runAsUser 0, or no runAsUser and an image that runs as root or as a user name, is refused', () => {
  const p: Pod = { metadata: { name: 'web', namespace: 'shop', uid: 'u-1' }, spec: { securityContext: { runAsNonRoot: true }, containers: [{ name: 'main' }] } };
  const image = { ref: 'sha256:x', repoTags: [], sizeBytes: 0 };
  const who = '(pod: "web_shop(u-1)", container: main)';
  assert.equal(runAsNonRootViolation(p, { name: 'main', securityContext: { runAsUser: 0 } }, image), `container's runAsUser breaks non-root policy ${who}`);
  assert.equal(runAsNonRootViolation(p, { name: 'main', securityContext: { runAsUser: 1000 } }, image), undefined);
  assert.equal(runAsNonRootViolation(p, { name: 'main' }, image), `container has runAsNonRoot and image will run as root ${who}`, 'an image without USER runs as root');
  assert.equal(runAsNonRootViolation(p, { name: 'main' }, { ...image, uid: 0 }), `container has runAsNonRoot and image will run as root ${who}`);
  assert.equal(runAsNonRootViolation(p, { name: 'main' }, { ...image, uid: 65532 }), undefined);
  assert.equal(runAsNonRootViolation(p, { name: 'main' }, { ...image, username: 'nginx' }), `container has runAsNonRoot and image has non-numeric user (nginx), cannot verify user is non-root ${who}`);
  assert.equal(runAsNonRootViolation(p, { name: 'main', securityContext: { runAsNonRoot: false } }, image), undefined, "the container's setting wins");
});
