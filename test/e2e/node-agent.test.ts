// A real node: `k8ts server` plus one `k8ts agent --runtime process` joined with the join
// token (TLS bootstrap), driven by the real kubectl 1.27, 1.30 and 1.33 — pods run as host
// processes; logs, exec, attach and port-forward travel kubectl → API server → kubelet API.
// Then the node's heartbeat stops (SIGKILL of the agent) and the control plane reacts.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Summary } from '../../src/kubelet/stats/summary-types.js';
import { AGENT_WITHOUT_NETWORKING, eventually, KUBECTL_DIR, KUBECTL_VERSIONS, manifestFile, startCluster, waitForNamespaceProvisioned, type KubectlResult, type TestCluster } from './cluster.js';

const root = new URL('../../', import.meta.url).pathname;
// Every version runs: a missing kubectl binary fails the test instead of skipping it.
const versions = KUBECTL_VERSIONS;

/** `--disable agent` once `k8ts server` runs a node of its own (so only the joined agent is a node). */
function serverArgs(extra: readonly string[] = []): string[] {
  const help = spawnSync(process.execPath, [join(root, 'bin/k8ts.js'), 'server', '--help'], { encoding: 'utf8' }).stdout;
  return [...(/--disable[^\n]*\bagent\b/.test(help) ? ['--disable', 'agent'] : []), ...extra];
}

interface Agent {
  output(): string;
  signal(sig: NodeJS.Signals): Promise<void>;
}

async function startAgent(c: TestCluster, o: { nodeName: string; dataDir: string; extra?: readonly string[] }): Promise<Agent> {
  const token = readFileSync(join(c.dataDir, 'token'), 'utf8').trim();
  const args = [join(root, 'bin/k8ts.js'), 'agent', '--server', c.url, '--token', token, '--node-name', o.nodeName, '--runtime', 'process', '--data-dir', o.dataDir, '--node-ip', '127.0.0.1', '--kubelet-port', '0', ...AGENT_WITHOUT_NETWORKING, ...(o.extra ?? [])];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`k8ts agent did not start within 30 s:\n${output}`)), 30_000);
    const check = (): void => {
      if (output.includes(`node ${o.nodeName} is running`)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stderr?.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`k8ts agent exited:\n${output}`));
    });
  });
  return {
    output: () => output,
    async signal(sig) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(sig);
      await exited;
    },
  };
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Running {
  /** Resolves with everything printed so far once `text` appears. */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<string>;
  write(text: string): void;
  stop(): void;
  done: Promise<Run>;
}

