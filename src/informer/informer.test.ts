// The reflector and informer against a scripted list/watch source and a fake clock: paging,
// bookmarks, relist diffs after 410, backoff, resync. (informer.integration.test.ts runs the
// same machinery against a real API server.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import type { WatchEvent } from '../client/client.js';
import type { ListOptions, ObjectList, WatchOptions } from '../client/resource-client.js';
import { FakeClock } from './clock.js';
import { Informer } from './informer.js';
import type { ListerWatcher } from './reflector.js';

async function until(cond: () => boolean, what: string, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

const cm = (name: string, rv: string, uid = `uid-${name}`): KubeObject => ({ metadata: { namespace: 'ns', name, resourceVersion: rv, uid } });

/** One watch stream the test feeds by hand. */
class Stream {
  private readonly queue: (WatchEvent | Error | 'end')[] = [];
  private wake: (() => void) | undefined;
  constructor(readonly options: WatchOptions) {}
  push(item: WatchEvent | Error | 'end'): void {
    this.queue.push(item);
    this.wake?.();
  }
  async *events(signal: AbortSignal): AsyncIterable<WatchEvent> {
    const onAbort = (): void => this.wake?.();
    signal.addEventListener('abort', onAbort);
    try {
      for (;;) {
        if (signal.aborted) return;
        const item = this.queue.shift();
        if (item === undefined) {
          await new Promise<void>((r) => (this.wake = r));
          continue;
        }
        if (item === 'end') return;
        if (item instanceof Error) throw item;
        yield item;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }
}

class FakeSource implements ListerWatcher<KubeObject> {
  readonly lists: ListOptions[] = [];
  readonly watches: Stream[] = [];
  /** What the next list calls answer (by continue token); an Error is thrown. */
  pages: (opts: ListOptions) => ObjectList<KubeObject> | Error = () => ({ metadata: { resourceVersion: '1' }, items: [] });

  async list(options: ListOptions): Promise<ObjectList<KubeObject>> {
    this.lists.push(options);
    const page = this.pages(options);
    if (page instanceof Error) throw page;
    return structuredClone(page);
  }

  watch(options: WatchOptions, signal: AbortSignal): AsyncIterable<WatchEvent> {
    const s = new Stream(options);
    this.watches.push(s);
    return s.events(signal);
  }

  get lastWatch(): Stream {
    const s = this.watches[this.watches.length - 1];
    if (!s) throw new Error('no watch yet');
    return s;
  }
}

function record(informer: Informer<KubeObject>): string[] {
  const log: string[] = [];
  informer.addEventHandler({
    onAdd: (o, i) => log.push(`add ${o.metadata?.name ?? ''}${i.isInInitialList ? ' (initial)' : ''}`),
    onUpdate: (a, b) => log.push(`update ${b.metadata?.name ?? ''} ${a.metadata?.resourceVersion ?? ''}->${b.metadata?.resourceVersion ?? ''}`),
    onDelete: (o, i) => log.push(`delete ${o.metadata?.name ?? ''}${i.finalStateUnknown ? ' (final state unknown)' : ''}`),
  });
  return log;
}

function setup(extra: { pageSize?: number } = {}) {
  const clock = new FakeClock();
  const source = new FakeSource();
  const informer = new Informer<KubeObject>({ name: 'configmaps', source, clock, random: () => 0, pageSize: extra.pageSize ?? 2 });
  const ac = new AbortController();
  return { clock, source, informer, ac, start: () => informer.run(ac.signal) };
}

test('lists page by page, then watches from the list resourceVersion with bookmarks', async (t) => {
  const { source, informer, ac, start } = setup();
  t.after(() => ac.abort());
  source.pages = (o) =>
    o.continue === undefined
      ? { apiVersion: 'v1', kind: 'ConfigMapList', metadata: { resourceVersion: '7', continue: 'p2' }, items: [cm('a', '3'), cm('b', '4')] }
      : { apiVersion: 'v1', kind: 'ConfigMapList', metadata: { resourceVersion: '7' }, items: [cm('c', '5')] };
  const log = record(informer);
  assert.equal(informer.hasSynced(), false);
  const running = start();
  assert.equal(await informer.waitForSync(ac.signal), true);
  assert.deepEqual(source.lists.map((l) => [l.limit, l.continue]), [[2, undefined], [2, 'p2']]);
  assert.deepEqual(log, ['add a (initial)', 'add b (initial)', 'add c (initial)']);
  assert.equal(informer.cache.get('ns/a')?.kind, 'ConfigMap', 'list items get the kind of the list');
  await until(() => source.watches.length === 1, 'the watch');
  assert.equal(source.lastWatch.options.resourceVersion, '7');
  assert.equal(source.lastWatch.options.allowWatchBookmarks, true);
  ac.abort();
  await running;
});

test('watch events reach the cache and handlers in order; bookmarks and stream ends re-watch from the newest resourceVersion', async (t) => {
  const { source, informer, ac, start } = setup();
  t.after(() => ac.abort());
  const log = record(informer);
  void start();
  await until(() => source.watches.length === 1, 'the watch');
  const w = source.lastWatch;
  w.push({ type: 'ADDED', object: cm('a', '2') });
  w.push({ type: 'MODIFIED', object: cm('a', '3') });
  w.push({ type: 'DELETED', object: cm('a', '4') });
  w.push({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '9' } } });
  w.push('end');
  await until(() => source.watches.length === 2, 'the re-watch');
  assert.deepEqual(log, ['add a', 'update a 2->3', 'delete a']);
  assert.equal(informer.cache.size, 0);
  assert.equal(source.lastWatch.options.resourceVersion, '9');
  assert.equal(source.lists.length, 1, 'a watch that ends is resumed, not relisted');
});

test('410 Expired relists and reports only the differences, with synthetic deletes', async (t) => {
  const { source, informer, ac, start } = setup({ pageSize: 0 });
  t.after(() => ac.abort());
  source.pages = () => ({ metadata: { resourceVersion: '10' }, items: [cm('keep', '1'), cm('change', '2'), cm('vanish', '3'), cm('recreate', '4')] });
  const log = record(informer);
  void start();
  await until(() => source.watches.length === 1, 'the watch');
  log.length = 0;
  source.pages = () => ({
    metadata: { resourceVersion: '20' },
    items: [cm('keep', '1'), cm('change', '12'), cm('recreate', '15', 'uid-new'), cm('new', '16')],
  });
  source.lastWatch.push({ type: 'ERROR', object: new ApiError('Expired', 'too old resource version: 10 (15)').toStatus() });
  await until(() => source.watches.length === 2, 'the watch after the relist');
  assert.deepEqual(log.sort(), [
    'add new',
    'add recreate',
    'delete recreate (final state unknown)',
    'delete vanish (final state unknown)',
    'update change 2->12',
  ]);
  assert.equal(source.lists.length, 2);
  assert.equal(source.lastWatch.options.resourceVersion, '20');
  assert.equal(informer.cache.get('ns/recreate')?.metadata?.uid, 'uid-new');
});

test('an HTTP 410 when opening the watch also relists', async (t) => {
  const { source, start, ac } = setup();
  t.after(() => ac.abort());
  void start();
  await until(() => source.watches.length === 1, 'the watch');
  source.lastWatch.push(new ApiError('Expired', 'too old resource version'));
  await until(() => source.lists.length === 2 && source.watches.length === 2, 'the relist');
});

test('an expired continue token falls back to one unpaged list', async (t) => {
  const { source, informer, ac, start } = setup();
  t.after(() => ac.abort());
  source.pages = (o) => {
    if (o.continue) return new ApiError('Expired', 'continue token expired');
    if (o.limit) return { metadata: { resourceVersion: '5', continue: 'p2' }, items: [cm('a', '1'), cm('b', '2')] };
    return { metadata: { resourceVersion: '6' }, items: [cm('a', '1'), cm('b', '2'), cm('c', '6')] };
  };
  void start();
  assert.equal(await informer.waitForSync(ac.signal), true);
  assert.deepEqual(source.lists.map((l) => [l.limit, l.continue]), [[2, undefined], [2, 'p2'], [undefined, undefined]]);
  assert.equal(informer.cache.size, 3);
});

test('failures back off exponentially (fake clock) and the watch resumes from the last resourceVersion', async (t) => {
  const { clock, source, informer, ac, start } = setup();
  t.after(() => ac.abort());
  source.pages = () => new Error('connect ECONNREFUSED');
  void start();
  await until(() => clock.pending === 1, 'the first backoff');
  clock.advance(799);
  assert.equal(source.lists.length, 1);
  clock.advance(1);
  await until(() => source.lists.length === 2 && clock.pending === 1, 'the second list attempt and backoff');
  clock.advance(1599);
  assert.equal(source.lists.length, 2, 'the second wait is twice as long');
  source.pages = () => ({ metadata: { resourceVersion: '3' }, items: [] });
  clock.advance(1);
  await until(() => informer.hasSynced() && source.watches.length === 1, 'sync');
  source.lastWatch.push({ type: 'ADDED', object: cm('a', '4') });
  source.lastWatch.push(new Error('socket hang up'));
  await until(() => clock.pending === 1, 'the watch backoff');
  clock.advance(799);
  assert.equal(source.watches.length, 1, 'a list success reset the backoff to 800 ms');
  clock.advance(1);
  await until(() => source.watches.length === 2, 'the re-watch');
  assert.equal(source.lastWatch.options.resourceVersion, '4');
  assert.equal(source.lists.length, 3, 'no relist after a plain watch failure');
});

test('handlers added after sync get the current objects; resync repeats onUpdate(obj, obj)', async (t) => {
  const { clock, source, informer, ac, start } = setup();
  t.after(() => ac.abort());
  source.pages = () => ({ metadata: { resourceVersion: '2' }, items: [cm('a', '1'), cm('b', '2')] });
  void start();
  await informer.waitForSync(ac.signal);
  const seen: string[] = [];
  const remove = informer.addEventHandler(
    {
      onAdd: (o, i) => seen.push(`add ${o.metadata?.name ?? ''} ${String(i.isInInitialList)}`),
      onUpdate: (a, b) => seen.push(`resync ${b.metadata?.name ?? ''} ${String(a === b)}`),
    },
    { resyncPeriodMs: 60_000 },
  );
  assert.deepEqual(seen, ['add a true', 'add b true']);
  clock.advance(60_000);
  assert.deepEqual(seen.slice(2), ['resync a true', 'resync b true']);
  remove();
  clock.advance(60_000);
  assert.equal(seen.length, 4);
});

test('a throwing handler is logged and does not stop the others', async (t) => {
  const { source, informer, ac, start } = setup();
  t.after(() => ac.abort());
  informer.addEventHandler({
    onAdd: () => {
      throw new Error('handler bug');
    },
  });
  const log = record(informer);
  void start();
  await until(() => source.watches.length === 1, 'the watch');
  source.lastWatch.push({ type: 'ADDED', object: cm('a', '2') });
  await until(() => log.length === 1, 'the second handler');
});

test('waitForSync answers false when its signal aborts first', async () => {
  const { source, informer } = setup();
  source.pages = () => new Error('down');
  const ac = new AbortController();
  const waiting = informer.waitForSync(ac.signal);
  ac.abort();
  assert.equal(await waiting, false);
});

test('run resolves when its signal aborts right as the first list completes (regression: the watch ignored an already-aborted signal)', async () => {
  const { informer } = setup();
  const ac = new AbortController();
  const running = informer.run(ac.signal);
  await informer.waitForSync(ac.signal);
  ac.abort();
  await running;
  assert.equal(informer.isRunning, false);
});
