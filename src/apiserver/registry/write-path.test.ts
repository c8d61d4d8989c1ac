// The write path's shortcuts keep Kubernetes' semantics: the watch cache keeps the object the
// registry wrote (same content and key order as parsing the stored bytes), and a
// read-modify-write started from a cache that lags storage is decided again from storage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../api/errors.js';
import { deepFreeze, type KubeObject } from '../../api/object.js';
import { findResource, storageKey, type ResourceInfo } from '../../api/resources.js';
import { MemoryStorage } from '../../storage/memory/memory.js';
import type { Storage, StorageEvent, WatchOptions } from '../../storage/storage.js';
import { decodeStored, encodeForStorage, storedView, withResourceVersion } from './encoding.js';
import { changedBeyondMeta } from './meta.js';
import { Registries } from './registries.js';
import type { WriteContext } from './types.js';

const WAIT_MS = 5000;

function resource(plural: string): ResourceInfo {
  const r = findResource('', 'v1', plural);
  if (!r) throw new Error(`no ${plural}`);
  return r;
}
const CONFIGMAPS = resource('configmaps');
const NAMESPACES = resource('namespaces');
const PODS = resource('pods');

function ctx(manager = 'test'): WriteContext {
  return { user: { username: 'admin', groups: ['system:masters'] }, dryRun: false, fieldManager: manager, warnings: [] };
}

/** Storage whose watch events wait while the gate is closed: the watch cache then lags storage. */
class GatedStorage {
  private open = true;
  private waiters: (() => void)[] = [];
  readonly storage: Storage;

  constructor(inner: Storage) {
    const watch = async function* (this: GatedStorage, prefix: string, options: WatchOptions): AsyncIterable<StorageEvent> {
      for await (const ev of inner.watch(prefix, options)) {
        while (!this.open) await new Promise<void>((r) => this.waiters.push(r));
        yield ev;
      }
    }.bind(this);
    this.storage = new Proxy(inner, {
      get: (target, prop, receiver) => (prop === 'watch' ? watch : Reflect.get(target, prop, receiver)),
    });
  }

  close(): void {
    this.open = false;
  }

  release(): void {
    this.open = true;
    for (const w of this.waiters.splice(0)) w();
  }
}

/** Polls `check` until it holds; fails after WAIT_MS. */
async function eventually(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function setup(): Promise<{ regs: Registries; gate: GatedStorage; inner: MemoryStorage; close: () => Promise<void> }> {
  const inner = new MemoryStorage();
  const gate = new GatedStorage(inner);
  const regs = new Registries({ storage: gate.storage });
  await regs.for(NAMESPACES).create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } }, ctx());
  return {
    regs,
    gate,
    inner,
    close: async () => {
      gate.release();
      regs.close();
      await inner.close();
    },
  };
}

/** Runs `fn` with the pod registry and its ready watch cache, then closes everything. */
async function withPods(fn: (pods: ReturnType<Registries['for']>, cache: ReturnType<Registries['cache']>) => Promise<void>): Promise<void> {
  const { regs, close } = await setup();
  try {
    const cache = regs.cache(PODS);
    await cache.ready();
    await fn(regs.for(PODS), cache);
  } finally {
    await close();
  }
}

test('the watch cache keeps the written object: same content and key order as the stored bytes', async () => {
  await withPods(async (pods, cache) => {
    const body: KubeObject = {
      spec: { containers: [{ image: 'busybox', name: 'c' }] },
      metadata: { labels: { b: '1', a: '2' }, name: 'p', namespace: 'default' },
      kind: 'Pod',
      apiVersion: 'v1',
    };
    const created = await pods.create('default', body, ctx('maker'), { bodyOwned: true });
    const key = storageKey(PODS, 'default', 'p');
    await eventually('the create in the cache', () => cache.current(key)?.rv === created.rv);
    const cached = cache.current(key);
    assert.ok(cached);
    assert.equal(JSON.stringify(cached.obj), cached.json.toString(), 'the kept object serializes to the served bytes');
    assert.deepEqual(cached.obj, decodeStored(created.json));
    assert.equal(cached.json.toString(), created.json.toString());

    const patched = await pods.patch('default', 'p', { type: 'merge', body: { status: { phase: 'Running' } }, force: false }, ctx('kubelet'), {
      subresource: 'status',
    });
    await eventually('the patch in the cache', () => cache.current(key)?.rv === patched.stored.rv);
    const after = cache.current(key);
    assert.ok(after);
    assert.equal(JSON.stringify(after.obj), patched.stored.json.toString());
    assert.deepEqual(after.obj.metadata?.managedFields?.map((m) => m.manager).sort(), ['kubelet', 'maker']);
  });
});