function kubectlAsync(c: TestCluster, version: string, args: readonly string[], o: { pty?: boolean; stdinFile?: string } = {}): Running {
  const argv = [join(KUBECTL_DIR, `kubectl.${version}`), '--kubeconfig', c.kubeconfig, '--cache-dir', join(c.dataDir, 'kubectl-cache'), ...args];
  const env = { ...process.env, HOME: c.dataDir, TERM: 'dumb' };
  const stdinFd = o.stdinFile ? openSync(o.stdinFile, 'r') : undefined;
  const child = o.pty
    ? spawn('script', ['-qfec', argv.map((a) => `'${a}'`).join(' '), '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env })
    : spawn(argv[0] ?? 'kubectl', argv.slice(1), { stdio: [stdinFd ?? 'pipe', 'pipe', 'pipe'], env });
  if (stdinFd !== undefined) closeSync(stdinFd);
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    waiters.forEach((w) => w());
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    waiters.forEach((w) => w());
  });
  const done = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code, stdout: out, stderr: err })));
  return {
    waitFor: (text, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const hit = (): boolean => (typeof text === 'string' ? (out + err).includes(text) : text.test(out + err));
        if (hit()) return resolve(out + err);
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${String(text)} from kubectl ${args.join(' ')}:\n${out}\n${err}`));
        }, timeoutMs);
        const check = (): void => {
          if (!hit()) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(out + err);
        };
        waiters.add(check);
      }),
    write: (text) => void child.stdin?.write(text),
    stop: () => void child.kill('SIGINT'),
    done,
  };
}

async function finished(r: Running, timeoutMs = 60_000): Promise<Run> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([r.done, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('kubectl did not exit in time')), timeoutMs)))]);
  } finally {
    clearTimeout(timer);
  }
}

function ok(r: KubectlResult, what: string): string {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

function httpGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
      res.on('error', reject);
    }).on('error', reject);
  });
}

const NODE = 'e2e-node';

function podYaml(o: { name: string; namespace: string; script: string; extraSpec?: string; extraContainer?: string }): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${o.name}
  namespace: ${o.namespace}
spec:
  nodeName: ${NODE}
  terminationGracePeriodSeconds: 5
${o.extraSpec ?? ''}  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", ${JSON.stringify(o.script)}]
${o.extraContainer ?? ''}`;
}

describe('a node joined with k8ts agent, driven by kubectl', () => {
  let c: TestCluster;
  let agent: Agent | undefined;
  const namespaces: string[] = [];

  before(async () => {
    c = await startCluster({ extraArgs: serverArgs() });
    agent = await startAgent(c, { nodeName: NODE, dataDir: join(c.dataDir, 'agent'), extra: ['--node-status-update-frequency', '1', '--crash-loop-backoff-max', '2'] });
  });

  after(async () => {
    // Pods are host processes: delete them through the node before it goes away.
    for (const ns of namespaces) c.kubectl(versions[0] ?? '1.33', ['delete', 'namespace', ns, '--wait=true', '--timeout=60s']);
    await agent?.signal('SIGTERM');
    await c?.stop();
  });

  for (const version of versions) {
    describe(`kubectl ${version}`, () => {
      const ns = `node-e2e-${version.replace('.', '')}`;
      const k = (...args: string[]): KubectlResult => c.kubectl(version, ['-n', ns, ...args]);
      const apply = (name: string, yaml: string): void => void ok(k('apply', '-f', manifestFile(c, `${ns}-${name}.yaml`, yaml)), `apply ${name}`);
      const waitRunning = (name: string): Promise<string> =>
        eventually(() => {
          const r = k('get', 'pod', name, '-o', 'jsonpath={.status.phase}');
          return r.stdout === 'Running' ? r.stdout : undefined;
        }, `pod ${name} Running`, 30_000);

      before(async () => {
        ok(c.kubectl(version, ['create', 'namespace', ns]), 'create namespace');
        namespaces.push(ns);
        await waitForNamespaceProvisioned(c, ns);
      });

      test('get nodes -o wide shows the node Ready with its address and runtime', async () => {
        const line = await eventually(() => {
          const out = c.kubectl(version, ['get', 'nodes', '-o', 'wide']).stdout;
          return out.split('\n').find((l) => l.startsWith(`${NODE} `) && /\sReady\s/.test(l));
        }, 'node Ready');
        assert.match(line, /\s127\.0\.0\.1\s/);
        assert.match(line, /k8ts-process:\/\//);
      });

      test('a pod runs; logs, exec exit code, exec -i with stdin, exec -it through a terminal', async () => {
        apply('sleeper', podYaml({ name: 'sleeper', namespace: ns, script: 'echo started; while true; do sleep 1; done' }));
        await waitRunning('sleeper');
        assert.equal(await eventually(() => (k('logs', 'sleeper').stdout === 'started\n' ? 'ok' : undefined), 'log line'), 'ok');

        const exit3 = k('exec', 'sleeper', '--', 'sh', '-c', 'echo out; exit 3');
        assert.equal(exit3.code, 3, exit3.stderr);
        assert.equal(exit3.stdout, 'out\n');

        const file = join(c.dataDir, `stdin-${ns}`);
        const content = `${'line of input\n'.repeat(2000)}end\n`;
        writeFileSync(file, content);
        const cat = await finished(kubectlAsync(c, version, ['-n', ns, 'exec', '-i', 'sleeper', '--', 'cat'], { stdinFile: file }));
        assert.equal(cat.code, 0, cat.stderr);
        assert.equal(cat.stdout, content);

        const shell = kubectlAsync(c, version, ['-n', ns, 'exec', '-it', 'sleeper', '--', 'sh'], { pty: true });
        await shell.waitFor(/[#$] $/m);
        shell.write('echo $((6*7))\r');
        await shell.waitFor(/^42\r?$/m);
        shell.write('exit\r');
        const r = await finished(shell);
        assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      });

      test('get --raw nodes/NODE/proxy/stats/summary shows the node and the running pod', async () => {
        await waitRunning('sleeper');
        const summary = JSON.parse(ok(c.kubectl(version, ['get', '--raw', `/api/v1/nodes/${NODE}/proxy/stats/summary`]), 'stats/summary')) as Summary;
        assert.equal(summary.node.nodeName, NODE);
        assert.ok((summary.node.memory?.availableBytes ?? 0) > 0 && (summary.node.fs?.capacityBytes ?? 0) > 0);
        const sleeper = summary.pods.find((p) => p.podRef.namespace === ns && p.podRef.name === 'sleeper');
        assert.equal(sleeper?.containers[0]?.name, 'main');
        assert.ok((sleeper?.containers[0]?.memory?.workingSetBytes ?? 0) > 0, JSON.stringify(sleeper));
      });

      test('logs -f follows a container and ends when it exits', async () => {
        apply('short', podYaml({ name: 'short', namespace: ns, script: 'echo one; sleep 2; echo two', extraSpec: '  restartPolicy: Never\n' }));
        await eventually(() => (['Running', 'Succeeded'].includes(k('get', 'pod', 'short', '-o', 'jsonpath={.status.phase}').stdout) ? true : undefined), 'short started', 30_000);
        const follow = await finished(kubectlAsync(c, version, ['-n', ns, 'logs', '-f', 'short']));
        assert.equal(follow.code, 0, follow.stderr);
        assert.equal(follow.stdout, 'one\ntwo\n');
      });

      test('attach -i reaches the main process stdin and output', async () => {
        apply(
          'reader',
          podYaml({ name: 'reader', namespace: ns, script: 'echo ready; while read -r l; do echo "got:$l"; done', extraContainer: '    stdin: true\n' }),
        );
        await waitRunning('reader');
        const attach = kubectlAsync(c, version, ['-n', ns, 'attach', '-i', 'reader']);
        attach.write('hello\n');
        await attach.waitFor('got:hello');
        attach.stop();
        await finished(attach);
      });

      test('port-forward carries HTTP to a server in the pod', async () => {
        const port = 18_000 + Number(version.replace('1.', '')) * 10 + 7;
        apply('web', podYaml({ name: 'web', namespace: ns, script: `mkdir -p www && echo hello-${ns} > www/index.html && exec busybox httpd -f -p ${port} -h www` }));
        await waitRunning('web');
        const pf = kubectlAsync(c, version, ['-n', ns, 'port-forward', 'pod/web', `:${port}`]);
        const out = await pf.waitFor(new RegExp(`Forwarding from 127\\.0\\.0\\.1:(\\d+) -> ${port}`));
        const local = Number(new RegExp(`Forwarding from 127\\.0\\.0\\.1:(\\d+) -> ${port}`).exec(out)?.[1]);
        assert.equal(await eventually(async () => (await httpGet(local).catch(() => undefined))?.trim() || undefined, 'HTTP answer'), `hello-${ns}`);
        assert.equal((await httpGet(local)).trim(), `hello-${ns}`);
        pf.stop();
        await finished(pf);
      });

      test('describe shows liveness probe failures and the restarts they cause', async () => {
        apply(
          'unhealthy',
          podYaml({
            name: 'unhealthy',
            namespace: ns,
            script: 'while true; do sleep 1; done',
            extraContainer: '    livenessProbe:\n      exec:\n        command: ["sh", "-c", "echo not well; exit 1"]\n      periodSeconds: 1\n      failureThreshold: 1\n',
          }),
        );
        const described = await eventually(() => {
          const d = k('describe', 'pod', 'unhealthy').stdout;
          return /Restart Count:\s+[1-9]/.test(d) && /Liveness probe failed/.test(d) ? d : undefined;
        }, 'probe failure and restart in describe', 60_000);
        assert.match(described, /Warning\s+Unhealthy\s.*Liveness probe failed: not well/);
        assert.match(described, /Normal\s+Killing\s.*Container main failed liveness probe, will be restarted/);
      });

      test('delete runs preStop, then TERM, within the grace period', async () => {
        const mark = join(c.dataDir, `prestop-${ns}`);
        apply(
          'graceful',
          podYaml({
            name: 'graceful',
            namespace: ns,
            script: `trap 'echo term >> ${mark}; exit 0' TERM; while true; do sleep 1; done`,
            extraContainer: `    lifecycle:\n      preStop:\n        exec:\n          command: ["sh", "-c", "echo prestop >> ${mark}"]\n`,
          }),
        );
        await waitRunning('graceful');
        ok(k('delete', 'pod', 'graceful', '--wait=false'), 'delete');
        assert.match(k('get', 'pod', 'graceful').stdout, /Terminating/);
        await eventually(() => (k('get', 'pod', 'graceful').code !== 0 ? true : undefined), 'pod gone', 30_000);
        assert.equal(readFileSync(mark, 'utf8'), 'prestop\nterm\n');
      });

      test('get -w shows Running → Error → CrashLoopBackOff → Running for a crashing container', async () => {
        apply('crasher', podYaml({ name: 'crasher', namespace: ns, script: 'sleep 1; exit 1' }));
        const watch = kubectlAsync(c, version, ['-n', ns, 'get', 'pod', 'crasher', '-w', '--no-headers']);
        const out = await watch.waitFor(/Running[\s\S]*Error[\s\S]*CrashLoopBackOff[\s\S]*Running/, 60_000);
        watch.stop();
        await finished(watch);
        const seen = out.split('\n').map((l) => l.trim().split(/\s+/)[2]).filter((s): s is string => Boolean(s));
        const i = seen.indexOf('Running');
        const j = seen.indexOf('Error', i);
        const kk = seen.indexOf('CrashLoopBackOff', j);
        assert.ok(i >= 0 && j > i && kk > j && seen.indexOf('Running', kk) > kk, `statuses seen: ${seen.join(' ')}`);
      });
    });
  }
});

/** `k8ts sim`: simulated nodes that keep heartbeating while the real node goes silent. */
async function startSim(c: TestCluster, o: { count: number; prefix: string }): Promise<Agent> {
  const token = readFileSync(join(c.dataDir, 'token'), 'utf8').trim();
  const args = [join(root, 'bin/k8ts.js'), 'sim', '--server', c.url, '--token', token, '--nodes', String(o.count), '--name-prefix', o.prefix, '--node-status-update-frequency', '1'];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await eventually(() => {
    if (child.exitCode !== null) throw new Error(`k8ts sim exited:\n${output}`);
    return output.includes('simulated node(s) running') ? true : undefined;
  }, `k8ts sim running:\n${output}`, 30_000);
  return {
    output: () => output,
    async signal(sig) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(sig);
      await exited;
    },
  };
}

describe('a node that stops heartbeating', () => {
  let c: TestCluster;
  let agent: Agent | undefined;
  let sim: Agent | undefined;
  let killed = false;
  const v = versions[versions.length - 1] ?? '1.33';
  const dataDir = (): string => join(c.dataDir, 'agent');
  const extra = ['--node-status-update-frequency', '1'];
  const k = (...args: string[]): KubectlResult => c.kubectl(v, args);

  before(async () => {
    c = await startCluster({ extraArgs: serverArgs(['--node-monitor-grace-period', '5']) });
    // With every node of a zone silent Kubernetes stops evicting (full disruption): a healthy
    // simulated node keeps the zone's state Normal, as in a real cluster.
    sim = await startSim(c, { count: 1, prefix: 'e2e-sim-' });
  });

  after(async () => {
    // The pod's process outlives a killed agent: a new agent over the same state removes it.
    if (killed) agent = await startAgent(c, { nodeName: NODE, dataDir: dataDir(), extra }).catch(() => undefined);
    k('delete', 'pods', '--all', '--grace-period=1', '--wait=true', '--timeout=30s');
    await agent?.signal('SIGTERM');
    await sim?.signal('SIGTERM');
    await c?.stop();
  });

  test('SIGKILL of the agent: the node goes NotReady and a pod tolerating it for 2 s is evicted; a restarted agent finishes it', async () => {
    mkdirSync(dataDir(), { recursive: true });
    agent = await startAgent(c, { nodeName: NODE, dataDir: dataDir(), extra });
    const tolerations = ['unreachable', 'not-ready'].map((t) => `  - key: node.kubernetes.io/${t}\n    operator: Exists\n    effect: NoExecute\n    tolerationSeconds: 2\n`).join('');
    ok(k('apply', '-f', manifestFile(c, 'evictee.yaml', podYaml({ name: 'evictee', namespace: 'default', script: 'while true; do sleep 1; done', extraSpec: `  tolerations:\n${tolerations}` }))), 'apply');
    await eventually(() => (k('get', 'pod', 'evictee', '-o', 'jsonpath={.status.phase}').stdout === 'Running' ? true : undefined), 'evictee Running', 30_000);

    await agent.signal('SIGKILL');
    killed = true;
    await eventually(() => {
      const line = k('get', 'nodes', '--no-headers').stdout.split('\n').find((l) => l.startsWith(`${NODE} `));
      return line && /\sNotReady\s/.test(line) ? line : undefined;
    }, 'node NotReady', 30_000);
    assert.equal(k('get', 'node', NODE, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}').stdout, 'Unknown');
    assert.match(k('get', 'node', 'e2e-sim-0', '--no-headers').stdout, /\sReady\s/);
    await eventually(() => {
      const r = k('get', 'pod', 'evictee', '-o', 'jsonpath={.metadata.deletionTimestamp}');
      return r.code !== 0 || r.stdout !== '' ? true : undefined;
    }, 'evictee deleted', 30_000);

    // The container outlived its kubelet; a new agent over the same state finishes the deletion.
    agent = await startAgent(c, { nodeName: NODE, dataDir: dataDir(), extra });
    killed = false;
    await eventually(() => (k('get', 'pod', 'evictee').code !== 0 ? true : undefined), 'evictee gone', 30_000);
    await eventually(() => (/\sReady\s/.test(k('get', 'node', NODE, '--no-headers').stdout) ? true : undefined), 'node Ready again', 30_000);
  });
});
