import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { realClock } from '../informer/clock.js';
import { createLogger } from '../log.js';
import type { PodRecord } from './context.js';
import { Pleg } from './pleg.js';
import { runtimeMark, settledMark, type PodRuntimeState } from './runtime-state.js';
import { FakeRuntime } from './runtime/fake/fake-runtime.js';
import { containerConfig, type ContainerStatus, type SandboxStatus } from './runtime/runtime.js';
import { isOwnStatusEcho } from './status-manager.js';

const sandbox = (id: string, state: SandboxStatus['state']): SandboxStatus => ({ id, name: 'p', namespace: 'default', uid: 'u', attempt: 0, state, createdAt: 1, labels: {}, annotations: {} });
const container = (id: string, state: ContainerStatus['state'], sandboxId = 's1'): ContainerStatus => ({
  id,
  sandboxId,
  name: 'c',
  attempt: 0,
  state,
  image: 'busybox',
  imageRef: 'busybox',
  createdAt: 1,
  startedAt: 0,
  finishedAt: 0,
  exitCode: 0,
  reason: '',
  message: '',
  logPath: '',
  labels: {},
  annotations: {},
});
const state = (sandboxes: SandboxStatus[], containers: ContainerStatus[]): PodRuntimeState => ({ sandboxes, containers });

test('a relist reports a changed pod with the mark of its state, the same mark its sync computes', async () => {
  const rt = new FakeRuntime({ writeLogs: false });
  const reports: Map<string, string>[] = [];
  const pleg = new Pleg({ runtime: rt, clock: realClock, log: createLogger('test', { level: 'error' }), intervalMs: 1000, sawSandbox: () => undefined, changed: (m) => void reports.push(m) });
  await pleg.relist();
  const config = { name: 'p', namespace: 'default', uid: 'uid-1', attempt: 0, hostname: 'p', logDirectory: '/nonexistent', portMappings: [], hostNetwork: false, labels: {}, annotations: {} };
  const sb = await rt.runPodSandbox(config);
  const id = await rt.createContainer(sb, containerConfig('c', 'busybox:1.36', ['sleep', '1']), config);
  await rt.startContainer(id);
  await pleg.relist();
  const seen = state([await rt.podSandboxStatus(sb)], await rt.listContainers({ sandboxId: sb }));
  assert.deepEqual([...(reports[0] ?? [])], [['uid-1', runtimeMark(seen.sandboxes, seen.containers)]]);
  await pleg.relist();
  assert.equal(reports.length, 1, 'nothing changed, nothing reported');
  await rt.stopContainer(id, 0);
  await pleg.relist();
  const stopped = await rt.listContainers({ sandboxId: sb });
  assert.equal(stopped[0]?.state, 'exited');
  assert.notEqual(reports[1]?.get('uid-1'), reports[0]?.get('uid-1'), 'the exit changes the mark');
  await rt.close();
});

test('a sync settles a state that only its own starts and clean-ups changed', () => {
  const before = state([sandbox('s1', 'ready')], [container('old', 'exited'), container('c1', 'exited')]);
  // The container was restarted and the oldest attempt removed.
  const after = state([sandbox('s1', 'ready')], [container('c1', 'exited'), container('c2', 'running')]);
  assert.equal(settledMark(before, after), runtimeMark(after.sandboxes, after.containers));
  assert.equal(settledMark(state([], []), state([sandbox('s1', 'ready')], [container('c1', 'running')])), runtimeMark([sandbox('s1', 'ready')], [container('c1', 'running')]));
  assert.equal(runtimeMark([sandbox('b', 'ready'), sandbox('a', 'notready')], []), runtimeMark([sandbox('a', 'notready'), sandbox('b', 'ready')], []), 'order does not count');
});

test('a sync leaves unsettled what it must act on next: an exit, a created container, a stopped or vanished sandbox', () => {
  const running = state([sandbox('s1', 'ready')], [container('c1', 'running')]);
  assert.equal(settledMark(running, state([sandbox('s1', 'ready')], [container('c1', 'exited')])), undefined, 'a container exited');
  assert.equal(settledMark(state([sandbox('s1', 'ready')], []), state([sandbox('s1', 'ready')], [container('c1', 'created')])), undefined, 'created, not started');
  assert.equal(settledMark(running, state([sandbox('s1', 'notready')], [container('c1', 'running')])), undefined, 'the sandbox stopped');
  assert.equal(settledMark(running, state([sandbox('s1', 'ready')], [])), undefined, 'a running container vanished');
  assert.equal(settledMark(running, state([], [])), undefined, 'the sandbox vanished');
  assert.equal(settledMark(state([], []), state([sandbox('s1', 'ready')], [container('c1', 'exited')])), undefined, 'started and already exited');
});

test("an update that only echoes the kubelet's own status write is told apart from real changes", () => {
  const pod: Pod = { metadata: { name: 'p', uid: 'u', resourceVersion: '1', labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] }, status: { phase: 'Pending' } };
  const written = { phase: 'Running', podIP: '10.0.0.1' };
  const rec = { lastStatus: undefined, writingStatus: written } as unknown as PodRecord;
  const echo: Pod = { ...pod, metadata: { ...pod.metadata, resourceVersion: '2', managedFields: [{ manager: 'kubelet' }] }, status: { podIP: '10.0.0.1', phase: 'Running' } };
  assert.equal(isOwnStatusEcho(rec, pod, echo), true, 'the write in flight');
  assert.equal(isOwnStatusEcho({ ...rec, writingStatus: undefined, lastStatus: written }, pod, echo), true, 'the write answered');
  assert.equal(isOwnStatusEcho({ ...rec, writingStatus: undefined }, pod, echo), false, 'nothing written');
  assert.equal(isOwnStatusEcho(rec, pod, { ...echo, status: { ...echo.status, phase: 'Failed' } }), false, 'a status someone else wrote');
  assert.equal(isOwnStatusEcho(rec, pod, { ...echo, metadata: { ...echo.metadata, labels: { a: 'c' } } }), false, 'a label changed');
  assert.equal(isOwnStatusEcho(rec, pod, { ...echo, metadata: { ...echo.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } }), false, 'deletion began');
  assert.equal(isOwnStatusEcho(rec, pod, { ...echo, spec: { containers: [{ name: 'c', image: 'busybox:1.37' }] } }), false, 'the spec changed');
});
