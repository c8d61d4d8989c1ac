import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { podSummary } from '../apiserver/tables/pod-status.js';
import { FakeRuntime } from './runtime/fake/fake-runtime.js';
import { eventsFor, startKubeletHarness } from './testing.js';

const NODES = { group: '', version: 'v1', resource: 'nodes' } as const;
const LEASES = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' } as const;

function cond(pod: Pod, type: string): string | undefined {
  return pod.status?.conditions?.find((c) => c.type === type)?.status;
}

test('the node registers with capacity, labels, conditions and renews its lease', async () => {
  const h = await startKubeletHarness({ kubelet: { nodeLabels: { 'node-role.kubernetes.io/worker': '' }, registerWithTaints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }], kubeletPort: 10555 } });
  try {
    const node = await h.client.resource<Node>(NODES).get(h.nodeName);
    assert.equal(node.metadata?.labels?.['kubernetes.io/hostname'], h.nodeName);
    assert.equal(node.metadata?.labels?.['kubernetes.io/os'], 'linux');
    assert.ok(node.metadata?.labels?.['beta.kubernetes.io/arch']);
    assert.equal(node.metadata?.labels?.['node-role.kubernetes.io/worker'], '');
    assert.deepEqual(node.spec?.taints, [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }]);
    assert.equal(node.status?.capacity?.['cpu'], '4');
    assert.equal(node.status?.capacity?.['pods'], '110');
    assert.equal(node.status?.capacity?.['memory'], `${8 * 1024 * 1024}Ki`);
    assert.equal(node.status?.allocatable?.['memory'], `${8 * 1024 * 1024 - 100 * 1024}Ki`);
    assert.equal(node.status?.nodeInfo?.kubeletVersion, 'v1.33.0');
    assert.equal(node.status?.nodeInfo?.containerRuntimeVersion, 'k8ts-fake://0.1.0');
    assert.equal(node.status?.daemonEndpoints?.kubeletEndpoint?.Port, 10555);
    assert.deepEqual(node.status?.conditions?.map((c) => [c.type, c.status, c.reason]), [
      ['MemoryPressure', 'False', 'KubeletHasSufficientMemory'],
      ['DiskPressure', 'False', 'KubeletHasNoDiskPressure'],
      ['PIDPressure', 'False', 'KubeletHasSufficientPID'],
      ['Ready', 'True', 'KubeletReady'],
    ]);
    assert.deepEqual(node.status?.addresses?.[0], { type: 'InternalIP', address: '127.0.0.1' });

    const leases = h.client.resource<Lease>(LEASES, 'kube-node-lease');
    const first = await h.waitFor('lease', () => leases.get(h.nodeName).catch(() => undefined));
    assert.equal(first.spec?.holderIdentity, h.nodeName);
    assert.equal(first.spec?.leaseDurationSeconds, 40);
    assert.equal(first.metadata?.ownerReferences?.[0]?.kind, 'Node');
    assert.match(first.spec?.renewTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    await h.waitFor('lease renewal', async () => (await leases.get(h.nodeName)).spec?.renewTime !== first.spec?.renewTime);
  } finally {
    await h.close();
  }
});

test('a pod runs with the status Kubernetes writes', async () => {
  const h = await startKubeletHarness();
  try {
    await h.createPod({
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: { containers: [{ name: 'main', image: 'nginx:1.27', resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '100m', memory: '64Mi' } } }] },
    });
    const pod = await h.waitForPod('web', (p) => p.status?.phase === 'Running' && cond(p, 'Ready') === 'True');
    const s = pod.status ?? {};
    assert.deepEqual(s.conditions?.map((c) => [c.type, c.status]), [
      ['PodReadyToStartContainers', 'True'],
      ['Initialized', 'True'],
      ['Ready', 'True'],
      ['ContainersReady', 'True'],
      ['PodScheduled', 'True'],
    ]);
    assert.equal(s.hostIP, '127.0.0.1');
    assert.deepEqual(s.hostIPs, [{ ip: '127.0.0.1' }]);
    assert.match(s.podIP ?? '', /^10\.244\./);
    assert.equal(s.qosClass, 'Guaranteed');
    assert.ok(s.startTime);
    const cs = s.containerStatuses?.[0];
    assert.equal(cs?.name, 'main');
    assert.equal(cs?.ready, true);
    assert.equal(cs?.started, true);
    assert.equal(cs?.restartCount, 0);
    assert.equal(cs?.image, 'nginx:1.27');
    assert.ok(cs?.imageID);
    assert.match(cs?.containerID ?? '', /^fake:\/\//);
    assert.ok(cs?.state?.running?.startedAt);
    assert.deepEqual(cs?.lastState, {});
    assert.deepEqual(podSummary(pod, Date.now()), { ready: '1/1', status: 'Running', restarts: '0' });
    const reasons = eventsFor(h, 'web').map((e) => e.reason);
    assert.deepEqual(reasons.filter((r) => r !== 'Pulling'), ['Pulled', 'Created', 'Started']);
  } finally {
    await h.close();
  }
});

