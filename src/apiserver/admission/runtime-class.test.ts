import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { RuntimeClass } from 'kubernetes-types/node/v1.js';
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { findResource, type ResourceInfo } from '../../api/resources.js';
import { MemoryStorage } from '../../storage/memory/memory.js';
import { isPod } from '../registry/kinds.js';
import { Registries } from '../registry/registries.js';
import type { WriteContext } from '../registry/types.js';
import { admitPodRuntimeClass, runtimeClassAdmission, sameResourceList, type RuntimeClassLookup } from './runtime-class.js';
import { storedRuntimeClasses } from './runtime-class-lookup.js';

function pod(spec: Partial<NonNullable<Pod['spec']>> = {}): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } };
}

function lookupOf(...classes: RuntimeClass[]): RuntimeClassLookup {
  return async (name) => classes.find((c) => c.metadata?.name === name);
}

const kata: RuntimeClass = {
  apiVersion: 'node.k8s.io/v1',
  kind: 'RuntimeClass',
  metadata: { name: 'kata' },
  handler: 'kata',
  overhead: { podFixed: { cpu: '10m', memory: '1Mi' } },
  scheduling: { nodeSelector: { sandbox: 'kata' }, tolerations: [{ key: 'sandbox', operator: 'Exists', effect: 'NoSchedule' }] },
};

async function refusal(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApiError, String(err));
    return err;
  }
  assert.fail('admitted');
}

test('a pod naming no RuntimeClass passes unchanged', async () => {
  const p = pod({ nodeSelector: { a: 'b' } });
  const before = JSON.stringify(p);
  await admitPodRuntimeClass(p, lookupOf());
  assert.equal(JSON.stringify(p), before);
});

test('a pod naming a missing RuntimeClass is refused with 403', async () => {
  const err = await refusal(admitPodRuntimeClass(pod({ runtimeClassName: 'does-not-exist' }), lookupOf(kata)));
  assert.equal(err.code, 403);
  assert.equal(err.reason, 'Forbidden');
  assert.equal(err.message, 'pods "p" is forbidden: pod rejected: RuntimeClass "does-not-exist" not found');
});

test("the class's overhead, node selector and tolerations are set on the pod", async () => {
  const p = pod({ runtimeClassName: 'kata', nodeSelector: { zone: 'a' }, tolerations: [{ key: 'x', operator: 'Exists' }] });
  await admitPodRuntimeClass(p, lookupOf(kata));
  assert.deepEqual(p.spec?.overhead, { cpu: '10m', memory: '1Mi' });
  assert.deepEqual(p.spec?.nodeSelector, { zone: 'a', sandbox: 'kata' });
  assert.deepEqual(p.spec?.tolerations, [
    { key: 'x', operator: 'Exists' },
    { key: 'sandbox', operator: 'Exists', effect: 'NoSchedule' },
  ]);
});