test('storedView equals parsing the stored bytes, undefined members left out', () => {
  const obj: KubeObject = { kind: 'X', apiVersion: 'v1', spec: { a: 1 }, extra: undefined, metadata: { name: 'n', resourceVersion: '3', uid: undefined } };
  const parsed = decodeStored(withResourceVersion(encodeForStorage(obj), 7));
  assert.equal(JSON.stringify(storedView(obj, 7)), JSON.stringify(parsed));
  assert.deepEqual(storedView(obj, 7), parsed);
  // A "__proto__" key, which JSON.parse makes an own field, stays a field in both.
  const odd = JSON.parse('{"apiVersion":"v1","kind":"X","metadata":{"name":"n","__proto__":{"a":1}},"__proto__":{"b":2}}') as KubeObject;
  const oddParsed = decodeStored(withResourceVersion(encodeForStorage(odd), 8));
  assert.deepEqual(Object.keys(oddParsed), ['apiVersion', 'kind', 'metadata', '__proto__']);
  assert.equal(JSON.stringify(storedView(odd, 8)), JSON.stringify(oddParsed));
  assert.equal(Object.getPrototypeOf(storedView(odd, 8).metadata), Object.prototype);
});

test('an update checked against a cache that lags storage is decided again from storage', async () => {
  const { regs, gate, inner, close } = await setup();
  try {
    const cms = regs.for(CONFIGMAPS);
    const cache = regs.cache(CONFIGMAPS);
    await cache.ready();
    const first = await cms.create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } }, ctx());
    const key = storageKey(CONFIGMAPS, 'default', 'c');
    await eventually('the create in the cache', () => cache.current(key)?.rv === first.rv);

    // Another writer changes the object while the cache does not hear of it.
    gate.close();
    const other = await inner.update(key, encodeForStorage({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { ...first.obj.metadata }, data: { a: '1', b: '2' } }), first.rv);
    assert.ok(other.ok);
    const latest = other.kv.modRevision;
    assert.equal(cache.current(key)?.rv, first.rv, 'the cache lags');

    // A precondition on the newest revision holds although the cache has an older one.
    const updated = await cms.update('default', 'c', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', resourceVersion: String(latest) }, data: { a: 'x' } }, ctx());
    assert.ok(updated.rv > latest);

    // A merge patch lands on the newest state, not on the cached one.
    const patched = await cms.patch('default', 'c', { type: 'merge', body: { data: { c: '3' } }, force: false }, ctx());
    assert.deepEqual(patched.stored.obj['data'], { a: 'x', c: '3' });

    // Content equal to the cached (stale) state is no no-op: storage holds something else.
    const stale = await cms.update('default', 'c', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } }, ctx());
    assert.ok(stale.rv > patched.stored.rv);
    assert.deepEqual(stale.obj['data'], { a: '1' });

    // A stale precondition is still a conflict.
    await assert.rejects(
      cms.update('default', 'c', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', resourceVersion: String(first.rv) }, data: {} }, ctx()),
      (e: unknown) => e instanceof ApiError && e.code === 409,
    );
    gate.release();
    await eventually('the cache to catch up', () => cache.current(key)?.rv === stale.rv);
    assert.deepEqual(cache.current(key)?.obj['data'], { a: '1' });
  } finally {
    await close();
  }
});

