import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRuntimeConformance, waitFor, type Workload, type WorkloadSpec } from '../conformance.js';
import { FakeRuntime } from './fake-runtime.js';
import { containerConfig, type ContainerConfig, type SandboxConfig } from '../runtime.js';

const A = 'fake.k8ts.io/';

/** Conformance workloads as annotations; commands are ignored by the fake runtime. */
function fakeWorkload(w: Workload): WorkloadSpec {
  const spec = (annotations: Record<string, string>): WorkloadSpec => ({ command: ['sleep'], args: [], annotations });
  switch (w.kind) {
    case 'sleep':
      return spec({
        [`${A}stdout`]: 'ready\n',
        ...(w.onTerm === 'ignore' ? { [`${A}ignore-term`]: 'true' } : { [`${A}term-exit-code`]: String(w.onTerm.termExitCode) }),
      });
    case 'exit':
      return spec({ [`${A}exit-after-ms`]: String(w.afterMs), [`${A}exit-code`]: String(w.exitCode) });
    case 'print':
      return spec({ [`${A}stdout`]: w.stdout, [`${A}stderr`]: w.stderr, [`${A}exit-after-ms`]: '0' });
    case 'cat':
    case 'listen':
      return spec({});
  }
}

runRuntimeConformance('fake', async () => ({ runtime: new FakeRuntime(), cleanup: async () => undefined }), {
  realProcesses: false,
  mounts: false,
  tty: false,
  portForward: false,
  image: 'busybox',
  workload: fakeWorkload,
});

async function withPod(
  podAnnotations: Record<string, string>,
  body: (rt: FakeRuntime, sandboxId: string, sandbox: SandboxConfig, container: (name: string) => ContainerConfig) => Promise<void>,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'k8ts-fake-'));
  const rt = new FakeRuntime({ podCidr: '10.9.0.0/24' });
  const sandbox: SandboxConfig = {
    name: 'p',
    namespace: 'default',
    uid: 'u1',
    attempt: 0,
    hostname: 'p',
    logDirectory: dir,
    portMappings: [],
    hostNetwork: false,
    labels: {},
    annotations: podAnnotations,
  };
  const container = (name: string): ContainerConfig => containerConfig(name, 'nginx', []);
  try {
    await body(rt, await rt.runPodSandbox(sandbox), sandbox, container);
  } finally {
    await rt.close();
    await rm(dir, { recursive: true, force: true });
  }
}

test('pod IPs come from the configured CIDR', () =>
  withPod({}, async (rt, sandboxId) => {
    assert.equal((await rt.podSandboxStatus(sandboxId)).ip, '10.9.0.2');
  }));

test('pod annotations script one container by name; the start line is logged in CRI format', () =>
  withPod({ [`${A}exit-code.worker`]: '4', [`${A}exit-after-ms`]: '0' }, async (rt, sandboxId, sandbox, container) => {
    const worker = await rt.createContainer(sandboxId, container('worker'), sandbox);
    const sidecar = await rt.createContainer(sandboxId, container('sidecar'), sandbox);
    await rt.startContainer(worker);
    await rt.startContainer(sidecar);
    const exited = async (id: string): Promise<number | undefined> => {
      const s = await rt.containerStatus(id);
      return s.state === 'exited' ? s.exitCode : undefined;
    };
    assert.equal(await waitFor('worker exit', () => exited(worker)), 4);
    assert.equal(await waitFor('sidecar exit', () => exited(sidecar)), 0);
    const log = await readFile(join(sandbox.logDirectory, 'worker/0.log'), 'utf8');
    assert.match(log, /^\S+Z stdout F fake container worker of pod p started\n$/);
  }));

test('oom annotation exits with 137 and reason OOMKilled', () =>
  withPod({ [`${A}oom`]: 'true' }, async (rt, sandboxId, sandbox, container) => {
    const id = await rt.createContainer(sandboxId, container('main'), sandbox);
    await rt.startContainer(id);
    const s = await waitFor('oom kill', async () => {
      const st = await rt.containerStatus(id);
      return st.state === 'exited' ? st : undefined;
    });
    assert.equal(s.exitCode, 137);
    assert.equal(s.reason, 'OOMKilled');
  }));

test('probe-fail makes every exec answer 1; exec-exit-code scripts other commands', async () => {
  await withPod({ [`${A}probe-fail`]: 'true' }, async (rt, sandboxId, sandbox, container) => {
    const id = await rt.createContainer(sandboxId, container('main'), sandbox);
    await rt.startContainer(id);
    assert.equal((await rt.execSync(id, ['cat', '/tmp/healthy'], 1000)).exitCode, 1);
  });
  await withPod({ [`${A}exec-exit-code`]: '2', [`${A}exec-stdout`]: 'scripted' }, async (rt, sandboxId, sandbox, container) => {
    const id = await rt.createContainer(sandboxId, container('main'), sandbox);
    await rt.startContainer(id);
    const r = await rt.execSync(id, ['/check.sh'], 1000);
    assert.equal(r.exitCode, 2);
    assert.equal(Buffer.from(r.stdout).toString(), 'scripted');
  });
});

test('start-error makes startContainer fail and the container exited', () =>
  withPod({ [`${A}start-error`]: 'exec: "nope": not found' }, async (rt, sandboxId, sandbox, container) => {
    const id = await rt.createContainer(sandboxId, container('main'), sandbox);
    await assert.rejects(rt.startContainer(id), /not found/);
    const s = await rt.containerStatus(id);
    assert.equal(s.state, 'exited');
    assert.equal(s.reason, 'StartError');
  }));

test('malformed image names are rejected as InvalidImageName', async () => {
  const rt = new FakeRuntime();
  await assert.rejects(rt.pullImage('Not An Image'), { name: 'ImagePullError', reason: 'InvalidImageName' });
  assert.equal(await rt.pullImage('nginx'), await rt.pullImage('docker.io/library/nginx:latest'));
});
