// The event recorder against a real API server: Events as `kubectl describe` reads them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Event } from 'kubernetes-types/core/v1.js';
import { findResource } from '../api/resources.js';
import { createClient, type Transport } from '../client/client.js';
import { startControllerHarness } from '../controllers/testing.js';
import { FakeClock, realClock } from '../informer/clock.js';
import { createLogger } from '../log.js';
import { createEventRecorder } from './broadcaster.js';

const eventsResource = findResource('', 'v1', 'events') ?? assert.fail('events');
const configMaps = findResource('', 'v1', 'configmaps') ?? assert.fail('configmaps');
const quiet = createLogger('test', { level: 'error' });

interface DescribeList {
  items: Event[];
}

test('events are written with a full reference and repeats are aggregated into one Event', async () => {
  const h = await startControllerHarness();
  try {
    const cm = await h.client.resource<ConfigMap>(configMaps, 'default').create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web' } });
    const recorder = createEventRecorder({ client: h.client, component: 'test-controller', host: 'node-1', clock: realClock, log: quiet });
    recorder.event(cm, 'Normal', 'Synced', 'synced web');
    recorder.event(cm, 'Normal', 'Synced', 'synced web');
    recorder.event(cm, 'Warning', 'Failed', 'could not sync');
    recorder.event(cm, 'Normal', 'Synced', 'synced web');
    await recorder.flush();

    // What `kubectl describe configmap web` asks for.
    const selector = `involvedObject.name=web,involvedObject.namespace=default,involvedObject.uid=${cm.metadata?.uid ?? ''}`;
    const res = await h.client.transport.request({ method: 'GET', path: '/api/v1/namespaces/default/events', query: { fieldSelector: selector } });
    assert.equal(res.status, 200);
    const list = JSON.parse(Buffer.from(res.body).toString('utf8')) as DescribeList;
    const byReason = new Map(list.items.map((e) => [e.reason, e]));
    assert.equal(list.items.length, 2);
    const synced = byReason.get('Synced') ?? assert.fail('no Synced event');
    assert.equal(synced.count, 3);
    assert.equal(synced.type, 'Normal');
    assert.equal(synced.message, 'synced web');
    assert.deepEqual(synced.source, { component: 'test-controller', host: 'node-1' });
    assert.equal(synced.reportingComponent, 'test-controller');
    assert.equal(synced.reportingInstance, 'node-1');
    assert.deepEqual(synced.involvedObject, {
      kind: 'ConfigMap',
      namespace: 'default',
      name: 'web',
      uid: cm.metadata?.uid,
      apiVersion: 'v1',
      resourceVersion: cm.metadata?.resourceVersion,
    });
    assert.match(synced.metadata?.name ?? '', /^web\.[0-9a-f]+$/);
    assert.match(synced.firstTimestamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok((synced.lastTimestamp ?? '') >= (synced.firstTimestamp ?? ''));
    assert.equal(byReason.get('Failed')?.type, 'Warning');
    assert.equal(byReason.get('Failed')?.count, 1);
    recorder.close();
  } finally {
    await h.close();
  }
});

test('events about cluster-scoped objects go to the default namespace', async () => {
  const h = await startControllerHarness();
  try {
    const ns = await h.client.resource(findResource('', 'v1', 'namespaces') ?? assert.fail('namespaces')).get('kube-public');
    const recorder = createEventRecorder({ client: h.client, component: 'c', clock: realClock, log: quiet });
    recorder.event({ apiVersion: 'v1', kind: 'Namespace', metadata: ns.metadata }, 'Normal', 'Seen', 'seen');
    await recorder.flush();
    const list = await h.client.resource<Event>(eventsResource, 'default').list({ fieldSelector: 'involvedObject.name=kube-public' });
    assert.equal(list.items.length, 1);
    assert.equal(list.items[0]?.involvedObject.namespace, undefined);
    assert.deepEqual(list.items[0]?.source, { component: 'c' });
  } finally {
    await h.close();
  }
});

test('after the aggregation window, or when the Event is gone, a repeat creates a new Event', async () => {
  const h = await startControllerHarness();
  try {
    const clock = new FakeClock();
    const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default', uid: 'u-1' } };
    const recorder = createEventRecorder({ client: h.client, component: 'c', clock, log: quiet });
    const events = h.client.resource<Event>(eventsResource, 'default');
    const list = async (): Promise<Event[]> => (await events.list({ fieldSelector: 'involvedObject.uid=u-1' })).items;

    recorder.event(obj, 'Normal', 'R', 'm');
    await recorder.flush();
    recorder.event(obj, 'Normal', 'R', 'm');
    await recorder.flush();
    assert.deepEqual((await list()).map((e) => e.count), [2]);

    clock.advance(11 * 60_000);
    recorder.event(obj, 'Normal', 'R', 'm');
    await recorder.flush();
    assert.deepEqual((await list()).map((e) => e.count).sort(), [1, 2]);

    for (const e of await list()) await events.delete(e.metadata?.name ?? '');
    recorder.event(obj, 'Normal', 'R', 'm');
    await recorder.flush();
    assert.deepEqual((await list()).map((e) => e.count), [1]);
  } finally {
    await h.close();
  }
});

test('a full queue drops events with one log line per burst instead of blocking or throwing', async () => {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let requests = 0;
  const stalled: Transport = {
    async request() {
      requests++;
      await gate;
      return { status: 500, headers: {}, body: Buffer.from('{}') };
    },
    // eslint-disable-next-line require-yield
    async *watch() {
      return;
    },
    close: () => undefined,
  };
  const lines: string[] = [];
  const log = createLogger('test', { level: 'warn', write: (l) => lines.push(l) });
  const recorder = createEventRecorder({ client: createClient(stalled), component: 'c', clock: new FakeClock(), log, queueLength: 2 });
  const obj = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' } };
  for (let i = 0; i < 5; i++) recorder.event(obj, 'Normal', `R${i}`, 'm');
  // One is being written, two wait, two were dropped: one log line for the burst.
  assert.equal(lines.filter((l) => l.includes('event queue full')).length, 1);
  assert.equal(requests, 1);
  recorder.close();
  release();
  await recorder.flush();
  assert.doesNotThrow(() => recorder.event(obj, 'Normal', 'After', 'closed recorders ignore events'));
  await recorder.flush();
  // Closing dropped the queued ones and stopped retries.
  assert.equal(requests, 1);
});
