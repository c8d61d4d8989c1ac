import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRuntimeConformance, waitFor, type OpenedRuntime, type Workload, type WorkloadSpec } from '../conformance.js';
import { containerConfig, type SandboxConfig } from '../runtime.js';
import { detectIsolation, findTools } from './isolation.js';
import { ProcessRuntime } from './process-runtime.js';

/** Conformance workloads as host commands (sh, sleep, cat, and node for a TCP server). */
function processWorkload(w: Workload): WorkloadSpec {
  const sh = (script: string, ...args: string[]): WorkloadSpec => ({ command: ['sh', '-c', script, 'sh', ...args], args: [], annotations: {} });
  switch (w.kind) {
    case 'sleep':
      return w.onTerm === 'ignore'
        ? sh("trap '' TERM; echo ready; sleep 600 & wait; wait")
        : sh(`trap 'exit ${w.onTerm.termExitCode}' TERM; echo ready; sleep 600 & wait`);
    case 'exit':
      return sh(`sleep ${w.afterMs / 1000}; exit ${w.exitCode}`);
    case 'print':
      return sh('printf %s "$1"; printf %s "$2" >&2', w.stdout, w.stderr);
    case 'cat':
      return { command: ['cat'], args: [], annotations: {} };
    case 'listen':
      return {
        command: [process.execPath, '-e', `require('net').createServer((s) => s.end(${JSON.stringify(w.reply)})).listen(${w.port}, '127.0.0.1')`],
        args: [],
        annotations: {},
      };
  }
}

interface ProcessHandle extends OpenedRuntime {
  root: string;
}

const namespaces = detectIsolation(findTools()) === 'namespaces';

