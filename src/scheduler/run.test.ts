// The scheduler against a real API server (MemoryStorage, HTTP client): nodes and pods are
// created through the API and bindings, statuses, deletes and events come back through it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, PersistentVolume, PersistentVolumeClaim, Pod, PodSpec, Taint } from 'kubernetes-types/core/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import { findResource, type ResourceInfo } from '../api/resources.js';
import { startApiServer } from '../apiserver/server.js';
import { createClient, type ApiClient, type ObjectLike } from '../client/client.js';
import { HttpTransport } from '../client/http.js';
import type { EventType } from '../events/recorder.js';
import { createLogger } from '../log.js';
import { MemoryStorage } from '../storage/memory/memory.js';
import { startScheduler, type RunningScheduler, type StartSchedulerOptions } from './run.js';

const TOKEN = 'scheduler-test-token';
const NS = 'default';

function resource(plural: string, group = ''): ResourceInfo {
  const r = findResource(group, 'v1', plural);
  assert.ok(r, plural);
  return r;
}
const NODES = resource('nodes');
const PODS = resource('pods');
const PRIORITY_CLASSES = resource('priorityclasses', 'scheduling.k8s.io');

interface Recorded {
  object: ObjectLike;
  type: EventType;
  reason: string;
  message: string;
}

interface Cluster {
  client: ApiClient;
  events: Recorded[];
  /** Starts one more scheduler on the same API server (stopped by close()). */
  startScheduler(options?: Partial<StartSchedulerOptions>): Promise<RunningScheduler>;
  close(): Promise<void>;
}

async function startCluster(options: { scheduler?: Partial<StartSchedulerOptions> | false } = {}): Promise<Cluster> {
  const storage = new MemoryStorage();
  // No serviceaccount controller runs here to make `default` accounts.
  const server = await startApiServer({
    storage,
    port: 0,
    tokens: new Map([[TOKEN, { username: 'system:kube-scheduler', groups: ['system:masters'] }]]),
    serviceAccountAdmission: false,
  });
  const client = createClient(new HttpTransport({ server: server.url, token: TOKEN }));
  const events: Recorded[] = [];
  const stop = new AbortController();
  const schedulers: RunningScheduler[] = [];
  const cluster: Cluster = {
    client,
    events,
    async startScheduler(extra = {}) {
      const running = await startScheduler({
        client,
        recorder: { event: (object, type, reason, message) => void events.push({ object, type, reason, message }) },
        log: createLogger('scheduler', { level: 'error' }),
        signal: stop.signal,
        ...extra,
      });
      schedulers.push(running);
      return running;
    },
    async close() {
      await Promise.all(schedulers.map((s) => s.stop()));
      client.close();
      await server.close();
      await storage.close();
    },
  };
  if (options.scheduler !== false) await cluster.startScheduler(options.scheduler);
  return cluster;
}

async function createNode(client: ApiClient, name: string, opts: { cpu?: string; pods?: string; taints?: Taint[] } = {}): Promise<void> {
  const node: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    spec: { taints: opts.taints },
    status: {
      capacity: { cpu: opts.cpu ?? '4', memory: '16Gi', pods: opts.pods ?? '110' },
      allocatable: { cpu: opts.cpu ?? '4', memory: '16Gi', pods: opts.pods ?? '110' },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
    },
  };
  const created = await client.resource<Node>(NODES).create(node);
  // A create may drop status (as Kubernetes' node strategy may); write it where it did.
  if (!created.status?.allocatable) await client.resource<Node>(NODES).updateStatus({ ...created, status: node.status });
}

async function createPod(client: ApiClient, name: string, cpu: string, extra: Partial<PodSpec> = {}): Promise<void> {
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu, memory: '100Mi' } } }],
      ...extra,
    },
  };
  await client.resource<Pod>(PODS, NS).create(pod);
}

/** Polls `read` until `done` holds; fails with the last value after the deadline. */
async function waitFor<T>(what: string, read: () => Promise<T> | T, done: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  while (!done(last)) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; last: ${JSON.stringify(last)?.slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 20));
    last = await read();
  }
  return last;
}

async function getPod(client: ApiClient, name: string): Promise<Pod | undefined> {
  try {
    return await client.resource<Pod>(PODS, NS).get(name);
  } catch {
    return undefined;
  }
}

const nodeOf = (client: ApiClient, name: string): Promise<string | undefined> => getPod(client, name).then((p) => p?.spec?.nodeName);

