// The containerd runtime against a private containerd (own directory, socket, bridge and pod
// subnet), through the shared runtime conformance suite plus what only a real pod network
// shows. Needs root; prerequisites are installed and the offline images built (and pushed to
// the local registry on 127.0.0.1:5000) by the project's scripts.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeNodeContainerdFootprint } from '../../../containerd/cleanup.js';
import { bridgeNameFor } from '../../../containerd/config.js';
import { startNodeContainerd, type NodeContainerd } from '../../../containerd/node-containerd.js';
import { runRuntimeConformance, waitFor, type OpenedRuntime, type Workload, type WorkloadSpec } from '../conformance.js';
import { containerConfig, ImagePullError, type SandboxConfig } from '../runtime.js';
import { ContainerdRuntime } from './containerd-runtime.js';

const IMAGE = 'docker.io/library/busybox:1.35';
const REGISTRY = '127.0.0.1:5000';
const repo = fileURLToPath(new URL('../../../../', import.meta.url));
const isRoot = process.getuid?.() === 0;

function runScript(script: string, args: string[]): void {
  const r = spawnSync('bash', [join(repo, script), ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${script} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
}

function workload(w: Workload): WorkloadSpec {
  const sh = (script: string, ...args: string[]): WorkloadSpec => ({ command: ['sh', '-c', script], args: ['sh', ...args], annotations: {} });
  switch (w.kind) {
    case 'sleep':
      // `sleep & wait` lets the trap run at once; PID 1 without a TERM handler ignores TERM.
      return w.onTerm === 'ignore'
        ? sh('trap "" TERM; echo ready; while true; do sleep 1; done')
        : sh(`trap "exit ${w.onTerm.termExitCode}" TERM; echo ready; while true; do sleep 1 & wait $!; done`);
    case 'exit':
      return sh(`sleep ${(w.afterMs / 1000).toFixed(3)}; exit ${w.exitCode}`);
    case 'print':
      return sh('printf "%s" "$1"; printf "%s" "$2" >&2', w.stdout, w.stderr);
    case 'cat':
      return { command: ['cat'], args: [], annotations: {} };
    case 'listen':
      return { command: ['nc', '-ll', '-p', String(w.port), '-e', 'printf', w.reply], args: [], annotations: {} };
  }
}

/** One private containerd for this file, started on first use. */
let node: Promise<{ nc: NodeContainerd; dir: string; podCIDR: string; bridge: string }> | undefined;
function privateNode(): Promise<{ nc: NodeContainerd; dir: string; podCIDR: string; bridge: string }> {
  node ??= (async () => {
    runScript('scripts/install-containerd.sh', []);
    runScript('scripts/images/build-images.sh', ['--push', REGISTRY]);
    const dir = await mkdtemp(join(tmpdir(), 'k8ts-ctd-'));
    const podCIDR = `10.243.${Math.floor(Math.random() * 250) + 1}.0/24`;
    const nodeName = `test-${process.pid}`;
    const nc = await startNodeContainerd({ dataDir: dir, nodeName, podCIDR, registryMirror: REGISTRY });
    return { nc, dir, podCIDR, bridge: bridgeNameFor(nodeName) };
  })();
  return node;
}

after(async () => {
  if (!node) return;
  const { nc, dir, bridge } = await node;
  try {
    await removeAllSandboxes(nc.runtime);
  } finally {
    await nc.close();
    await removeNodeContainerdFootprint({ dir, bridgeName: bridge });
  }
});

interface Handle extends OpenedRuntime {
  stateDir: string;
  endpoint: string;
}

async function removeAllSandboxes(rt: ContainerdRuntime): Promise<void> {
  for (const s of await rt.listPodSandboxes()) {
    await rt.stopPodSandbox(s.id);
    await rt.removePodSandbox(s.id);
  }
}

if (!isRoot) {
  test('containerd runtime (needs root: skipped)', { skip: 'not root' }, () => undefined);
} else {
  runRuntimeConformance<Handle>(
    'containerd',
    async () => {
      const { nc, dir } = await privateNode();
      const stateDir = join(dir, 'runtime-state', Math.random().toString(16).slice(2));
      await mkdir(stateDir, { recursive: true });
      const runtime = new ContainerdRuntime({ endpoint: nc.endpoint, stateDir });
      return {
        runtime,
        stateDir,
        endpoint: nc.endpoint,
        cleanup: async () => {
          const rt = new ContainerdRuntime({ endpoint: nc.endpoint, stateDir });
          try {
            await removeAllSandboxes(rt);
          } finally {
            await rt.close();
          }
        },
      };
    },
    {
      realProcesses: true,
      mounts: true,
      tty: true,
      portForward: true,
      image: IMAGE,
      workload,
      reopen: async (h) => new ContainerdRuntime({ endpoint: h.endpoint, stateDir: h.stateDir }),
    },
  );

  describe('containerd: pod network and resources', () => {
    const sandboxConfig = (name: string, dir: string): SandboxConfig => ({
      name,
      namespace: 'net',
      uid: `uid-${name}-${Math.random().toString(16).slice(2, 8)}`,
      attempt: 0,
      hostname: name,
      logDirectory: join(dir, name),
      portMappings: [],
      hostNetwork: false,
      labels: {},
      annotations: {},
    });

    test('a sandbox gets an IP from the node pod CIDR, named in its /etc/hosts; pods reach each other', async () => {
      const { nc, podCIDR, dir } = await privateNode();
      const rt = nc.runtime;
      const logs = join(dir, 'net-logs');
      const a = sandboxConfig('net-a', logs);
      const b = sandboxConfig('net-b', logs);
      const aId = await rt.runPodSandbox(a);
      const bId = await rt.runPodSandbox(b);
      try {
        const aIp = (await rt.podSandboxStatus(aId)).ip;
        const bIp = (await rt.podSandboxStatus(bId)).ip;
        assert.ok(aIp && bIp);
        const prefix = podCIDR.split('.').slice(0, 3).join('.');
        assert.ok(aIp.startsWith(`${prefix}.`), `${aIp} in ${podCIDR}`);
        await rt.pullImage(IMAGE);
        const container = (name: string, script: string) => containerConfig(name, IMAGE, ['sh', '-c', script]);
        const server = await rt.createContainer(bId, container('server', 'nc -ll -p 8080 -e printf hello-from-b'), b);
        await rt.startContainer(server);
        const client = await rt.createContainer(aId, container('client', 'while true; do sleep 1; done'), a);
        await rt.startContainer(client);
        await waitFor('client running', async () => ((await rt.containerStatus(client)).state === 'running' ? true : undefined));
        const hosts = await rt.execSync(client, ['cat', '/etc/hosts'], 3000);
        assert.match(Buffer.from(hosts.stdout).toString(), new RegExp(`^${aIp.replace(/\./g, '\\.')}\\s+net-a$`, 'm'));
        const reply = await waitFor('reply from pod b', async () => {
          const r = await rt.execSync(client, ['sh', '-c', `echo | nc ${bIp} 8080`], 3000).catch(() => undefined);
          return r && Buffer.from(r.stdout).toString() === 'hello-from-b' ? 'ok' : undefined;
        });
        assert.equal(reply, 'ok');
      } finally {
        for (const id of [aId, bId]) {
          await rt.stopPodSandbox(id);
          await rt.removePodSandbox(id);
        }
      }
    });

    test('pull failures are ImagePullErrors with the kubelet reasons', async () => {
      const { nc } = await privateNode();
      await assert.rejects(nc.runtime.pullImage(`${REGISTRY}/no-such-image:1`), (err: unknown) => err instanceof ImagePullError && err.reason === 'ErrImagePull');
      await assert.rejects(nc.runtime.pullImage('Not A Name'), (err: unknown) => err instanceof ImagePullError && err.reason === 'InvalidImageName');
    });

    test('a container over its memory limit is OOMKilled', async () => {
      const { nc, dir } = await privateNode();
      const rt = nc.runtime;
      const sb = sandboxConfig('oom', join(dir, 'oom-logs'));
      const id = await rt.runPodSandbox(sb);
      try {
        await rt.pullImage(IMAGE);
        const cid = await rt.createContainer(
          id,
          // A shell variable that doubles until the cgroup's limit is hit.
          containerConfig('hog', IMAGE, ['sh', '-c', 'x=0123456789; while true; do x="$x$x"; done'], {
            resources: { memoryLimitBytes: 32 * 1024 * 1024, memoryRequestBytes: 32 * 1024 * 1024 },
          }),
          sb,
        );
        await rt.startContainer(cid);
        const s = await waitFor('hog exits', async () => {
          const st = await rt.containerStatus(cid);
          return st.state === 'exited' ? st : undefined;
        }, 30_000);
        assert.equal(s.reason, 'OOMKilled');
      } finally {
        await rt.stopPodSandbox(id);
        await rt.removePodSandbox(id);
      }
    });
  });
}