test('create admission finds a namespace the cache has not seen yet, and refuses a terminating one', async () => {
  const { regs, gate, inner, close } = await setup();
  try {
    const cms = regs.for(CONFIGMAPS);
    await cms.create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'warm' } }, ctx());
    await eventually('the namespace cache to start', () => regs.cache(NAMESPACES).running);
    gate.close();
    const nsKey = storageKey(NAMESPACES, '', 'fresh');
    assert.ok((await inner.create(nsKey, encodeForStorage({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fresh' } }))).ok);
    await cms.create('fresh', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }, ctx());
    const dying = encodeForStorage({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dying', deletionTimestamp: '2024-01-01T00:00:00Z' }, status: { phase: 'Terminating' } });
    assert.ok((await inner.create(storageKey(NAMESPACES, '', 'dying'), dying)).ok);
    await assert.rejects(
      cms.create('dying', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }, ctx()),
      (e: unknown) => e instanceof ApiError && e.code === 403,
    );
    await assert.rejects(
      cms.create('absent', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }, ctx()),
      (e: unknown) => e instanceof ApiError && e.code === 404,
    );
  } finally {
    await close();
  }
});

test('changedBeyondMeta ignores resourceVersion, managedFields and key order only', () => {
  const base: KubeObject = { apiVersion: 'v1', kind: 'X', metadata: { name: 'a', resourceVersion: '1', managedFields: [] }, spec: { x: 1, y: [1, { z: 2 }] } };
  assert.equal(changedBeyondMeta({ kind: 'X', apiVersion: 'v1', spec: { y: [1, { z: 2 }], x: 1 }, metadata: { name: 'a' } }, base), false);
  assert.equal(changedBeyondMeta({ ...base, spec: { x: 1, y: [1, { z: 3 }] } }, base), true);
  assert.equal(changedBeyondMeta({ ...base, metadata: { name: 'a', labels: { l: 'v' } } }, base), true);
  assert.equal(changedBeyondMeta({ ...base, status: {} }, base), true);
  assert.equal(changedBeyondMeta({ ...base, status: undefined }, base), false);
});

test('no write changes the cached object it starts from (patches, updates, status, binding-style mutate)', async () => {
  await withPods(async (pods, cache) => {
    const key = storageKey(PODS, 'default', 'p');
    const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { a: '1' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
    let last = await pods.create('default', pod, ctx('maker'));
    const writes: [string, () => Promise<{ rv: number }>][] = [
      ['merge patch of status', async () => (await pods.patch('default', 'p', { type: 'merge', body: { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }, force: false }, ctx('kubelet'), { subresource: 'status' })).stored],
      ['merge patch', async () => (await pods.patch('default', 'p', { type: 'merge', body: { metadata: { labels: { b: '2' } } }, force: false }, ctx())).stored],
      ['JSON patch', async () => (await pods.patch('default', 'p', { type: 'json', body: [{ op: 'add', path: '/metadata/labels/c', value: '3' }], force: false }, ctx())).stored],
      ['strategic merge patch', async () => (await pods.patch('default', 'p', { type: 'strategic', body: { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } }, force: false }, ctx())).stored],
      ['apply', async () => (await pods.patch('default', 'p', { type: 'apply', body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { d: '4' } } }, force: true }, ctx('applier'))).stored],
      ['update', async () => pods.update('default', 'p', { ...last.obj, metadata: { ...last.obj.metadata, labels: { e: '5' } } } as KubeObject, ctx())],
      ['status update', async () => pods.update('default', 'p', { ...last.obj, status: { phase: 'Succeeded' } } as KubeObject, ctx('kubelet'), { subresource: 'status' })],
      ['mutate', async () => pods.mutate('default', 'p', ctx(), (cur) => ({ ...cur, metadata: { ...cur.metadata, annotations: { x: 'y' } } }))],
    ];
    for (const [what, write] of writes) {
      await eventually(`${what}: the cache to hold the latest write`, () => cache.current(key)?.rv === last.rv);
      const cached = cache.current(key);
      assert.ok(cached);
      const before = JSON.stringify(cached.obj);
      deepFreeze(cached.obj);
      const done = await write();
      assert.ok(done.rv > last.rv, `${what} wrote`);
      assert.equal(JSON.stringify(cached.obj), before, `${what} left the cached object as it was`);
      last = await pods.get('default', 'p');
    }
  });
});

