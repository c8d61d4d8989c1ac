// Controllers, scheduler and kubelet together, driven by the real kubectl: deployments that
// heal, scale, roll and roll back; jobs; cascading deletion; namespace deletion. Pods run on
// the fake (simulated) runtime of the server's embedded node, so this tests the control plane.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, manifestFile, startCluster, waitForNamespaceProvisioned, type KubectlResult, type TestCluster } from './cluster.js';

interface Pod {
  metadata: { name: string; deletionTimestamp?: string; labels?: Record<string, string> };
  spec: { nodeName?: string; containers: { image: string }[] };
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
}
interface List<T> {
  items: T[];
}

const V = '1.33';

function ok(r: KubectlResult, what: string): string {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

const isReady = (p: Pod): boolean => !p.metadata.deletionTimestamp && (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

describe('workloads on a k8ts cluster', () => {
  let c: TestCluster;
  const k = (...args: string[]): KubectlResult => c.kubectl(V, args);
  const pods = async (ns: string, selector: string): Promise<Pod[]> => {
    const r = await c.api('GET', `/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(selector)}`);
    assert.equal(r.status, 200, r.body);
    return (r.json() as List<Pod>).items;
  };
  const readyPods = async (ns: string, selector: string, n: number): Promise<Pod[] | undefined> => {
    const all = await pods(ns, selector);
    const ready = all.filter(isReady);
    return ready.length === n && all.length === n ? ready : undefined;
  };

  before(async () => {
    c = await startCluster({ extraArgs: ['--runtime', 'fake'] });
    ok(k('create', 'namespace', 'apps'), 'create namespace');
    await waitForNamespaceProvisioned(c, 'apps');
  });
  after(async () => {
    await c?.stop();
  });

  test('a deployment gets its pods scheduled and running; a deleted pod is replaced; scale up and down', async () => {
    ok(k('-n', 'apps', 'create', 'deployment', 'web', '--image=busybox:1.36', '--replicas=3'), 'create deployment');
    ok(k('-n', 'apps', 'rollout', 'status', 'deployment/web', '--timeout=60s'), 'rollout status');
    const first = await eventually(() => readyPods('apps', 'app=web', 3), '3 ready pods');
    for (const p of first) assert.ok(p.spec.nodeName, `${p.metadata.name} is bound to a node`);
    const node = ok(k('describe', 'node', first[0]?.spec.nodeName ?? ''), 'describe node');
    assert.match(node, /^\s+Ready\s+True\s.*KubeletReady/m);
    assert.match(node, /^Non-terminated Pods:\s+\(3 in total\)$/m);
    assert.match(node, /^\s+cpu\s+0 \(0%\)\s+0 \(0%\)$/m);
    assert.match(node, /Normal\s+Starting\s.*kubelet\s+Starting kubelet\./);

    const victim = first[0]?.metadata.name ?? '';
    ok(k('-n', 'apps', 'delete', 'pod', victim), 'delete pod');
    const healed = await eventually(async () => {
      const ps = await readyPods('apps', 'app=web', 3);
      return ps && !ps.some((p) => p.metadata.name === victim) ? ps : undefined;
    }, 'the deleted pod to be replaced', 30_000);
    assert.equal(healed.length, 3);

    ok(k('-n', 'apps', 'scale', 'deployment', 'web', '--replicas=5'), 'scale up');
    await eventually(() => readyPods('apps', 'app=web', 5), '5 ready pods', 30_000);
    ok(k('-n', 'apps', 'scale', 'deployment', 'web', '--replicas=2'), 'scale down');
    await eventually(() => readyPods('apps', 'app=web', 2), '2 ready pods', 30_000);
    ok(k('-n', 'apps', 'scale', 'deployment', 'web', '--replicas=4'), 'scale back');
    ok(k('-n', 'apps', 'rollout', 'status', 'deployment/web', '--timeout=60s'), 'rollout status after scaling');
  });

  test('set image rolls out without going below replicas - maxUnavailable; rollout undo brings the old template back', async () => {
    // maxUnavailable 25% of 4 = 1: at every moment at least 3 ready pods.
    const r = await c.api('GET', '/api/v1/namespaces/apps/pods?labelSelector=app%3Dweb');
    const rv = (r.json() as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    const ready = new Map<string, boolean>();
    for (const p of (r.json() as List<Pod>).items) ready.set(p.metadata.name, isReady(p));
    let minReady = Infinity;
    const watch = c.watch(`/api/v1/namespaces/apps/pods?labelSelector=app%3Dweb&watch=true&resourceVersion=${rv}`, (ev) => {
      const p = ev.object as Pod;
      if (ev.type === 'DELETED') ready.delete(p.metadata.name);
      else ready.set(p.metadata.name, isReady(p));
      minReady = Math.min(minReady, [...ready.values()].filter(Boolean).length);
    });
    try {
      ok(k('-n', 'apps', 'set', 'image', 'deployment/web', 'busybox=busybox:1.37'), 'set image');
      ok(k('-n', 'apps', 'rollout', 'status', 'deployment/web', '--timeout=90s'), 'rollout status');
      const rolled = await eventually(() => readyPods('apps', 'app=web', 4), '4 ready pods after the rollout', 30_000);
      for (const p of rolled) assert.equal(p.spec.containers[0]?.image, 'busybox:1.37');
    } finally {
      watch.close();
    }
    assert.ok(minReady >= 3, `ready pods dropped to ${minReady} during the rollout (maxUnavailable 1 of 4)`);

    const history = ok(k('-n', 'apps', 'rollout', 'history', 'deployment/web'), 'rollout history');
    assert.match(history, /^1\s/m);
    assert.match(history, /^2\s/m);
    ok(k('-n', 'apps', 'rollout', 'undo', 'deployment/web'), 'rollout undo');
    ok(k('-n', 'apps', 'rollout', 'status', 'deployment/web', '--timeout=90s'), 'rollout status after undo');
    const back = await eventually(async () => {
      const ps = await readyPods('apps', 'app=web', 4);
      return ps?.every((p) => p.spec.containers[0]?.image === 'busybox:1.36') ? ps : undefined;
    }, 'pods back on busybox:1.36', 30_000);
    assert.equal(back.length, 4);
  });

  test('a job with completions 5 and parallelism 2 completes; a failing job fails after its backoff limit', async () => {
    const job = (name: string, spec: string, annotations: string): string =>
      manifestFile(
        c,
        `${name}.yaml`,
        `apiVersion: batch/v1
kind: Job
metadata: {name: ${name}, namespace: apps}
spec:
${spec}
  template:
    metadata:
      annotations: {${annotations}}
    spec:
      restartPolicy: Never
      containers: [{name: work, image: busybox:1.36, command: ["sh", "-c", "echo done"]}]
`,
      );
    ok(k('apply', '-f', job('batch', '  completions: 5\n  parallelism: 2', 'fake.k8ts.io/exit-after-ms: "100"')), 'create job');
    ok(k('-n', 'apps', 'wait', '--for=condition=complete', 'job/batch', '--timeout=60s'), 'wait complete');
    const done = (await c.api('GET', '/apis/batch/v1/namespaces/apps/jobs/batch')).json() as { status: { succeeded: number } };
    assert.equal(done.status.succeeded, 5);

    ok(k('apply', '-f', job('broken', '  backoffLimit: 0', 'fake.k8ts.io/exit-after-ms: "50", fake.k8ts.io/exit-code: "1"')), 'create failing job');
    ok(k('-n', 'apps', 'wait', '--for=condition=failed', 'job/broken', '--timeout=60s'), 'wait failed');
    const failed = (await c.api('GET', '/apis/batch/v1/namespaces/apps/jobs/broken')).json() as { status: { conditions: { type: string; reason: string }[] } };
    assert.ok(failed.status.conditions.some((x) => x.type === 'Failed' && x.reason === 'BackoffLimitExceeded'));
  });

  test('deleting a deployment removes its replica sets and pods; --cascade=orphan keeps them', async () => {
    ok(k('-n', 'apps', 'create', 'deployment', 'gone', '--image=busybox:1.36', '--replicas=2'), 'create');
    await eventually(() => readyPods('apps', 'app=gone', 2), '2 ready pods', 30_000);
    ok(k('-n', 'apps', 'delete', 'deployment', 'gone'), 'delete deployment');
    await eventually(async () => ((await pods('apps', 'app=gone')).length === 0 ? true : undefined), 'pods of a deleted deployment to go', 30_000);
    const rs = (await c.api('GET', '/apis/apps/v1/namespaces/apps/replicasets?labelSelector=app%3Dgone')).json() as List<unknown>;
    assert.equal(rs.items.length, 0);

    ok(k('-n', 'apps', 'create', 'deployment', 'kept', '--image=busybox:1.36', '--replicas=2'), 'create');
    await eventually(() => readyPods('apps', 'app=kept', 2), '2 ready pods', 30_000);
    ok(k('-n', 'apps', 'delete', 'deployment', 'kept', '--cascade=orphan'), 'delete --cascade=orphan');
    const orphans = (await c.api('GET', '/apis/apps/v1/namespaces/apps/replicasets?labelSelector=app%3Dkept')).json() as List<{ metadata: { ownerReferences?: unknown[] } }>;
    assert.equal(orphans.items.length, 1);
    assert.equal(orphans.items[0]?.metadata.ownerReferences, undefined);
    assert.equal((await readyPods('apps', 'app=kept', 2))?.length, 2);
  });

  test('deleting a namespace removes everything in it', async () => {
    ok(k('create', 'namespace', 'doomed'), 'create namespace');
    await waitForNamespaceProvisioned(c, 'doomed');
    ok(k('-n', 'doomed', 'create', 'deployment', 'd', '--image=busybox:1.36', '--replicas=2'), 'create deployment');
    ok(k('-n', 'doomed', 'create', 'configmap', 'cm', '--from-literal=a=b'), 'create configmap');
    await eventually(() => readyPods('doomed', 'app=d', 2), '2 ready pods', 30_000);
    ok(k('delete', 'namespace', 'doomed', '--timeout=60s'), 'delete namespace');
    assert.equal((await c.api('GET', '/api/v1/namespaces/doomed')).status, 404);
    const left = (await c.api('GET', '/api/v1/pods?fieldSelector=metadata.namespace%3Ddoomed')).json() as List<unknown>;
    assert.equal(left.items.length, 0);
  });
});

/** `k8ts sim` with one simulated node (its own heartbeats and status), until stopped. */
async function startSimNode(c: TestCluster, prefix: string): Promise<{ kill(): Promise<void> }> {
  const root = new URL('../../', import.meta.url).pathname;
  const token = readFileSync(join(c.dataDir, 'token'), 'utf8').trim();
  const child = spawn(
    process.execPath,
    [join(root, 'bin/k8ts.js'), 'sim', '--server', c.url, '--token', token, '--nodes', '1', '--name-prefix', prefix, '--node-status-update-frequency', '1'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let output = '';
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await eventually(() => {
    if (child.exitCode !== null) throw new Error(`k8ts sim exited:\n${output}`);
    return output.includes('simulated node(s) running') ? true : undefined;
  }, 'k8ts sim running', 30_000);
  return {
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

describe('a node that dies', () => {
  let c: TestCluster;
  const sims: { kill(): Promise<void> }[] = [];

  before(async () => {
    c = await startCluster({ extraArgs: ['--disable', 'agent', '--node-monitor-grace-period', '5'] });
    sims.push(await startSimNode(c, 'alive-'), await startSimNode(c, 'doomed-'));
  });
  after(async () => {
    for (const sim of sims) await sim.kill();
    await c?.stop();
  });

  test('its pods move to a healthy node (5 s detection, 2 s toleration)', async () => {
    const manifest = manifestFile(
      c,
      'spread.yaml',
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: spread, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: spread}}
  template:
    metadata: {labels: {app: spread}}
    spec:
      topologySpreadConstraints:
      - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchLabels: {app: spread}}}
      tolerations:
      - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
      - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
      containers: [{name: c, image: busybox:1.36}]
`,
    );
    ok(c.kubectl(V, ['apply', '-f', manifest]), 'apply');
    const list = async (): Promise<Pod[]> => ((await c.api('GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dspread')).json() as List<Pod>).items;
    const placed = await eventually(async () => {
      const ps = (await list()).filter(isReady);
      return ps.length === 2 && new Set(ps.map((p) => p.spec.nodeName)).size === 2 ? ps : undefined;
    }, 'one ready pod on each node', 30_000);
    assert.ok(placed.some((p) => p.spec.nodeName === 'doomed-0'));

    await sims[1]?.kill();
    const moved = await eventually(async () => {
      const live = (await list()).filter((p) => isReady(p) && p.spec.nodeName === 'alive-0');
      return live.length === 2 ? live : undefined;
    }, 'both replicas ready on the healthy node', 60_000);
    assert.equal(moved.length, 2);
    const node = (await c.api('GET', '/api/v1/nodes/doomed-0')).json() as { spec: { taints?: { key: string }[] } };
    assert.ok(node.spec.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable'));
  });
});
