import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerConfig, type SandboxConfig } from '../runtime.js';
import { fromCriContainerStatus, IMAGE_ANNOTATION, nanosToMs, toCriContainerConfig, toCriSandboxConfig, toLinuxResources } from './translate.js';

const GiB = 1024 ** 3;

test('cgroup values follow Kubernetes: shares from the request, quota from the limit, OOM score by QoS', () => {
  assert.deepEqual(toLinuxResources({}, 8 * GiB), { cpuPeriod: '0', cpuQuota: '0', cpuShares: '2', memoryLimitInBytes: '0', oomScoreAdj: '1000' });
  const guaranteed = toLinuxResources({ cpuRequestMilli: 500, cpuLimitMilli: 500, memoryRequestBytes: GiB, memoryLimitBytes: GiB }, 8 * GiB);
  assert.deepEqual(guaranteed, { cpuPeriod: '100000', cpuQuota: '50000', cpuShares: '512', memoryLimitInBytes: String(GiB), oomScoreAdj: '-997' });
  const burstable = toLinuxResources({ cpuRequestMilli: 100, memoryRequestBytes: 2 * GiB }, 8 * GiB);
  assert.equal(burstable.cpuShares, '102');
  assert.equal(burstable.cpuQuota, '0');
  assert.equal(burstable.oomScoreAdj, '750');
  assert.equal(toLinuxResources({ cpuLimitMilli: 5 }, 8 * GiB).cpuQuota, '1000', 'quota has a floor of 1 ms');
});

const sandbox: SandboxConfig = {
  name: 'web',
  namespace: 'default',
  uid: 'u1',
  attempt: 1,
  hostname: 'web',
  logDirectory: '/var/log/pods/default_web_u1',
  portMappings: [{ protocol: 'TCP', containerPort: 80, hostPort: 8080 }],
  hostNetwork: false,
  labels: { a: 'b' },
  annotations: {},
};