test('an overhead the pod states must equal the class overhead (as quantities)', async () => {
  await admitPodRuntimeClass(pod({ runtimeClassName: 'kata', overhead: { cpu: '0.01', memory: '1048576' } }), lookupOf(kata));
  const err = await refusal(admitPodRuntimeClass(pod({ runtimeClassName: 'kata', overhead: { cpu: '20m', memory: '1Mi' } }), lookupOf(kata)));
  assert.equal(err.code, 403);
  assert.match(err.message, /Pod's Overhead doesn't match RuntimeClass's defined Overhead/);
});

test('an overhead without a class that defines one is refused', async () => {
  const plain: RuntimeClass = { metadata: { name: 'runc' }, handler: 'runc' };
  const err = await refusal(admitPodRuntimeClass(pod({ overhead: { cpu: '1m' } }), lookupOf()));
  assert.match(err.message, /Pod Overhead set without corresponding RuntimeClass defined Overhead/);
  await refusal(admitPodRuntimeClass(pod({ runtimeClassName: 'runc', overhead: { cpu: '1m' } }), lookupOf(plain)));
  await admitPodRuntimeClass(pod({ runtimeClassName: 'runc', overhead: {} }), lookupOf(plain));
});

test('a node selector value conflicting with the class is refused', async () => {
  const err = await refusal(admitPodRuntimeClass(pod({ runtimeClassName: 'kata', nodeSelector: { sandbox: 'gvisor' } }), lookupOf(kata)));
  assert.equal(err.code, 403);
  assert.equal(
    err.message,
    'pods "p" is forbidden: conflict: runtimeClass.scheduling.nodeSelector[sandbox] = kata; pod.spec.nodeSelector[sandbox] = gvisor',
  );
});

test('the refusal names a generated pod by its generateName', async () => {
  const p = pod({ runtimeClassName: 'gone' });
  p.metadata = { generateName: 'web-' };
  const err = await refusal(admitPodRuntimeClass(p, lookupOf()));
  assert.match(err.message, /^pods "web-" is forbidden/);
});

test('resource lists compare by amount; absent equals empty', () => {
  assert.ok(sameResourceList({ memory: '1Mi' }, { memory: '1048576' }));
  assert.ok(sameResourceList(undefined, {}));
  assert.ok(!sameResourceList({ cpu: '1' }, { memory: '1' }));
  assert.ok(!sameResourceList({ cpu: '1' }, { cpu: '1', memory: '1' }));
});

// Through the registry, as the API server wires it: storage lookups, dry run, deletion.

function resource(group: string, plural: string): ResourceInfo {
  const r = findResource(group, 'v1', plural);
  if (!r) throw new Error(`no ${plural}`);
  return r;
}

/** A copy as the registry's generic object type. */
function object(o: Pod | RuntimeClass): KubeObject {
  return JSON.parse(JSON.stringify(o)) as KubeObject;
}

function ctx(dryRun = false): WriteContext {
  return { user: { username: 'admin', groups: ['system:masters'] }, dryRun, fieldManager: 'test', warnings: [] };
}

async function withRegistries(fn: (regs: Registries) => Promise<void>): Promise<void> {
  const storage = new MemoryStorage();
  const admission = runtimeClassAdmission(storedRuntimeClasses(storage));
  const regs = new Registries({ storage, hooks: (r) => (isPod(r) ? admission : undefined) });
  try {
    await regs.for(resource('', 'namespaces')).create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } }, ctx());
    await fn(regs);
  } finally {
    regs.close();
    await storage.close();
  }
}

test('the registry applies the class at create, dry run too, and refuses once it is deleted', async () => {
  await withRegistries(async (regs) => {
    const pods = regs.for(resource('', 'pods'));
    const classes = regs.for(resource('node.k8s.io', 'runtimeclasses'));
    await classes.create(undefined, object(kata), ctx());
    const spec = (obj: KubeObject): Pod['spec'] => (obj as Pod).spec;

    const dry = await pods.create('default', object(pod({ runtimeClassName: 'kata' })), ctx(true));
    assert.deepEqual(spec(dry.obj)?.overhead, { cpu: '10m', memory: '1Mi' });

    const created = await pods.create('default', object(pod({ runtimeClassName: 'kata' })), ctx());
    assert.deepEqual(spec(created.obj)?.overhead, { cpu: '10m', memory: '1Mi' });
    assert.deepEqual(spec(created.obj)?.nodeSelector, { sandbox: 'kata' });
    // Runs after defaulting: the default not-ready/unreachable tolerations stay, the class's follows.
    assert.deepEqual(
      spec(created.obj)?.tolerations?.map((t) => t.key),
      ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable', 'sandbox'],
    );
    const stored = await pods.get('default', 'p');
    assert.deepEqual(spec(stored.obj)?.overhead, { cpu: '10m', memory: '1Mi' });

    await classes.delete(undefined, 'kata', {}, ctx());
    const second = pod({ runtimeClassName: 'kata' });
    second.metadata = { name: 'p2', namespace: 'default' };
    const err = await refusal(pods.create('default', object(second), ctx()));
    assert.equal(err.code, 403);
    assert.equal(err.message, 'pods "p2" is forbidden: pod rejected: RuntimeClass "kata" not found');
  });
});
