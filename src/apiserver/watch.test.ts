import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { findResource } from '../api/resources.js';
import { openWatch, startTestServer, type TestServer, type WatchEvent } from './testing.js';

let s: TestServer;
before(async () => {
  s = await startTestServer({ tuning: { bookmarkIntervalMs: 200 } });
  await s.req('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'w' } } });
});
after(async () => {
  await s.close();
});

const base = '/api/v1/namespaces/w/configmaps';
const cm = (name: string, labels: Record<string, string> = {}, data: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, labels },
  data,
});
const nameOf = (e: WatchEvent): string => String(e.object.metadata?.['name']);
const rvOf = (e: WatchEvent): string => String(e.object.metadata?.['resourceVersion']);

test('watch from a list resourceVersion sees later events in order', async () => {
  const list = (await s.req('GET', base)).json();
  const rv = String((list.metadata as { resourceVersion: string }).resourceVersion);
  const w = await openWatch(s.url, `${base}?watch=true&resourceVersion=${rv}`);
  assert.equal(w.status, 200);
  const created = (await s.req('POST', base, { body: cm('o1') })).json();
  await s.req('PUT', `${base}/o1`, { body: { ...created, data: { x: 'y' } } });
  await s.req('DELETE', `${base}/o1`);
  const events = [await w.next(), await w.next(), await w.next()];
  assert.deepEqual(events.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
  assert.ok(events.every((e) => nameOf(e) === 'o1' && e.object['kind'] === 'ConfigMap'));
  const rvs = events.map((e) => Number(rvOf(e)));
  assert.ok(rvs[0]! < rvs[1]! && rvs[1]! < rvs[2]!);
  w.close();
});

test('watch without resourceVersion starts with the current state as ADDED', async () => {
  await s.req('POST', base, { body: cm('existing') });
  const w = await openWatch(s.url, `${base}?watch=1`);
  const first = await w.next();
  assert.equal(first.type, 'ADDED');
  assert.equal(nameOf(first), 'existing');
  await s.req('DELETE', `${base}/existing`);
  const del = await w.next();
  assert.equal(del.type, 'DELETED');
  w.close();
});

test('label-selected watches see objects enter and leave the selection', async () => {
  const list = (await s.req('GET', base)).json();
  const rv = String((list.metadata as { resourceVersion: string }).resourceVersion);
  const w = await openWatch(s.url, `${base}?watch=true&labelSelector=app%3Dweb&resourceVersion=${rv}`);
  const o = (await s.req('POST', base, { body: cm('sel', { app: 'db' }) })).json();
  const inSel = (await s.req('PUT', `${base}/sel`, { body: { ...o, metadata: { ...(o.metadata as object), labels: { app: 'web' } } } })).json();
  await s.req('PUT', `${base}/sel`, { body: { ...inSel, data: { a: 'b' } } });
  const cur = (await s.req('GET', `${base}/sel`)).json();
  await s.req('PUT', `${base}/sel`, { body: { ...cur, metadata: { ...(cur.metadata as object), labels: { app: 'other' } } } });
  const e1 = await w.next();
  const e2 = await w.next();
  const e3 = await w.next();
  assert.deepEqual([e1.type, e2.type, e3.type], ['ADDED', 'MODIFIED', 'DELETED']);
  assert.deepEqual(e1.object.metadata?.['labels'], { app: 'web' });
  // the DELETED event carries the last state that matched
  assert.deepEqual(e3.object.metadata?.['labels'], { app: 'web' });
  w.close();
});

test('field selector metadata.name watches one object; bookmarks carry a resourceVersion', async () => {
  const w = await openWatch(s.url, `${base}?watch=true&fieldSelector=metadata.name%3Done&allowWatchBookmarks=true&resourceVersion=0`);
  await s.req('POST', base, { body: cm('other') });
  await s.req('POST', base, { body: cm('one') });
  let added: WatchEvent | undefined;
  let bookmark: WatchEvent | undefined;
  while (!added || !bookmark) {
    const e = await w.next();
    if (e.type === 'ADDED') added = e;
    else if (e.type === 'BOOKMARK') bookmark = e;
  }
  assert.equal(nameOf(added), 'one');
  assert.equal(bookmark.object['kind'], 'ConfigMap');
  assert.match(String(bookmark.object.metadata?.['resourceVersion']), /^\d+$/);
  w.close();
});

test('timeoutSeconds ends the stream', async () => {
  const w = await openWatch(s.url, `${base}?watch=true&timeoutSeconds=1`);
  await w.ended;
});

test('a compacted resourceVersion gives an ERROR event with 410 Expired', async () => {
  for (let i = 0; i < 3; i++) await s.req('POST', base, { body: cm(`c${i}`) });
  const rev = await s.storage.currentRevision();
  await s.storage.compact(rev);
  // Events after 1 are gone from storage; the cache window (started later) cannot serve them either.
  const w = await openWatch(s.url, `/api/v1/namespaces/w/secrets?watch=true&resourceVersion=1`);
  const e = await w.next();
  assert.equal(e.type, 'ERROR');
  assert.equal(e.object['code'], 410);
  assert.equal(e.object['reason'], 'Expired');
  await w.ended;
});

test('a watch from before the cache window replays from storage, then moves to the cache without losing or repeating an event', async () => {
  const path = '/api/v1/namespaces/w/podtemplates';
  const template = (name: string) => ({ apiVersion: 'v1', kind: 'PodTemplate', metadata: { name }, template: { spec: { containers: [{ name: 'c', image: 'i' }] } } });
  const resource = findResource('', 'v1', 'podtemplates');
  assert.ok(resource);
  // Listed from storage before anything started the podtemplates cache.
  const rv = String(((await s.req('GET', path)).json().metadata as { resourceVersion: string }).resourceVersion);
  await s.req('POST', path, { body: template('t0') });
  // The watch starts the cache after t0 was written: its window does not reach back to rv.
  const w = await openWatch(s.url, `${path}?watch=true&resourceVersion=${rv}`);
  const cache = s.registries.cache(resource);
  const first = await w.next();
  assert.deepEqual([first.type, nameOf(first)], ['ADDED', 't0']);
  assert.equal(cache.subscriberCount, 0, 't0 is older than the window: the watch still reads storage');
  for (const name of ['t1', 't2']) await s.req('POST', path, { body: template(name) });
  const seen = [nameOf(await w.next()), nameOf(await w.next())];
  assert.equal(cache.subscriberCount, 1, 'the watch has moved to the cache');
  await s.req('DELETE', `${path}/t0`);
  const del = await w.next();
  assert.deepEqual([...seen, `${del.type} ${nameOf(del)}`], ['t1', 't2', 'DELETED t0']);
  w.close();
});

test('Table watches send one-row tables', async () => {
  const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
  const list = (await s.req('GET', base)).json();
  const rv = String((list.metadata as { resourceVersion: string }).resourceVersion);
  const w = await openWatch(s.url, `${base}?watch=true&resourceVersion=${rv}`, { accept });
  await s.req('POST', base, { body: cm('tabled') });
  const e = await w.next();
  assert.equal(e.type, 'ADDED');
  assert.equal(e.object['kind'], 'Table');
  const rows = e.object['rows'] as { object: { metadata: { name: string } } }[];
  assert.equal(rows.length, 1);
  assert.equal(rows[0]?.object.metadata.name, 'tabled');
  w.close();
});

test('many watchers share events and all see every change', async () => {
  const list = (await s.req('GET', base)).json();
  const rv = String((list.metadata as { resourceVersion: string }).resourceVersion);
  const watchers = await Promise.all(Array.from({ length: 20 }, () => openWatch(s.url, `${base}?watch=true&resourceVersion=${rv}`)));
  for (let i = 0; i < 5; i++) await s.req('POST', base, { body: cm(`shared${i}`) });
  for (const w of watchers) {
    const names: string[] = [];
    for (let i = 0; i < 5; i++) names.push(nameOf(await w.next()));
    assert.deepEqual(names, ['shared0', 'shared1', 'shared2', 'shared3', 'shared4']);
    w.close();
  }
});
