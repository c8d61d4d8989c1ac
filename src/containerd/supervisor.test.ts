// A private containerd under supervision: it answers the CRI, and comes back when killed.
// Needs root (containerd); prerequisites are installed through the project's script.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../kubelet/runtime/conformance.js';
import { ContainerdRuntime } from '../kubelet/runtime/containerd/containerd-runtime.js';
import { removeNodeContainerdFootprint } from './cleanup.js';
import { ContainerdSupervisor } from './supervisor.js';

const isRoot = process.getuid?.() === 0;

test('containerd is restarted when it dies, and the CRI client reconnects', { skip: isRoot ? false : 'needs root' }, async () => {
  const install = spawnSync('bash', [fileURLToPath(new URL('../../scripts/install-containerd.sh', import.meta.url))], { encoding: 'utf8' });
  assert.equal(install.status, 0, install.stderr);
  const dir = await mkdtemp(join(tmpdir(), 'k8ts-sup-'));
  const lines: string[] = [];
  const sup = await ContainerdSupervisor.start({ dir, networkName: 'k8ts-sup', bridgeName: 'k8ts-suptest', log: (l) => lines.push(l) });
  const rt = new ContainerdRuntime({ endpoint: sup.endpoint, stateDir: join(dir, 'rt') });
  try {
    assert.equal((await rt.version()).runtimeName, 'containerd');
    const first = sup.pid;
    assert.ok(first);
    process.kill(first, 'SIGKILL');
    await waitFor('a second containerd', () => (sup.starts === 2 && sup.pid !== first ? true : undefined), 20_000);
    assert.equal((await rt.version()).runtimeName, 'containerd');
    assert.ok(lines.some((l) => /exited \(SIGKILL\); restarting/.test(l)), lines.join('\n'));
  } finally {
    await rt.close();
    await sup.stop();
    await removeNodeContainerdFootprint({ dir, bridgeName: 'k8ts-suptest' });
  }
});

test('a containerd left running by a killed earlier run is stopped, and a new one starts', { skip: isRoot ? false : 'needs root' }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'k8ts-sup-'));
  const supervisorUrl = new URL('./supervisor.js', import.meta.url).href;
  // An earlier run: a process that starts containerd, reports its pid, and is then killed outright.
  const script = `const { ContainerdSupervisor } = await import(${JSON.stringify(supervisorUrl)});
const s = await ContainerdSupervisor.start({ dir: ${JSON.stringify(dir)}, networkName: 'k8ts-sup', bridgeName: 'k8ts-suptest' });
console.log(String(s.pid));
setInterval(() => {}, 1000);`;
  const earlier = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const leftover = await new Promise<number>((resolve, reject) => {
    earlier.stdout.on('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    earlier.once('exit', (code) => reject(new Error(`the earlier run exited (${code ?? '?'}) before containerd was ready`)));
  });
  earlier.kill('SIGKILL');
  await new Promise((r) => earlier.once('exit', r));
  assert.doesNotThrow(() => process.kill(leftover, 0), 'containerd outlives its killed parent');

  const lines: string[] = [];
  const sup = await ContainerdSupervisor.start({ dir, networkName: 'k8ts-sup', bridgeName: 'k8ts-suptest', log: (l) => lines.push(l), readyTimeoutMs: 20_000 }).catch(async (err: unknown) => {
    try {
      process.kill(leftover, 'SIGKILL');
    } catch {
      // already gone
    }
    await removeNodeContainerdFootprint({ dir, bridgeName: 'k8ts-suptest' });
    throw err;
  });
  const rt = new ContainerdRuntime({ endpoint: sup.endpoint, stateDir: join(dir, 'rt') });
  try {
    assert.throws(() => process.kill(leftover, 0), 'the leftover containerd is gone');
    assert.notEqual(sup.pid, leftover);
    assert.equal((await rt.version()).runtimeName, 'containerd');
    assert.ok(lines.some((l) => l.includes(`stopping containerd (pid ${leftover}) left running by an earlier run`)), lines.join('\n'));
  } finally {
    await rt.close();
    await sup.stop();
    await removeNodeContainerdFootprint({ dir, bridgeName: 'k8ts-suptest' });
  }
});