test("a pod's status write may change its labels, annotations and finalizers, not its spec or owners", async () => {
  await withPods(async (pods) => {
    const owner = { apiVersion: 'v1', kind: 'ReplicationController', name: 'rc', uid: 'rc-uid' };
    const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { a: '1' }, ownerReferences: [owner] }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
    await pods.create('default', pod, ctx('maker'));
    const body = {
      metadata: { annotations: { patchedstatus: 'true' }, labels: { b: '2' }, ownerReferences: null },
      spec: { activeDeadlineSeconds: 5 },
      status: { message: 'Patched by e2e test', reason: 'E2E' },
    };
    const { stored } = await pods.patch('default', 'p', { type: 'merge', body, force: false }, ctx('tester'), { subresource: 'status' });
    const m = stored.obj.metadata;
    assert.deepEqual(m?.annotations, { patchedstatus: 'true' });
    assert.deepEqual(m?.labels, { a: '1', b: '2' });
    assert.deepEqual(m?.ownerReferences, [owner]);
    assert.equal((stored.obj['spec'] as Record<string, unknown>)['activeDeadlineSeconds'], undefined);
    assert.equal((stored.obj['status'] as Record<string, unknown>)['reason'], 'E2E');
  });
});

test("a status patch that names the pod's uid applies to that pod only, as the kubelet sends it", async () => {
  await withPods(async (pods) => {
    const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
    const created = await pods.create('default', pod, ctx('maker'));
    const uid = created.obj.metadata?.uid ?? '';
    const phase = async (): Promise<unknown> => ((await pods.get('default', 'p')).obj['status'] as Record<string, unknown> | undefined)?.['phase'];
    const patch = (u: string, to: string) =>
      pods.patch('default', 'p', { type: 'merge', body: { metadata: { uid: u }, status: { phase: to } }, force: false }, ctx('kubelet'), { subresource: 'status' });
    await patch(uid, 'Running');
    assert.equal(await phase(), 'Running');
    // A pod of the same name made later has another uid: the earlier pod's status is refused.
    const err = await patch('0000-other-uid', 'Failed').then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof ApiError);
    assert.equal(err.code, 422);
    assert.deepEqual(err.details?.causes?.map((c) => c.field), ['metadata.uid']);
    assert.equal(await phase(), 'Running');
  });
});

test('status writes of other kinds keep the stored spec as it is, untouched, and default only the status', async () => {
  const { regs, close } = await setup();
  try {
    const cases: { r: ResourceInfo; obj: KubeObject; status: Record<string, unknown>; defaulted?: [string, unknown] }[] = [
      {
        r: findResource('apps', 'v1', 'deployments') as ResourceInfo,
        obj: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } } },
        status: { replicas: 1, readyReplicas: 1, availableReplicas: 1, observedGeneration: 1 },
      },
      {
        r: findResource('apps', 'v1', 'replicasets') as ResourceInfo,
        obj: { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } } },
        status: { replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 1 },
      },
      {
        r: resource('services'),
        obj: { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } },
        status: { conditions: [] },
        defaulted: ['loadBalancer', {}],
      },
    ];
    for (const { r, obj, status, defaulted } of cases) {
      const reg = regs.for(r);
      const cache = regs.cache(r);
      await cache.ready();
      const created = await reg.create('default', obj, ctx('maker'));
      const key = storageKey(r, 'default', obj.metadata?.name ?? '');
      await eventually(`${r.plural}: the create in the cache`, () => cache.current(key)?.rv === created.rv);
      const cached = cache.current(key);
      assert.ok(cached);
      const before = JSON.stringify(cached.obj);
      deepFreeze(cached.obj);
      const written = await reg.patch('default', obj.metadata?.name ?? '', { type: 'merge', body: { status }, force: false }, ctx('controller'), { subresource: 'status' });
      assert.equal(JSON.stringify(cached.obj), before, `${r.plural}: the cached object is unchanged`);
      assert.deepEqual(written.stored.obj['spec'], cached.obj['spec'], `${r.plural}: the spec is the stored one`);
      const got = written.stored.obj['status'] as Record<string, unknown>;
      for (const [k, v] of Object.entries(status)) assert.deepEqual(got[k], v, `${r.plural}: status.${k} written`);
      if (defaulted) assert.deepEqual(got[defaulted[0]], defaulted[1], `${r.plural}: status.${defaulted[0]} defaulted`);
    }
  } finally {
    await close();
  }
});

