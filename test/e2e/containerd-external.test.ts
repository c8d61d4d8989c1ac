// `k8ts server --container-runtime-endpoint`: the node uses a containerd that something else
// runs (here one the test starts itself, with its own CNI bridge and subnet) instead of
// starting its own. Pods run in that containerd, and stopping k8ts leaves it running.
// Needs root, containerd, runc and the CNI plugins, and the offline images (build-images.sh).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { removeNodeContainerdFootprint } from '../../src/containerd/cleanup.js';
import { bridgeNameFor } from '../../src/containerd/config.js';
import { startNodeContainerd, type NodeContainerd } from '../../src/containerd/node-containerd.js';
import { eventually, manifestFile, startCluster, type KubectlResult, type TestCluster } from './cluster.js';
import { containerdSkipReason, httpGet, prepareTestImages, runningTasks } from './containerd-node.js';

const skip = containerdSkipReason();

const EXTERNAL = `e2e-ext-${process.pid}`;
const NODE = `e2e-ext-node-${process.pid}`;
const SUBNET = '10.84.7';

let ext: NodeContainerd | undefined;
let extDir = '';
let c: TestCluster | undefined;

function k(args: readonly string[]): KubectlResult {
  if (!c) throw new Error('no cluster');
  return c.kubectl('1.33', args);
}

function ok(r: KubectlResult, what: string): string {
  assert.equal(r.code, 0, `${what} failed (${r.code}): ${r.stderr}\n${c?.logs().slice(-2000) ?? ''}`);
  return r.stdout;
}

const extTasks = (): number => (ext ? runningTasks(ext.endpoint.replace(/^unix:\/\//, '')) : 0);

describe('a node on an external containerd (--container-runtime-endpoint)', { skip, concurrency: false, timeout: 300_000 }, () => {
  before(async () => {
    prepareTestImages();
    extDir = mkdtempSync(join(tmpdir(), 'k8ts-e2e-ext-'));
    ext = await startNodeContainerd({ dataDir: extDir, nodeName: EXTERNAL, podCIDR: `${SUBNET}.0/24` });
    c = await startCluster({ extraArgs: ['--runtime', 'containerd', '--container-runtime-endpoint', ext.endpoint, '--node-name', NODE, '--cluster-cidr', '10.84.0.0/16'] });
  });

  after(async () => {
    if (c) {
      k(['delete', 'pods', '--all', '--grace-period=1', '--wait=true', '--timeout=60s']);
      await c.stopKeepingData();
      rmSync(c.dataDir, { recursive: true, force: true });
    }
    if (ext) {
      await eventually(() => (extTasks() === 0 ? true : undefined), 'the external containerd to have no containers', 60_000).catch(() => undefined);
      await ext.close();
      await removeNodeContainerdFootprint({ dir: join(extDir, 'containerd'), bridgeName: bridgeNameFor(EXTERNAL) });
    }
    if (extDir) rmSync(extDir, { recursive: true, force: true });
  });

  test("a pod runs in the external containerd, on that containerd's pod network", async () => {
    ok(
      k(['apply', '-f', manifestFile(c as TestCluster, 'web.yaml', `apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: httpd
    image: busybox:1.35
    command: [busybox, httpd, -f, -p, "80", -h, /etc]
`)]),
      'apply web',
    );
    const pod = await eventually(
      () => {
        const p = JSON.parse(ok(k(['get', 'pod', 'web', '-o', 'json']), 'get web')) as Pod;
        return p.status?.phase === 'Running' && p.status.podIP ? p : undefined;
      },
      'web Running',
      120_000,
    );
    assert.equal(pod.spec?.nodeName, NODE);
    assert.ok(pod.status?.podIP?.startsWith(`${SUBNET}.`), `pod IP ${pod.status?.podIP ?? ''} from the external containerd's subnet`);
    assert.equal((await httpGet(`http://${pod.status?.podIP ?? ''}/hostname`)).trim(), 'web');
    assert.equal(extTasks(), 2, 'the pause and httpd containers run in the external containerd');
    assert.match(c?.logs() ?? '', /using the containerd at unix:\/\/.*--container-runtime-endpoint/);
  });

  test('stopping k8ts leaves the external containerd and its containers running', async () => {
    await c?.stopKeepingData();
    assert.equal(extTasks(), 2);
    const version = spawnSync('ctr', ['--address', (ext?.endpoint ?? '').replace(/^unix:\/\//, ''), 'version'], { encoding: 'utf8' });
    assert.equal(version.status, 0, version.stderr);
    // Bring k8ts back so the cleanup deletes the pod through the API, as a user would.
    if (c) c = await startCluster({ dataDir: c.dataDir, extraArgs: ['--runtime', 'containerd', '--container-runtime-endpoint', ext?.endpoint ?? '', '--node-name', NODE, '--cluster-cidr', '10.84.0.0/16'] });
    await eventually(() => (JSON.parse(ok(k(['get', 'pod', 'web', '-o', 'json']), 'get web')) as Pod).status?.phase === 'Running' || undefined, 'web Running after the restart', 60_000);
  });
});