async function openProcess(isolation: 'namespaces' | 'none'): Promise<ProcessHandle> {
  const root = await mkdtemp(join(tmpdir(), 'k8ts-process-'));
  const runtime = await ProcessRuntime.open({ root, isolation, pollIntervalMs: 50 });
  return {
    root,
    runtime,
    cleanup: async () => {
      // A fresh instance sees everything on disk, including what a reopened runtime started.
      const sweeper = await ProcessRuntime.open({ root, isolation });
      for (const s of await sweeper.listPodSandboxes()) await sweeper.removePodSandbox(s.id);
      await sweeper.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

for (const isolation of namespaces ? (['namespaces', 'none'] as const) : (['none'] as const)) {
  runRuntimeConformance(`process (${isolation})`, () => openProcess(isolation), {
    realProcesses: true,
    mounts: isolation === 'namespaces',
    tty: findTools().script !== undefined,
    portForward: true,
    image: 'busybox',
    workload: processWorkload,
    reopen: (h) => ProcessRuntime.open({ root: h.root, isolation, pollIntervalMs: 50 }),
  });
}

async function withPod(body: (rt: ProcessRuntime, sandboxId: string, sandbox: SandboxConfig) => Promise<void>): Promise<void> {
  const h = await openProcess(namespaces ? 'namespaces' : 'none');
  const rt = h.runtime as ProcessRuntime;
  const sandbox: SandboxConfig = {
    name: 'p',
    namespace: 'default',
    uid: 'uid-p',
    attempt: 0,
    hostname: 'pod-host',
    logDirectory: join(h.root, 'logs'),
    portMappings: [],
    hostNetwork: false,
    labels: {},
    annotations: {},
  };
  try {
    await body(rt, await rt.runPodSandbox(sandbox), sandbox);
  } finally {
    await rt.close();
    await h.cleanup();
  }
}

const container = (name: string, command: string[]) => containerConfig(name, 'busybox', command);

test('kill -9 of the main process shows up as exited with 137', () =>
  withPod(async (rt, sandboxId, sandbox) => {
    const id = await rt.createContainer(sandboxId, container('main', ['sleep', '600']), sandbox);
    await rt.startContainer(id);
    const pid = rt.mainPid(id);
    assert.ok(pid !== undefined);
    process.kill(pid, 'SIGKILL');
    const s = await waitFor('exit after kill -9', async () => {
      const st = await rt.containerStatus(id);
      return st.state === 'exited' ? st : undefined;
    });
    assert.equal(s.exitCode, 137);
    assert.equal(s.reason, 'Error');
  }));

test('a securityContext identity without setpriv on the machine fails the start instead of running as root', async () => {
  const root = await mkdtemp(join(tmpdir(), 'k8ts-process-'));
  const rt = await ProcessRuntime.open({ root, isolation: 'none', pollIntervalMs: 50, tools: { ...findTools(), setpriv: undefined } });
  try {
    const sandbox: SandboxConfig = { name: 'p', namespace: 'default', uid: 'uid-s', attempt: 0, hostname: 'p', logDirectory: join(root, 'logs'), portMappings: [], hostNetwork: false, labels: {}, annotations: {} };
    const sandboxId = await rt.runPodSandbox(sandbox);
    const id = await rt.createContainer(sandboxId, containerConfig('main', 'busybox', ['sleep', '600'], { security: { runAsUser: 1000 } }), sandbox);
    await assert.rejects(rt.startContainer(id), /util-linux setpriv is not on this machine/);
    const s = await rt.containerStatus(id);
    assert.equal(s.reason, 'StartError');
    await rt.removePodSandbox(sandboxId);
  } finally {
    await rt.close();
    await rm(root, { recursive: true, force: true });
  }
});

test('a command that is not on PATH fails to start with StartError', () =>
  withPod(async (rt, sandboxId, sandbox) => {
    const id = await rt.createContainer(sandboxId, container('main', ['no-such-binary-k8ts']), sandbox);
    await assert.rejects(rt.startContainer(id), /executable file not found/);
    const s = await rt.containerStatus(id);
    assert.equal(s.state, 'exited');
    assert.equal(s.reason, 'StartError');
    assert.equal(s.exitCode, 128);
  }));

test('with namespaces, the pod has its own hostname and pid namespace', { skip: !namespaces }, () =>
  withPod(async (rt, sandboxId, sandbox) => {
    const id = await rt.createContainer(sandboxId, container('main', ['sleep', '600']), sandbox);
    await rt.startContainer(id);
    const r = await rt.execSync(id, ['sh', '-c', 'hostname; cat /proc/1/comm'], 5000);
    assert.equal(Buffer.from(r.stdout).toString(), 'pod-host\nsleep\n');
  }));

test('runAsUser, runAsGroup, extra groups and no_new_privs apply to the main process', { skip: process.getuid?.() !== 0 || !findTools().setpriv }, () =>
  withPod(async (rt, sandboxId, sandbox) => {
    const security = { runAsUser: 1001, runAsGroup: 2002, supplementalGroups: [3003], noNewPrivileges: true };
    const id = await rt.createContainer(sandboxId, containerConfig('main', 'busybox', ['sleep', '600'], { security }), sandbox);
    await rt.startContainer(id);
    const pid = rt.mainPid(id);
    assert.ok(pid !== undefined);
    // The main process is setpriv until it has switched identity and exec'd the command.
    const status = await waitFor('the command to run under its own identity', async () => {
      const text = readFileSync(`/proc/${pid}/status`, 'utf8');
      return /^Name:\tsetpriv$/m.test(text) ? undefined : text;
    });
    assert.match(status, /^Name:\tsleep$/m);
    assert.match(status, /^Uid:\t1001\t/m);
    assert.match(status, /^Gid:\t2002\t/m);
    assert.match(status, /^Groups:\t3003\s*$/m);
    assert.match(status, /^NoNewPrivs:\t1$/m);
  }));

test('listContainerStats: a busy process group shows growing CPU time and resident memory', () =>
  withPod(async (rt, sandboxId, sandbox) => {
    // A shell spinning in a child process: the whole group is the container.
    const busy = await rt.createContainer(sandboxId, container('busy', ['sh', '-c', 'sh -c "while :; do :; done" & wait']), sandbox);
    const idle = await rt.createContainer(sandboxId, container('idle', ['sleep', '600']), sandbox);
    await rt.startContainer(busy);
    await rt.startContainer(idle);
    const first = (await rt.listContainerStats()).find((s) => s.id === busy);
    assert.ok(first, 'stats of the running container');
    const later = await waitFor('CPU time of the busy container to grow', async () => {
      const s = (await rt.listContainerStats()).find((x) => x.id === busy);
      return s && (s.cpuUsageCoreNanoSeconds ?? 0) > (first.cpuUsageCoreNanoSeconds ?? 0) + 50e6 ? s : undefined;
    });
    assert.ok((later.memoryWorkingSetBytes ?? 0) > 0);
    assert.equal(later.memoryRssBytes, later.memoryWorkingSetBytes);
    assert.ok(later.timestamp >= first.timestamp);
    const all = await rt.listContainerStats();
    assert.deepEqual(all.map((s) => s.id).sort(), [busy, idle].sort());
    const single = await rt.containerStats(idle);
    assert.ok(single && (single.memoryWorkingSetBytes ?? 0) > 0);
    await rt.stopContainer(busy, 0);
    assert.ok(!(await rt.listContainerStats()).some((s) => s.id === busy), 'an exited container has no stats');
  }));