test('a crashing container restarts at once, then backs off: Running → Error → CrashLoopBackOff → Running', async () => {
  const h = await startKubeletHarness();
  try {
    await h.createPod({ metadata: { name: 'crash', annotations: { 'fake.k8ts.io/exit-after-ms': '150', 'fake.k8ts.io/exit-code': '1' } }, spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] } });
    const seen: string[] = [];
    const stop = new AbortController();
    const watching = (async () => {
      for await (const ev of h.client.resource<Pod>({ group: '', version: 'v1', resource: 'pods' }, 'default').watch({ fieldSelector: 'metadata.name=crash' }, stop.signal)) {
        if (ev.type === 'ERROR') continue;
        const st = podSummary(ev.object, Date.now()).status;
        if (seen[seen.length - 1] !== st) seen.push(st);
      }
    })();
    const looping = await h.waitForPod('crash', (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff');
    const cs = looping.status?.containerStatuses?.[0];
    assert.match(cs?.state?.waiting?.message ?? '', /^back-off 600ms restarting failed container=main pod=crash_default\(.+\)$/);
    assert.equal(cs?.lastState?.terminated?.exitCode, 1);
    assert.equal(cs?.lastState?.terminated?.reason, 'Error');
    assert.ok((cs?.restartCount ?? 0) >= 1);
    await h.waitForPod('crash', (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2 && p.status?.containerStatuses?.[0]?.state?.running !== undefined);
    stop.abort();
    await watching.catch(() => undefined);
    const from = seen.indexOf('Running');
    assert.ok(from >= 0, seen.join(','));
    const tail = seen.slice(from);
    assert.deepEqual(tail.slice(0, 3), ['Running', 'Error', 'Running'], seen.join(','));
    const clb = tail.indexOf('CrashLoopBackOff');
    assert.ok(clb > 0 && tail[clb - 1] === 'Error' && tail.slice(clb).includes('Running'), seen.join(','));
    const backoff = eventsFor(h, 'crash').find((e) => e.reason === 'BackOff');
    assert.match(backoff?.message ?? '', /^Back-off restarting failed container main in pod crash_default\(.+\)$/);
  } finally {
    await h.close();
  }
});

test('restartPolicy Never and OnFailure end the pod in Succeeded or Failed', async () => {
  const h = await startKubeletHarness();
  try {
    await h.createPod({ metadata: { name: 'never-fail', annotations: { 'fake.k8ts.io/exit-after-ms': '50', 'fake.k8ts.io/exit-code': '3' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox:1.36' }] } });
    await h.createPod({ metadata: { name: 'never-ok', annotations: { 'fake.k8ts.io/exit-after-ms': '50' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox:1.36' }] } });
    await h.createPod({ metadata: { name: 'onfailure-ok', annotations: { 'fake.k8ts.io/exit-after-ms': '50' } }, spec: { restartPolicy: 'OnFailure', containers: [{ name: 'main', image: 'busybox:1.36' }] } });
    const failed = await h.waitForPod('never-fail', (p) => p.status?.phase === 'Failed');
    const t = failed.status?.containerStatuses?.[0]?.state?.terminated;
    assert.equal(t?.exitCode, 3);
    assert.equal(t?.reason, 'Error');
    assert.equal(failed.status?.containerStatuses?.[0]?.restartCount, 0);
    assert.equal(podSummary(failed, Date.now()).status, 'Error');
    // Its sandbox is stopped (no address any more); the pod keeps the IP it ran with.
    assert.match(failed.status?.podIP ?? '', /^10\.244\./);
    const stopped = await h.waitForPod('never-fail', (p) => p.status?.conditions?.find((c) => c.type === 'PodReadyToStartContainers')?.status === 'False');
    assert.match(stopped.status?.podIP ?? '', /^10\.244\./);
    assert.deepEqual(stopped.status?.podIPs, [{ ip: stopped.status?.podIP }]);
    const ok = await h.waitForPod('never-ok', (p) => p.status?.phase === 'Succeeded');
    assert.equal(podSummary(ok, Date.now()).status, 'Completed');
    assert.equal(ok.status?.conditions?.find((c) => c.type === 'Ready')?.reason, 'PodCompleted');
    await h.waitForPod('onfailure-ok', (p) => p.status?.phase === 'Succeeded');
    // A container that cannot start ends the pod in the sync that made its sandbox, which is
    // stopped before the first status write; the pod still shows the IP the sandbox had.
    await h.createPod({ metadata: { name: 'instant', annotations: { 'fake.k8ts.io/start-error': 'exec: no such file' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox:1.36' }] } });
    const instant = await h.waitForPod('instant', (p) => p.status?.phase === 'Failed');
    assert.match(instant.status?.podIP ?? '', /^10\.244\./);
  } finally {
    await h.close();
  }
});

test('init containers run one by one to completion before the app containers', async () => {
  const h = await startKubeletHarness();
  try {
    await h.createPod({
      metadata: { name: 'init', annotations: { 'fake.k8ts.io/exit-after-ms.init-a': '100', 'fake.k8ts.io/exit-after-ms.init-b': '100' } },
      spec: { initContainers: [{ name: 'init-a', image: 'busybox:1.36' }, { name: 'init-b', image: 'busybox:1.36' }], containers: [{ name: 'main', image: 'busybox:1.36' }] },
    });
    const initializing = await h.waitForPod('init', (p) => p.status?.initContainerStatuses?.[0]?.state?.running !== undefined);
    assert.equal(podSummary(initializing, Date.now()).status, 'Init:0/2');
    assert.equal(initializing.status?.initContainerStatuses?.[1]?.state?.waiting?.reason, 'PodInitializing');
    assert.equal(initializing.status?.containerStatuses?.[0]?.state?.waiting?.reason, 'PodInitializing');
    assert.equal(initializing.status?.phase, 'Pending');
    assert.equal(cond(initializing, 'Initialized'), 'False');
    assert.match(initializing.status?.conditions?.find((c) => c.type === 'Initialized')?.message ?? '', /^containers with incomplete status: \[init-a init-b\]$/);
    const running = await h.waitForPod('init', (p) => p.status?.phase === 'Running');
    assert.deepEqual(running.status?.initContainerStatuses?.map((s) => [s.state?.terminated?.reason, s.ready]), [['Completed', true], ['Completed', true]]);
    assert.equal(cond(running, 'Initialized'), 'True');
    const started = eventsFor(h, 'init').filter((e) => e.reason === 'Started').map((e) => e.message);
    assert.deepEqual(started, ['Started container init-a', 'Started container init-b', 'Started container main']);
  } finally {
    await h.close();
  }
});

test("a started pod's worker sleeps through the relist that finds its container and the echo of its status; an exit wakes it", async () => {
  /** Counts the sandbox reads each sync of the pod makes. */
  class CountingRuntime extends FakeRuntime {
    reads = 0;
    override podSandboxStatus(id: string): ReturnType<FakeRuntime['podSandboxStatus']> {
      this.reads++;
      return super.podSandboxStatus(id);
    }
  }
  const runtime = new CountingRuntime();
  const h = await startKubeletHarness({ runtime });
  try {
    await h.createPod({ metadata: { name: 'calm' }, spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] } });
    await h.waitForPod('calm', (p) => p.status?.phase === 'Running');
    const afterStart = runtime.reads;
    // Ten relists (every 50 ms) and the status write's echo.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(runtime.reads, afterStart, 'no sync after the one that started the pod');
    const [c] = await runtime.listContainers();
    await runtime.stopContainer(c?.id ?? '', 0);
    await h.waitForPod('calm', (p) => p.status?.containerStatuses?.[0]?.restartCount === 1 && p.status.containerStatuses[0].state?.running !== undefined);
    assert.ok(runtime.reads > afterStart);
  } finally {
    await h.close();
  }
});

test('an ephemeral container added through pods/ephemeralcontainers starts once, shows in ephemeralContainerStatuses and is never restarted', async () => {
  const h = await startKubeletHarness();
  try {
    const annotations = { 'fake.k8ts.io/exit-after-ms.debugger': '150', 'fake.k8ts.io/exit-code.debugger': '3' };
    await h.createPod({ metadata: { name: 'debugged', annotations }, spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] } });
    await h.waitForPod('debugged', (p) => p.status?.phase === 'Running');
    const pods = h.client.resource<Pod>({ group: '', version: 'v1', resource: 'pods' }, 'default');
    await pods.patch('debugged', 'strategic', { spec: { ephemeralContainers: [{ name: 'debugger', image: 'busybox:1.36', targetContainerName: 'main' }] } }, { subresource: 'ephemeralcontainers' });
    const running = await h.waitForPod('debugged', (p) => p.status?.ephemeralContainerStatuses?.[0]?.state?.running !== undefined);
    assert.equal(running.status?.ephemeralContainerStatuses?.[0]?.name, 'debugger');
    assert.equal(running.status?.ephemeralContainerStatuses?.[0]?.ready, false);
    const exited = await h.waitForPod('debugged', (p) => p.status?.ephemeralContainerStatuses?.[0]?.state?.terminated !== undefined);
    assert.equal(exited.status?.ephemeralContainerStatuses?.[0]?.state?.terminated?.exitCode, 3);
    // The pod runs on, Ready, and the ephemeral container is not started again.
    await new Promise((r) => setTimeout(r, 400));
    const later = await h.getPod('debugged');
    assert.equal(later?.status?.phase, 'Running');
    assert.equal(later?.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    assert.equal(later?.status?.ephemeralContainerStatuses?.[0]?.restartCount, 0);
    assert.ok(later?.status?.ephemeralContainerStatuses?.[0]?.state?.terminated);
    assert.equal(later?.status?.containerStatuses?.[0]?.state?.running !== undefined, true);
  } finally {
    await h.close();
  }
});
