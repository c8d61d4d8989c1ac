import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './testing.js';

let s: TestServer;
const TOTAL = 1200;
before(async () => {
  s = await startTestServer();
  await s.req('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'pg' } } });
  for (let i = 0; i < TOTAL; i++) {
    const name = `cm-${String(i).padStart(4, '0')}`;
    const r = await s.req('POST', '/api/v1/namespaces/pg/configmaps', {
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { parity: i % 2 === 0 ? 'even' : 'odd' } } },
    });
    assert.equal(r.status, 201, r.text);
  }
});
after(async () => {
  await s.close();
});

async function listAll(query: string): Promise<{ names: string[]; pages: number; rvs: Set<string>; remaining: (number | undefined)[] }> {
  const names: string[] = [];
  const rvs = new Set<string>();
  /** Per page: names seen so far plus the page's remainingItemCount (the total, when exact). */
  const remaining: (number | undefined)[] = [];
  let cont = '';
  let pages = 0;
  do {
    const r = await s.req('GET', `/api/v1/namespaces/pg/configmaps?${query}${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
    assert.equal(r.status, 200, r.text);
    const body = r.json();
    const meta = body.metadata as { continue?: string; resourceVersion: string; remainingItemCount?: number };
    rvs.add(meta.resourceVersion);
    for (const i of body.items ?? []) names.push((i['metadata'] as { name: string }).name);
    remaining.push(meta.remainingItemCount === undefined ? undefined : names.length + meta.remainingItemCount);
    cont = meta.continue ?? '';
    pages++;
  } while (cont);
  return { names, pages, rvs, remaining };
}

test('paging with limit and continue returns every object once, in order, at one revision', async () => {
  const { names, pages, rvs, remaining } = await listAll('limit=500');
  assert.equal(names.length, TOTAL);
  // Every page but the last says how many follow, as Kubernetes' chunking conformance test checks.
  assert.deepEqual(remaining, [TOTAL, TOTAL, undefined]);
  assert.equal(new Set(names).size, TOTAL);
  assert.deepEqual(names, [...names].sort());
  assert.equal(pages, 3);
  assert.equal(rvs.size, 1);
});

test('paging stays consistent while objects change between pages', async () => {
  const first = await s.req('GET', '/api/v1/namespaces/pg/configmaps?limit=100');
  const cont = String((first.json().metadata as { continue: string }).continue);
  await s.req('POST', '/api/v1/namespaces/pg/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'zz-late' } } });
  await s.req('DELETE', '/api/v1/namespaces/pg/configmaps/cm-1199');
  let next = cont;
  const names: string[] = [];
  while (next) {
    const body = (await s.req('GET', `/api/v1/namespaces/pg/configmaps?limit=400&continue=${encodeURIComponent(next)}`)).json();
    for (const i of body.items ?? []) names.push((i['metadata'] as { name: string }).name);
    next = (body.metadata as { continue?: string }).continue ?? '';
  }
  assert.equal(names.length, TOTAL - 100);
  assert.ok(names.includes('cm-1199'));
  assert.ok(!names.includes('zz-late'));
  await s.req('POST', '/api/v1/namespaces/pg/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm-1199', labels: { parity: 'odd' } } } });
  await s.req('DELETE', '/api/v1/namespaces/pg/configmaps/zz-late');
});

test('paging with a label selector fills pages with matching objects only', async () => {
  const { names, remaining } = await listAll('limit=100&labelSelector=parity%3Deven');
  assert.equal(names.length, TOTAL / 2);
  assert.ok(remaining.every((r) => r === undefined), 'no remainingItemCount when a selector filters');
  assert.ok(names.every((n) => Number(n.slice(3)) % 2 === 0));
});

test('a continue token from a compacted revision answers 410 Expired', async () => {
  const first = await s.req('GET', '/api/v1/namespaces/pg/configmaps?limit=10');
  const cont = String((first.json().metadata as { continue: string }).continue);
  await s.req('POST', '/api/v1/namespaces/pg/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'zz-bump' } } });
  await s.storage.compact(await s.storage.currentRevision());
  const r = await s.req('GET', `/api/v1/namespaces/pg/configmaps?limit=10&continue=${encodeURIComponent(cont)}`);
  assert.equal(r.status, 410);
  assert.equal(r.json()['reason'], 'Expired');
  const bad = await s.req('GET', '/api/v1/namespaces/pg/configmaps?limit=10&continue=garbage');
  assert.equal(bad.status, 400);
});
