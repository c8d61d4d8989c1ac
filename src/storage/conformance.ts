// The behaviour every Storage backend must show, as one node:test suite. Each backend's test
// file calls runStorageConformance with a factory; every test opens a fresh, empty store (for a
// shared server such as etcd: a fresh key prefix), so tests never see each other's keys.
// Revisions are only assumed to increase strictly, never to start at a given number or to
// step by one, because a shared etcd server also counts other prefixes' writes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompactedError,
  InvalidKeyError,
  MAX_KEY_BYTES,
  MAX_VALUE_BYTES,
  type KeyValue,
  type Storage,
  type StorageEvent,
  type WriteResult,
} from './storage.js';

export interface OpenedStorage {
  storage: Storage;
  /** Closes the storage (if still open) and removes whatever `open` created. */
  cleanup(): Promise<void>;
}

export interface ConformanceOptions<H extends OpenedStorage> {
  /**
   * For persistent backends: a new Storage over the same data as `handle`, called after
   * `handle.storage` has been closed. Enables the close-and-reopen test.
   */
  reopen?: (handle: H) => Promise<Storage>;
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

export function runStorageConformance<H extends OpenedStorage>(
  name: string,
  open: () => Promise<H>,
  options: ConformanceOptions<H> = {},
): void {
  /** Runs `body` against a fresh store and always cleans up. */
  const withStorage = async (body: (s: Storage, handle: H) => Promise<void>): Promise<void> => {
    const handle = await open();
    try {
      await body(handle.storage, handle);
    } finally {
      await handle.cleanup();
    }
  };

  describe(`storage conformance: ${name}`, () => {
    test('create, get, update and delete return results, not exceptions', () =>
      withStorage(async (s) => {
        const created = mustWrite(await s.create('/c/a', enc('one')));
        assert.equal(created.key, '/c/a');
        assert.equal(dec(created.value), 'one');
        assert.equal(created.createRevision, created.modRevision);

        const got = await s.get('/c/a');
        assert.deepEqual(got.kv && summary(got.kv), summary(created));
        assert.ok(got.revision >= created.modRevision);
        assert.equal((await s.get('/c/missing')).kv, undefined);

        const exists = await s.create('/c/a', enc('two'));
        assert.equal(exists.ok, false);
        assert.equal(!exists.ok && exists.reason, 'exists');
        assert.deepEqual(!exists.ok && exists.current && summary(exists.current), summary(created));

        const updated = mustWrite(await s.update('/c/a', enc('two'), created.modRevision));
        assert.equal(dec(updated.value), 'two');
        assert.equal(updated.createRevision, created.createRevision);
        assert.ok(updated.modRevision > created.modRevision);

        const stale = await s.update('/c/a', enc('three'), created.modRevision);
        assert.equal(!stale.ok && stale.reason, 'conflict');
        assert.deepEqual(!stale.ok && stale.current && summary(stale.current), summary(updated));

        const missingUpdate = await s.update('/c/missing', enc('x'), 1);
        assert.equal(!missingUpdate.ok && missingUpdate.reason, 'not-found');
        assert.equal(!missingUpdate.ok && missingUpdate.current, undefined);

        const staleDelete = await s.delete('/c/a', created.modRevision);
        assert.equal(!staleDelete.ok && staleDelete.reason, 'conflict');
        assert.deepEqual(!staleDelete.ok && staleDelete.current && summary(staleDelete.current), summary(updated));

        const deleted = mustWrite(await s.delete('/c/a', updated.modRevision));
        assert.equal(dec(deleted.value), 'two', 'a delete returns the last value');
        assert.equal(deleted.createRevision, created.createRevision);
        assert.ok(deleted.modRevision > updated.modRevision, 'the deleted kv carries the revision of the deletion');
        assert.equal((await s.get('/c/a')).kv, undefined);
        assert.equal(!(await s.delete('/c/a')).ok && 'not-found', 'not-found');

        const unconditional = mustWrite(await s.create('/c/b', enc('b')));
        assert.equal(mustWrite(await s.delete('/c/b')).createRevision, unconditional.createRevision);

        const recreated = mustWrite(await s.create('/c/a', enc('again')));
        assert.ok(recreated.createRevision > deleted.modRevision, 'a re-created key gets a new createRevision');
      }));

    test('one global revision increases strictly with every write', () =>
      withStorage(async (s) => {
        const start = await s.currentRevision();
        const revisions: number[] = [];
        for (let i = 0; i < 20; i++) {
          const key = `/rev/${i % 3}`;
          const { kv } = await s.get(key);
          const result = kv ? await s.update(key, enc(String(i)), kv.modRevision) : await s.create(key, enc(String(i)));
          revisions.push(mustWrite(result).modRevision);
        }
        revisions.push(mustWrite(await s.delete('/rev/0')).modRevision);
        assert.ok((revisions[0] as number) > start);
        for (let i = 1; i < revisions.length; i++) assert.ok((revisions[i] as number) > (revisions[i - 1] as number));
        assert.equal(await s.currentRevision(), revisions.at(-1));
        assert.equal((await s.get('/rev/1')).revision, revisions.at(-1));
        assert.equal((await s.list('/rev/')).revision, revisions.at(-1));
      }));

    test('list by prefix pages with limit and after, covering every key exactly once', () =>
      withStorage(async (s) => {
        const keys: string[] = [];
        for (let i = 0; i < 103; i++) keys.push(`/l/items/${String(i).padStart(3, '0')}`);
        await Promise.all(keys.map((k) => s.create(k, enc(k)).then(mustWrite)));
        // Neighbours that a sloppy prefix match would include.
        await s.create('/l/items', enc('parent'));
        await s.create('/l/itemsX/1', enc('sibling'));
        await s.create('/l/a', enc('before'));

        const all = await s.list('/l/items/');
        assert.deepEqual(all.kvs.map((kv) => kv.key), keys);
        assert.equal(all.more, false);
        assert.equal(dec((all.kvs[5] as KeyValue).value), keys[5]);

        const seen: string[] = [];
        let after: string | undefined;
        let pages = 0;
        while (true) {
          const page = await s.list('/l/items/', { limit: 10, ...(after === undefined ? {} : { after }) });
          pages++;
          assert.ok(page.kvs.length <= 10);
          seen.push(...page.kvs.map((kv) => kv.key));
          if (!page.more) break;
          after = page.kvs.at(-1)?.key;
        }
        assert.equal(pages, 11);
        assert.deepEqual(seen, keys);

        const exact = await s.list('/l/items/', { limit: 103 });
        assert.equal(exact.kvs.length, 103);
        assert.equal(exact.more, false, 'more is false when the limit lands exactly on the last key');
        const everything = await s.list('/');
        assert.equal(everything.kvs.length, 106);
        assert.deepEqual((await s.list('/nothing/')).kvs, []);
      }));

    test('list at a past revision returns the state as of that revision', () =>
      withStorage(async (s) => {
        const a = mustWrite(await s.create('/h/a', enc('a1')));
        mustWrite(await s.create('/h/b', enc('b1')));
        mustWrite(await s.create('/h/d', enc('d1')));
        const then = await s.currentRevision();
        mustWrite(await s.update('/h/a', enc('a2'), a.modRevision));
        mustWrite(await s.delete('/h/b'));
        mustWrite(await s.create('/h/c', enc('c1')));

        const past = await s.list('/h/', { revision: then });
        assert.equal(past.revision, then);
        assert.deepEqual(past.kvs.map((kv) => [kv.key, dec(kv.value)]), [['/h/a', 'a1'], ['/h/b', 'b1'], ['/h/d', 'd1']]);
        assert.deepEqual(summary(past.kvs[0] as KeyValue), summary(a));

        const page1 = await s.list('/h/', { revision: then, limit: 2 });
        assert.deepEqual(page1.kvs.map((kv) => kv.key), ['/h/a', '/h/b']);
        assert.equal(page1.more, true);
        const page2 = await s.list('/h/', { revision: then, limit: 2, after: '/h/b' });
        assert.deepEqual(page2.kvs.map((kv) => kv.key), ['/h/d']);
        assert.equal(page2.more, false);

        const now = await s.list('/h/');
        assert.deepEqual(now.kvs.map((kv) => [kv.key, dec(kv.value)]), [['/h/a', 'a2'], ['/h/c', 'c1'], ['/h/d', 'd1']]);
      }));

    test('count counts the keys under a prefix now', () =>
      withStorage(async (s) => {
        for (let i = 0; i < 12; i++) await s.create(`/n/x/${i}`, enc('v'));
        await s.create('/n/y/1', enc('v'));
        await s.create('/n/xy', enc('v'));
        await s.delete('/n/x/3');
        assert.equal(await s.count('/n/x/'), 11);
        assert.equal(await s.count('/n/'), 13);
        assert.equal(await s.count('/n/z/'), 0);
      }));

    test('concurrent read-modify-write incrementers lose no update', () =>
      withStorage(async (s) => {
        mustWrite(await s.create('/cas/counter', enc('0')));
        const workers = 20;
        const perWorker = 5;
        const increment = async (): Promise<void> => {
          while (true) {
            const { kv } = await s.get('/cas/counter');
            assert.ok(kv);
            const next = Number(dec(kv.value)) + 1;
            const result = await s.update('/cas/counter', enc(String(next)), kv.modRevision);
            if (result.ok) return;
            assert.equal(result.reason, 'conflict');
          }
        };
        await Promise.all(
          Array.from({ length: workers }, async () => {
            for (let i = 0; i < perWorker; i++) await increment();
          }),
        );
        const { kv } = await s.get('/cas/counter');
        assert.equal(dec((kv as KeyValue).value), String(workers * perWorker));

      }));

    test('watch delivers a burst of 10,000 writes in revision order without gaps', { timeout: 120_000 }, () =>
      withStorage(async (s) => {
        const total = 10_000;
        const start = await s.currentRevision();
        const ac = new AbortController();
        const received = takeEvents(s.watch('/burst/', { afterRevision: start, signal: ac.signal }), total, 60_000);
        // Writes to another prefix interleave; the watch must not see them.
        const written: number[] = [];
        const inFlight = 64;
        let next = 0;
        await Promise.all(
          Array.from({ length: inFlight }, async () => {
            while (next < total) {
              const i = next++;
              written.push(mustWrite(await s.create(`/burst/${i}`, enc(String(i)))).modRevision);
              if (i % 100 === 0) mustWrite(await s.create(`/other/${i}`, enc('noise')));
            }
          }),
        );
        const events = await received;
        ac.abort();
        assert.equal(events.length, total);
        for (let i = 1; i < events.length; i++) {
          assert.ok((events[i] as StorageEvent).kv.modRevision > (events[i - 1] as StorageEvent).kv.modRevision, `event ${i} out of order`);
        }
        assert.deepEqual(events.map((e) => e.kv.modRevision), written.sort((x, y) => x - y));
        assert.ok(events.every((e) => e.type === 'put' && e.kv.key.startsWith('/burst/') && dec(e.kv.value) === e.kv.key.slice(7)));
      }));

    test('watch from a past revision replays history, then streams live events', () =>
      withStorage(async (s) => {
        const revs: number[] = [];
        for (let i = 0; i < 5; i++) revs.push(mustWrite(await s.create(`/w/${i}`, enc(`v${i}`))).modRevision);
        const ac = new AbortController();
        const iterator = s.watch('/w/', { afterRevision: revs[1] as number, signal: ac.signal })[Symbol.asyncIterator]();
        const replayed = await nextEvents(iterator, 3);
        assert.deepEqual(replayed.map((e) => e.kv.key), ['/w/2', '/w/3', '/w/4']);
        assert.deepEqual(replayed.map((e) => e.kv.modRevision), revs.slice(2));

        const live = mustWrite(await s.update('/w/0', enc('changed'), revs[0] as number));
        const [event] = await nextEvents(iterator, 1);
        assert.equal(event?.type, 'put');
        assert.equal(event?.kv.key, '/w/0');
        assert.equal(event && dec(event.kv.value), 'changed');
        assert.equal(event?.kv.modRevision, live.modRevision);
        assert.equal(event?.prev && dec(event.prev.value), 'v0');

        ac.abort();
        const end = await withDeadline(iterator.next(), 5_000, 'watch did not end after abort');
        assert.equal(end.done, true);
      }));

    test('watch only sees keys under its prefix', () =>
      withStorage(async (s) => {
        const start = await s.currentRevision();
        const ac = new AbortController();
        const received = takeEvents(s.watch('/f/pods/', { afterRevision: start, signal: ac.signal }), 3, 10_000);
        await s.create('/f/pods/a', enc('1'));
        await s.create('/f/services/a', enc('x'));
        await s.create('/f/podsX', enc('x'));
        await s.create('/f/pods/b', enc('2'));
        await s.create('/f/pod', enc('x'));
        await s.delete('/f/pods/a');
        const events = await received;
        ac.abort();
        assert.deepEqual(events.map((e) => [e.type, e.kv.key]), [['put', '/f/pods/a'], ['put', '/f/pods/b'], ['delete', '/f/pods/a']]);
      }));

    test('delete events carry the last value and the revision of the deletion', () =>
      withStorage(async (s) => {
        const created = mustWrite(await s.create('/d/x', enc('first')));
        const updated = mustWrite(await s.update('/d/x', enc('last'), created.modRevision));
        const ac = new AbortController();
        const received = takeEvents(s.watch('/d/', { afterRevision: updated.modRevision, signal: ac.signal }), 1, 10_000);
        const deleted = mustWrite(await s.delete('/d/x'));
        const [event] = await received;
        ac.abort();
        assert.equal(event?.type, 'delete');
        assert.equal(event?.kv.key, '/d/x');
        assert.equal(event && dec(event.kv.value), 'last');
        assert.equal(event?.kv.modRevision, deleted.modRevision);
        assert.equal(event?.kv.createRevision, created.createRevision);
        if (event?.prev) assert.equal(event.prev.modRevision, updated.modRevision);
      }));

    test('a key written with ttlSeconds expires with a delete event', { timeout: 30_000 }, () =>
      withStorage(async (s) => {
        const start = await s.currentRevision();
        const ac = new AbortController();
        const received = takeEvents(s.watch('/ttl/', { afterRevision: start, signal: ac.signal }), 2, 20_000);
        const created = mustWrite(await s.create('/ttl/lease', enc('short-lived'), { ttlSeconds: 1 }));
        mustWrite(await s.create('/ttl/keep', enc('permanent')));
        const all = await received;
        // The permanent key's put and the expiry may interleave; wait for the delete itself.
        const deletion =
          all.find((e) => e.type === 'delete') ??
          (await takeEvents(s.watch('/ttl/lease', { afterRevision: created.modRevision, signal: ac.signal }), 1, 20_000))[0];
        ac.abort();
        assert.equal(deletion?.type, 'delete');
        assert.equal(deletion?.kv.key, '/ttl/lease');
        assert.equal(deletion && dec(deletion.kv.value), 'short-lived');
        assert.equal((await s.get('/ttl/lease')).kv, undefined);
        assert.equal(dec(((await s.get('/ttl/keep')).kv as KeyValue).value), 'permanent');
      }));

    test('compaction makes old revisions fail with CompactedError and keeps current values', () =>
      withStorage(async (s) => {
        const a = mustWrite(await s.create('/k/a', enc('a1')));
        const old = await s.currentRevision();
        const a2 = mustWrite(await s.update('/k/a', enc('a2'), a.modRevision));
        mustWrite(await s.create('/k/b', enc('b1')));
        const b2 = mustWrite(await s.update('/k/b', enc('b2'), (await s.get('/k/b')).kv?.modRevision ?? 0));
        const compactAt = b2.modRevision - 1;
        await s.compact(compactAt);

        await assert.rejects(s.list('/k/', { revision: old }), (err: unknown) => {
          assert.ok(err instanceof CompactedError, `expected CompactedError, got ${String(err)}`);
          return true;
        });
        const ac = new AbortController();
        await assert.rejects(takeEvents(s.watch('/k/', { afterRevision: old - 1, signal: ac.signal }), 1, 10_000), CompactedError);

        // The compact revision itself stays readable, and a watch may start right at it.
        const atCompact = await s.list('/k/', { revision: compactAt });
        assert.deepEqual(atCompact.kvs.map((kv) => [kv.key, dec(kv.value)]), [['/k/a', 'a2'], ['/k/b', 'b1']]);
        const fromCompact = await takeEvents(s.watch('/k/', { afterRevision: compactAt - 1, signal: ac.signal }), 2, 10_000);
        assert.deepEqual(fromCompact.map((e) => e.kv.modRevision), [compactAt, b2.modRevision]);
        ac.abort();

        const now = await s.list('/k/');
        assert.deepEqual(now.kvs.map((kv) => [kv.key, dec(kv.value)]), [['/k/a', 'a2'], ['/k/b', 'b2']]);
        assert.equal((await s.get('/k/a')).kv?.modRevision, a2.modRevision);
        mustWrite(await s.update('/k/a', enc('a3'), a2.modRevision));
      }));

    test('invalid keys and oversize values are refused with InvalidKeyError', () =>
      withStorage(async (s) => {
        const bad = ['', 'no-slash', '/nul\0byte', '/' + 'k'.repeat(MAX_KEY_BYTES)];
        for (const key of bad) {
          await assert.rejects(s.create(key, enc('v')), InvalidKeyError, `create ${JSON.stringify(key.slice(0, 20))}`);
          await assert.rejects(s.get(key), InvalidKeyError);
          await assert.rejects(s.update(key, enc('v'), 1), InvalidKeyError);
          await assert.rejects(s.delete(key), InvalidKeyError);
        }
        await assert.rejects(s.list('no-slash'), InvalidKeyError);
        await assert.rejects(s.count(''), InvalidKeyError);
        const ac = new AbortController();
        await assert.rejects(takeEvents(s.watch('nope', { afterRevision: 0, signal: ac.signal }), 1, 5_000), InvalidKeyError);

        const huge = new Uint8Array(MAX_VALUE_BYTES + 1);
        await assert.rejects(s.create('/v/huge', huge), InvalidKeyError);
        const small = mustWrite(await s.create('/v/ok', enc('small')));
        await assert.rejects(s.update('/v/ok', huge, small.modRevision), InvalidKeyError);
        assert.equal(dec(((await s.get('/v/ok')).kv as KeyValue).value), 'small');
        assert.equal((await s.get('/v/huge')).kv, undefined);

        // The largest allowed key and value are stored intact.
        const longKey = '/' + 'k'.repeat(MAX_KEY_BYTES - 1);
        const big = new Uint8Array(MAX_VALUE_BYTES).fill(7);
        mustWrite(await s.create(longKey, big));
        const stored = (await s.get(longKey)).kv as KeyValue;
        assert.equal(stored.value.byteLength, MAX_VALUE_BYTES);
        assert.equal(stored.value[MAX_VALUE_BYTES - 1], 7);
      }));

    if (options.reopen) {
      const reopen = options.reopen;
      test('data, revisions and history survive close and reopen', () =>
        withStorage(async (s, handle) => {
          const start = await s.currentRevision();
          const a = mustWrite(await s.create('/r/a', enc('a1')));
          const a2 = mustWrite(await s.update('/r/a', enc('a2'), a.modRevision));
          mustWrite(await s.create('/r/b', enc('b1')));
          mustWrite(await s.delete('/r/b'));
          const last = await s.currentRevision();
          await s.close();

          const again = await reopen(handle);
          try {
            assert.equal(await again.currentRevision(), last);
            const { kv } = await again.get('/r/a');
            assert.deepEqual(kv && summary(kv), summary(a2));
            assert.equal((await again.get('/r/b')).kv, undefined);
            const history = await takeEvents(again.watch('/r/', { afterRevision: start, signal: AbortSignal.timeout(30_000) }), 4, 10_000);
            assert.deepEqual(history.map((e) => [e.type, e.kv.key]), [['put', '/r/a'], ['put', '/r/a'], ['put', '/r/b'], ['delete', '/r/b']]);
            const next = mustWrite(await again.update('/r/a', enc('a3'), a2.modRevision));
            assert.ok(next.modRevision > last);
          } finally {
            await again.close();
          }
        }));
    }
  });
}

function mustWrite(result: WriteResult): KeyValue {
  if (!result.ok) assert.fail(`write refused: ${result.reason}`);
  return result.kv;
}

function summary(kv: KeyValue): { key: string; value: string; createRevision: number; modRevision: number } {
  return { key: kv.key, value: dec(kv.value), createRevision: kv.createRevision, modRevision: kv.modRevision };
}

function withDeadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

async function nextEvents(iterator: AsyncIterator<StorageEvent>, n: number, ms = 10_000): Promise<StorageEvent[]> {
  const out: StorageEvent[] = [];
  while (out.length < n) {
    const r = await withDeadline(iterator.next(), ms, `watch delivered ${out.length} of ${n} events in time`);
    if (r.done) assert.fail(`watch ended after ${out.length} of ${n} events`);
    out.push(r.value);
  }
  return out;
}

/** The first `n` events of a watch (started right away), then stops iterating. */
async function takeEvents(watch: AsyncIterable<StorageEvent>, n: number, ms: number): Promise<StorageEvent[]> {
  const iterator = watch[Symbol.asyncIterator]();
  try {
    const out: StorageEvent[] = [];
    const deadline = Date.now() + ms;
    while (out.length < n) {
      const r = await withDeadline(iterator.next(), Math.max(1, deadline - Date.now()), `watch delivered ${out.length} of ${n} events in time`);
      if (r.done) assert.fail(`watch ended after ${out.length} of ${n} events`);
      out.push(r.value);
    }
    return out;
  } finally {
    void iterator.return?.();
  }
}