function eventsFor(c: Cluster, pod: string, reason: string): Recorded[] {
  return c.events.filter((e) => e.object.metadata?.name === pod && e.reason === reason);
}

test('pods bind through the API, spill over to the next node, and a pod that fits nowhere is reported', async (t) => {
  const c = await startCluster();
  t.after(() => c.close());
  await createNode(c.client, 'node-a', { cpu: '1' });
  await createNode(c.client, 'node-b', { cpu: '1' });
  await createPod(c.client, 'p1', '600m');
  await createPod(c.client, 'p2', '600m');
  const first = await waitFor('p1 bound', () => nodeOf(c.client, 'p1'), (n) => n !== undefined);
  const second = await waitFor('p2 bound', () => nodeOf(c.client, 'p2'), (n) => n !== undefined);
  assert.deepEqual([first, second].sort(), ['node-a', 'node-b']);
  const bound = await getPod(c.client, 'p1');
  assert.equal(bound?.status?.conditions?.find((x) => x.type === 'PodScheduled')?.status, 'True');
  await waitFor('Scheduled event', () => eventsFor(c, 'p1', 'Scheduled'), (e) => e.length > 0);
  assert.equal(eventsFor(c, 'p1', 'Scheduled')[0]?.message, `Successfully assigned default/p1 to ${first}`);

  await createPod(c.client, 'p3', '600m');
  const failed = await waitFor('FailedScheduling', () => eventsFor(c, 'p3', 'FailedScheduling'), (e) => e.length > 0);
  // Kubernetes' wording, double full stop included (the postFilter message ends in one).
  const message =
    '0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod..';
  assert.equal(failed[0]?.type, 'Warning');
  assert.equal(failed[0]?.message, message);
  const pending = await waitFor(
    'PodScheduled=False',
    () => getPod(c.client, 'p3'),
    (p) => p?.status?.conditions?.some((x) => x.type === 'PodScheduled') === true,
  );
  const cond = pending?.status?.conditions?.find((x) => x.type === 'PodScheduled');
  assert.deepEqual({ status: cond?.status, reason: cond?.reason, message: cond?.message }, { status: 'False', reason: 'Unschedulable', message });
  assert.equal(pending?.spec?.nodeName, undefined);

  // A new node is a cluster event that requeues the pod: no polling by the scheduler.
  await createNode(c.client, 'node-c', { cpu: '1' });
  assert.equal(await waitFor('p3 bound', () => nodeOf(c.client, 'p3'), (n) => n !== undefined), 'node-c');
});

test('taints keep pods off a node unless they tolerate them', async (t) => {
  const c = await startCluster();
  t.after(() => c.close());
  await createNode(c.client, 'gpu-1', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });
  await createPod(c.client, 'plain', '100m');
  const failed = await waitFor('FailedScheduling', () => eventsFor(c, 'plain', 'FailedScheduling'), (e) => e.length > 0);
  assert.equal(
    failed[0]?.message,
    '0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling..',
  );
  await createPod(c.client, 'tolerant', '100m', { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] });
  assert.equal(await waitFor('tolerant bound', () => nodeOf(c.client, 'tolerant'), (n) => n !== undefined), 'gpu-1');
  assert.equal(await nodeOf(c.client, 'plain'), undefined);
});

test('preemption deletes a lower-priority pod to make room for a higher-priority one', async (t) => {
  const c = await startCluster();
  t.after(() => c.close());
  const classes = c.client.resource<PriorityClass>(PRIORITY_CLASSES);
  await classes.create({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'low' }, value: 100 });
  await classes.create({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000 });
  await createNode(c.client, 'only', { cpu: '1' });
  await createPod(c.client, 'victim', '800m', { priorityClassName: 'low' });
  await waitFor('victim bound', () => nodeOf(c.client, 'victim'), (n) => n === 'only');

  await createPod(c.client, 'important', '800m', { priorityClassName: 'high' });
  assert.equal(await waitFor('important bound', () => nodeOf(c.client, 'important'), (n) => n !== undefined, 20_000), 'only');
  assert.equal(await getPod(c.client, 'victim'), undefined);
  const preempted = eventsFor(c, 'victim', 'Preempted');
  assert.equal(preempted.length, 1);
  assert.match(preempted[0]?.message ?? '', /^Preempted by pod \S+ on node only$/);
  const failed = eventsFor(c, 'important', 'FailedScheduling');
  assert.equal(failed[0]?.message, '0/1 nodes are available: 1 Insufficient cpu.');
  const nominated = await getPod(c.client, 'important');
  assert.equal(nominated?.status?.nominatedNodeName, undefined);
});

