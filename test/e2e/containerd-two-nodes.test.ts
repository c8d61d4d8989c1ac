// Two containerd nodes on one machine: `k8ts server --runtime containerd` and a `k8ts agent
// --runtime containerd` with its own data dir, containerd, bridge and podCIDR. Pods on the two
// nodes reach each other and the host reaches both. Needs root, containerd, runc and the CNI
// plugins (scripts/install-containerd.sh) and the offline images (build-images.sh).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { nodeContainerdSocket } from '../../src/cli/images.js';
import { removeNodeContainerdFootprint } from '../../src/containerd/cleanup.js';
import { bridgeNameFor } from '../../src/containerd/config.js';
import { AGENT_WITHOUT_NETWORKING, eventually, manifestFile, startCluster, type KubectlResult, type TestCluster } from './cluster.js';
import { containerdSkipReason, httpGet, killLeftoverShims, prepareTestImages, runningTasks, startContainerdAgent, type TestAgent } from './containerd-node.js';

const skip = containerdSkipReason();

const SERVER_NODE = `e2e-ctrd-a-${process.pid}`;
const AGENT_NODE = `e2e-ctrd-b-${process.pid}`;

let c: TestCluster;
let agentDir = '';
let agent: TestAgent | undefined;

function ok(r: KubectlResult, what: string): string {
  assert.equal(r.code, 0, `${what} failed (${r.code}): ${r.stderr}\n${c.logs().slice(-2000)}\n${agent?.output().slice(-2000) ?? ''}`);
  return r.stdout;
}

const k = (args: readonly string[]): KubectlResult => c.kubectl('1.33', args);

const httpdOn = (name: string, node: string): string => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  terminationGracePeriodSeconds: 1
  nodeSelector: {kubernetes.io/hostname: ${node}}
  containers:
  - name: httpd
    image: busybox:1.35
    command: [busybox, httpd, -f, -p, "80", -h, /etc]
`;

/** Starts (or restarts) the `k8ts agent` node. */
async function startAgent(): Promise<void> {
  agent = await startContainerdAgent(c, { nodeName: AGENT_NODE, dataDir: agentDir, extraArgs: AGENT_WITHOUT_NETWORKING });
}

describe('two containerd nodes on one machine', { skip, concurrency: false, timeout: 300_000 }, () => {
  before(async () => {
    prepareTestImages();
    c = await startCluster({ extraArgs: ['--runtime', 'containerd', '--node-name', SERVER_NODE, '--cluster-cidr', '10.78.0.0/16'] });
    agentDir = mkdtempSync(join(tmpdir(), 'k8ts-e2e-agent-'));
    await startAgent();
  });

  after(async () => {
    if (!c) return;
    k(['delete', 'pods', '--all', '--grace-period=1', '--wait=true', '--timeout=60s']);
    const sockets = [nodeContainerdSocket(c.dataDir), nodeContainerdSocket(agentDir)];
    await eventually(() => (sockets.every((s) => runningTasks(s) === 0) ? true : undefined), 'all containers to stop', 60_000).catch(() => undefined);
    await agent?.stop();
    await c.stopKeepingData();
    for (const [dataDir, node] of [
      [c.dataDir, SERVER_NODE],
      [agentDir, AGENT_NODE],
    ] as const) {
      const dir = join(dataDir, 'agent', 'runtime', 'containerd', 'containerd');
      killLeftoverShims(dir);
      await removeNodeContainerdFootprint({ dir, bridgeName: bridgeNameFor(node) });
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('each node gets its own podCIDR and is Ready', async () => {
    const nodes = await eventually(
      () => {
        const items = (JSON.parse(ok(k(['get', 'nodes', '-o', 'json']), 'get nodes')) as { items: Node[] }).items;
        const ready = items.filter((n) => n.spec?.podCIDR && n.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'));
        return ready.length === 2 ? ready : undefined;
      },
      'two Ready nodes with podCIDRs',
      30_000,
    );
    const cidrs = nodes.map((n) => n.spec?.podCIDR);
    assert.equal(new Set(cidrs).size, 2, `distinct podCIDRs: ${cidrs.join(' ')}`);
    for (const n of nodes) assert.match(n.status?.nodeInfo?.containerRuntimeVersion ?? '', /^containerd:\/\//);
  });

  test('pods on different nodes reach each other and the host reaches both', async () => {
    ok(k(['apply', '-f', manifestFile(c, 'a.yaml', httpdOn('web-a', SERVER_NODE))]), 'apply web-a');
    ok(k(['apply', '-f', manifestFile(c, 'b.yaml', httpdOn('web-b', AGENT_NODE))]), 'apply web-b');
    const [a, b] = await eventually(
      () => {
        const ps = ['web-a', 'web-b'].map((n) => JSON.parse(ok(k(['get', 'pod', n, '-o', 'json']), `get ${n}`)) as Pod);
        return ps.every((p) => p.status?.phase === 'Running' && p.status.podIP) ? ps : undefined;
      },
      'both pods running',
      120_000,
    );
    assert.equal(a?.spec?.nodeName, SERVER_NODE);
    assert.equal(b?.spec?.nodeName, AGENT_NODE);
    const ipA = a?.status?.podIP ?? '';
    const ipB = b?.status?.podIP ?? '';
    assert.match(ipA, /^10\.78\./);
    assert.match(ipB, /^10\.78\./);
    assert.notEqual(ipA.split('.').slice(0, 3).join('.'), ipB.split('.').slice(0, 3).join('.'), 'different node subnets');
    assert.equal((await httpGet(`http://${ipA}/hostname`)).trim(), 'web-a');
    assert.equal((await httpGet(`http://${ipB}/hostname`)).trim(), 'web-b');
    assert.equal(ok(k(['exec', 'web-a', '--', 'sh', '-c', `timeout 5 wget -qO- http://${ipB}/hostname`]), 'a → b').trim(), 'web-b');
    assert.equal(ok(k(['exec', 'web-b', '--', 'sh', '-c', `timeout 5 wget -qO- http://${ipA}/hostname`]), 'b → a').trim(), 'web-a');
  });

  test('restarting the k8ts agent keeps its containers: same container IDs, no restarts', async () => {
    const before = JSON.parse(ok(k(['get', 'pod', 'web-b', '-o', 'json']), 'get web-b')) as Pod;
    const id = before.status?.containerStatuses?.[0]?.containerID ?? '';
    assert.match(id, /^containerd:\/\//);
    await agent?.stop();
    // With the agent (and its containerd) gone, the container goes on serving.
    const ip = before.status?.podIP ?? '';
    assert.equal((await httpGet(`http://${ip}/hostname`)).trim(), 'web-b');
    await startAgent();
    const after = await eventually(
      () => {
        const p = JSON.parse(ok(k(['get', 'pod', 'web-b', '-o', 'json']), 'get web-b')) as Pod;
        const node = JSON.parse(ok(k(['get', 'node', AGENT_NODE, '-o', 'json']), 'get node')) as Node;
        const nodeReady = node.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True');
        return nodeReady && p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.ready ? p : undefined;
      },
      'web-b Running and Ready again under the restarted agent',
      60_000,
    );
    assert.equal(after.status?.containerStatuses?.[0]?.containerID, id);
    assert.equal(after.status?.containerStatuses?.[0]?.restartCount, 0);
    assert.equal(runningTasks(nodeContainerdSocket(agentDir)) >= 1, true);
    assert.equal((await httpGet(`http://${ip}/hostname`)).trim(), 'web-b');
  });
});