test('every container repeats the pod namespace options (PID per container)', () => {
  const c = containerConfig('main', 'busybox', ['sh'], {
    imageRef: 'sha256:abc',
    env: [{ name: 'A', value: '1' }],
    mounts: [{ containerPath: '/etc/hosts', hostPath: '/mine', readOnly: true }],
    annotations: { x: 'y' },
  });
  const cri = toCriContainerConfig(c, sandbox, [{ containerPath: '/etc/hosts', hostPath: '/pod-hosts', readOnly: false }]);
  assert.deepEqual(cri.linux.securityContext.namespaceOptions, { network: 'POD', pid: 'CONTAINER', ipc: 'POD' });
  assert.deepEqual(cri.mounts, [{ containerPath: '/etc/hosts', hostPath: '/mine', readonly: true }], "the pod's own /etc/hosts mount wins");
  assert.deepEqual(cri.envs, [{ key: 'A', value: '1' }]);
  assert.equal(cri.image.image, 'sha256:abc');
  assert.equal(cri.annotations[IMAGE_ANNOTATION], 'busybox');
  const sb = toCriSandboxConfig({ ...sandbox, hostNetwork: true });
  assert.deepEqual(sb.linux.securityContext.namespaceOptions, { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' });
  assert.deepEqual(sb.portMappings, [{ protocol: 'TCP', containerPort: 80, hostPort: 8080, hostIp: '' }]);
});

test("shareProcessNamespace gives the pod one PID namespace; an ephemeral container may join its target's", () => {
  const shared = { ...sandbox, shareProcessNamespace: true };
  assert.deepEqual(toCriSandboxConfig(shared).linux.securityContext.namespaceOptions, { network: 'POD', pid: 'POD', ipc: 'POD' });
  const c = containerConfig('main', 'busybox', ['sh']);
  assert.deepEqual(toCriContainerConfig(c, shared, []).linux.securityContext.namespaceOptions, { network: 'POD', pid: 'POD', ipc: 'POD' });
  const debug = containerConfig('debugger', 'busybox', ['sh'], { pidNamespaceOf: 'c0ffee' });
  assert.deepEqual(toCriContainerConfig(debug, sandbox, []).linux.securityContext.namespaceOptions, { network: 'POD', pid: 'TARGET', ipc: 'POD', targetId: 'c0ffee' });
});

test('statuses: nanosecond times to ms, the requested image back, reason filled in for exits', () => {
  assert.equal(nanosToMs('1767225600123456789'), 1767225600123);
  assert.equal(nanosToMs('0'), 0);
  const s = fromCriContainerStatus(
    {
      id: 'c1',
      metadata: { name: 'main', attempt: 2 },
      state: 'CONTAINER_EXITED',
      createdAt: '1000000',
      startedAt: '2000000',
      finishedAt: '3000000',
      exitCode: 2,
      image: { image: 'docker.io/library/busybox:1.35' },
      imageRef: 'sha256:abc',
      reason: '',
      message: '',
      labels: {},
      annotations: { [IMAGE_ANNOTATION]: 'busybox', x: 'y' },
      logPath: '/l/main/2.log',
    },
    'sb1',
  );
  assert.equal(s.image, 'busybox');
  assert.deepEqual(s.annotations, { x: 'y' });
  assert.equal(s.reason, 'Error');
  assert.deepEqual([s.createdAt, s.startedAt, s.finishedAt, s.attempt, s.sandboxId], [1, 2, 3, 2, 'sb1']);
});

test('security contexts: wrapped user and group, groups as int64, only the flags that are set', () => {
  const c = containerConfig('main', 'busybox', ['sh'], {
    security: { runAsUser: 1001, runAsGroup: 2002, supplementalGroups: [3003], readOnlyRootFilesystem: true, noNewPrivileges: true, capabilitiesDrop: ['ALL'] },
  });
  assert.deepEqual(toCriContainerConfig(c, sandbox, []).linux.securityContext, {
    namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' },
    capabilities: { addCapabilities: [], dropCapabilities: ['ALL'] },
    runAsUser: { value: '1001' },
    runAsGroup: { value: '2002' },
    supplementalGroups: ['3003'],
    readonlyRootfs: true,
    noNewPrivs: true,
  });
  const plain = toCriContainerConfig(containerConfig('main', 'busybox', ['sh']), sandbox, []).linux.securityContext;
  assert.deepEqual(plain, { namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } }, 'no runAsUser: the image user');
  const sb = toCriSandboxConfig({ ...sandbox, security: { runAsUser: 0, privileged: true }, sysctls: { 'kernel.shm_rmid_forced': '1' } });
  assert.deepEqual(sb.linux.securityContext.runAsUser, { value: '0' }, 'uid 0 is set, not absent');
  assert.equal(sb.linux.securityContext.privileged, true);
  assert.deepEqual(sb.linux.sysctls, { 'kernel.shm_rmid_forced': '1' });
});

test('a host-network sandbox sends no hostname (it has no UTS namespace of its own)', () => {
  assert.equal(toCriSandboxConfig(sandbox).hostname, 'web');
  assert.equal(toCriSandboxConfig({ ...sandbox, hostNetwork: true }).hostname, '');
});

test('seccomp profiles go to the CRI as SecurityProfile, in the sandbox and the container', () => {
  const sb = toCriSandboxConfig({ ...sandbox, security: { seccomp: { type: 'RuntimeDefault' } } });
  assert.deepEqual(sb.linux.securityContext.seccomp, { profileType: 'RuntimeDefault', localhostRef: '' });
  const c = containerConfig('main', 'busybox', ['sh'], { security: { seccomp: { type: 'Localhost', localhostRef: '/var/lib/k8ts/seccomp/a.json' } } });
  assert.deepEqual(toCriContainerConfig(c, sandbox, []).linux.securityContext.seccomp, { profileType: 'Localhost', localhostRef: '/var/lib/k8ts/seccomp/a.json' });
  assert.equal(toCriContainerConfig(containerConfig('main', 'busybox', ['sh']), sandbox, []).linux.securityContext.seccomp, undefined);
});