test('a burst of 200 pods onto 5 nodes fills them exactly, never beyond allocatable', async (t) => {
  const c = await startCluster();
  t.after(() => c.close());
  for (let i = 0; i < 5; i++) await createNode(c.client, `n${i}`, { cpu: '4' });
  const pods = c.client.resource<Pod>(PODS, NS);
  const names = Array.from({ length: 200 }, (_, i) => `burst-${i}`);
  await Promise.all(names.map((n) => createPod(c.client, n, '100m')));
  const list = await waitFor(
    'all 200 bound',
    () => pods.list(),
    (l) => l.items.filter((p) => p.spec?.nodeName).length === 200,
    30_000,
  );
  const perNode = new Map<string, number>();
  for (const p of list.items) perNode.set(p.spec?.nodeName ?? '', (perNode.get(p.spec?.nodeName ?? '') ?? 0) + 100);
  assert.deepEqual(Object.fromEntries([...perNode].sort()), { n0: 4000, n1: 4000, n2: 4000, n3: 4000, n4: 4000 });
  assert.equal(c.events.filter((e) => e.reason === 'FailedScheduling').length, 0);
});

test('pods for another scheduler are left alone', async (t) => {
  const c = await startCluster();
  t.after(() => c.close());
  await createNode(c.client, 'n0');
  await createPod(c.client, 'theirs', '100m', { schedulerName: 'other-scheduler' });
  await createPod(c.client, 'ours', '100m');
  await waitFor('ours bound', () => nodeOf(c.client, 'ours'), (n) => n === 'n0');
  assert.equal(await nodeOf(c.client, 'theirs'), undefined);
  assert.equal(eventsFor(c, 'theirs', 'FailedScheduling').length, 0);
});

test('with leader election only the Lease holder schedules, and another takes over when it stops', async (t) => {
  const c = await startCluster({ scheduler: false });
  t.after(() => c.close());
  const election = { leaseDurationMs: 2000, renewDeadlineMs: 1500, retryPeriodMs: 100 };
  const a = await c.startScheduler({ leaderElection: { identity: 'a', ...election } });
  const b = await c.startScheduler({ leaderElection: { identity: 'b', ...election } });
  await createNode(c.client, 'n0');
  await createPod(c.client, 'first', '100m');
  await waitFor('first bound', () => nodeOf(c.client, 'first'), (n) => n === 'n0');
  const leaders = [a, b].filter((s) => s.scheduler !== undefined);
  assert.equal(leaders.length, 1);
  const [leader, follower] = leaders[0] === a ? [a, b] : [b, a];

  await leader.stop();
  await createPod(c.client, 'second', '100m');
  await waitFor('second bound', () => nodeOf(c.client, 'second'), (n) => n === 'n0');
  assert.ok(follower.scheduler);
  const scheduled = c.events.filter((e) => e.reason === 'Scheduled').map((e) => e.object.metadata?.name);
  assert.deepEqual(scheduled.sort(), ['first', 'second']);
});

test('a pod waits for its PersistentVolumeClaim; once the claim is bound to a local volume it goes to that node', async (t) => {
  const c = await startCluster();
  t.after(() => c.close());
  await createNode(c.client, 'n0');
  await createNode(c.client, 'n1');
  await createPod(c.client, 'db', '100m', { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }] });
  const failed = await waitFor('FailedScheduling', () => eventsFor(c, 'db', 'FailedScheduling'), (e) => e.length > 0);
  assert.match(failed[0]?.message ?? '', /^0\/2 nodes are available: persistentvolumeclaim "data" not found\./);
  await c.client.resource<PersistentVolume>(resource('persistentvolumes')).create({
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: 'pv-n1' },
    spec: {
      capacity: { storage: '1Gi' },
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'local',
      local: { path: '/mnt/disk' },
      claimRef: { namespace: NS, name: 'data' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n1'] }] }] } },
    },
  });
  await c.client.resource<PersistentVolumeClaim>(resource('persistentvolumeclaims'), NS).create({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data', namespace: NS },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'local', volumeName: 'pv-n1', resources: { requests: { storage: '1Gi' } } },
  });
  // The claim's arrival requeues the pod at once (no waiting for the periodic flush).
  await waitFor('db bound', () => nodeOf(c.client, 'db'), (n) => n === 'n1', 5000);
});