/** A Deployment, which Kubernetes treats apart in the two tests below, and a ReplicaSet, which it does not. */
const APPS_KINDS = [['deployments', 'Deployment', true], ['replicasets', 'ReplicaSet', false]] as const;

function replicated(kind: string, metadata: KubeObject['metadata']): KubeObject {
  const template = { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
  return { apiVersion: 'apps/v1', kind, metadata, spec: { selector: { matchLabels: { a: 'b' } }, template } };
}

test("a Deployment's status write keeps the client's annotations but not its labels; other kinds keep all metadata as stored", async () => {
  const { regs, close } = await setup();
  try {
    for (const [plural, kind, annotationsWritten] of APPS_KINDS) {
      const reg = regs.for(findResource('apps', 'v1', plural) as ResourceInfo);
      const created = await reg.create('default', replicated(kind, { name: 'x', labels: { tier: 'web' }, annotations: { kept: 'yes' } }), ctx('maker'));
      const sent = { ...created.obj, metadata: { ...created.obj.metadata, labels: { tier: 'changed' }, annotations: { revision: '2' } }, status: { observedGeneration: 1 } };
      const written = (await reg.update('default', 'x', sent, ctx('controller'), { subresource: 'status' })).obj.metadata;
      assert.deepEqual(written?.labels, { tier: 'web' }, `${plural}: labels stay as stored`);
      assert.deepEqual(written?.annotations, annotationsWritten ? { revision: '2' } : { kept: 'yes' }, `${plural}: annotations`);
      assert.equal(written?.generation, 1, `${plural}: a status write is no new generation`);
    }
  } finally {
    await close();
  }
});

test("changing a Deployment's annotations is a new generation (they are copied to its ReplicaSets); a ReplicaSet's are not", async () => {
  const { regs, close } = await setup();
  try {
    for (const [plural, kind, bumps] of APPS_KINDS) {
      const reg = regs.for(findResource('apps', 'v1', plural) as ResourceInfo);
      await reg.create('default', replicated(kind, { name: 'g' }), ctx('maker'));
      const annotated = await reg.patch('default', 'g', { type: 'merge', body: { metadata: { annotations: { note: 'x' } } }, force: false }, ctx('kubectl'));
      assert.equal(annotated.stored.obj.metadata?.generation, bumps ? 2 : 1, `${plural}: generation after an annotation change`);
      const emptied = await reg.patch('default', 'g', { type: 'merge', body: { metadata: { annotations: { note: null } } }, force: false }, ctx('kubectl'));
      assert.equal(emptied.stored.obj.metadata?.generation, bumps ? 3 : 1, `${plural}: generation after removing it`);
      const relabelled = await reg.patch('default', 'g', { type: 'merge', body: { metadata: { labels: { l: 'v' } } }, force: false }, ctx('kubectl'));
      assert.equal(relabelled.stored.obj.metadata?.generation, bumps ? 3 : 1, `${plural}: labels are no new generation`);
    }
  } finally {
    await close();
  }
});

test('status writes of replicated kinds are validated as Kubernetes validates their status', async () => {
  const { regs, close } = await setup();
  try {
    const rsRes = findResource('apps', 'v1', 'replicasets') as ResourceInfo;
    const rs = regs.for(rsRes);
    await regs.cache(rsRes).ready();
    await rs.create('default', { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } } }, ctx());
    const bad: [Record<string, unknown>, string, string][] = [
      [{ replicas: -1 }, 'status.replicas', 'must be greater than or equal to 0'],
      [{ replicas: 1, readyReplicas: 2 }, 'status.readyReplicas', 'cannot be greater than status.replicas'],
      [{ replicas: 2, readyReplicas: 1, availableReplicas: 2 }, 'status.availableReplicas', 'cannot be greater than readyReplicas'],
    ];
    for (const [status, field, detail] of bad) {
      await assert.rejects(
        rs.patch('default', 'rs', { type: 'merge', body: { status }, force: false }, ctx(), { subresource: 'status' }),
        (e: unknown) => e instanceof ApiError && e.code === 422 && (e.details?.causes ?? []).some((c) => c.field === field && (c.message ?? '').includes(detail)),
        JSON.stringify(status),
      );
    }
  } finally {
    await close();
  }
});
