// Shared by the e2e files that run real containerd: when to skip, reading a node containerd's
// tasks, cleaning up shims, and small HTTP helpers.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { runtimeAvailability } from '../../src/node/runtimes.js';
import { eventually, KUBECTL_DIR, terminate, type TestCluster } from './cluster.js';

const root = new URL('../../', import.meta.url).pathname;

/** Why containerd e2e tests cannot run here (not root, no containerd…), or false. */
export function containerdSkipReason(): string | false {
  const containerd = runtimeAvailability().find((a) => a.name === 'containerd');
  if (containerd && !containerd.available) return containerd.reason;
  return existsSync(join(KUBECTL_DIR, 'kubectl.1.33')) ? false : 'kubectl 1.33 is not installed';
}

/** How many tasks run in the k8s.io namespace of the containerd at `socket` (0 when it is gone). */
export function runningTasks(socket: string): number {
  if (!existsSync(socket)) return 0;
  const out = execFileSync('ctr', ['--address', socket, '--namespace', 'k8s.io', 'tasks', 'ls'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes('RUNNING')).length;
}

/** Kills containerd shims left over from the containerd under `dir` (after a failed test). */
export function killLeftoverShims(dir: string): void {
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      if (cmd.includes('containerd-shim') && cmd.includes(dir)) process.kill(Number(p), 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

/** The body of a GET, failing after 5 s. */
export function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

/** A TCP port free on every address right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '0.0.0.0', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Builds the offline test images (scripts/images/build-images.sh); with `registry`, first starts
 * the local registry and pushes the images there too.
 */
export function prepareTestImages(registry?: string): void {
  const steps: [string, string[]][] = registry
    ? [
        ['scripts/images/registry.sh', ['start']],
        ['scripts/images/build-images.sh', ['--push', registry]],
      ]
    : [['scripts/images/build-images.sh', []]];
  for (const [script, args] of steps) {
    const r = spawnSync('bash', [join(root, script), ...args], { encoding: 'utf8', timeout: 300_000 });
    assert.equal(r.status, 0, `${script} failed: ${r.stderr}`);
  }
}

export interface TestAgent {
  readonly child: ChildProcess;
  /** Everything the agent printed so far. */
  output(): string;
  /** SIGTERM (SIGKILL after 15 s) and wait for the exit; containers keep running. */
  stop(): Promise<void>;
}

/** Joins a `k8ts agent --runtime containerd` node to `c` and waits until its pod network is configured. */
export async function startContainerdAgent(c: TestCluster, o: { nodeName: string; dataDir: string; extraArgs?: readonly string[] }): Promise<TestAgent> {
  const token = readFileSync(join(c.dataDir, 'token'), 'utf8').trim();
  const args = ['agent', '--server', c.url, '--token', token, '--node-name', o.nodeName, '--runtime', 'containerd', '--data-dir', o.dataDir, '--node-ip', '127.0.0.1', '--kubelet-port', '0', ...(o.extraArgs ?? [])];
  const child = spawn(process.execPath, [join(root, 'bin/k8ts.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const agent: TestAgent = {
    child,
    output: () => output,
    stop: () => terminate(child, 15_000),
  };
  await eventually(() => {
    if (child.exitCode !== null) throw new Error(`k8ts agent exited:\n${output}`);
    return output.includes('pod network configured') ? true : undefined;
  }, `the agent's pod network`, 60_000);
  return agent;
}
