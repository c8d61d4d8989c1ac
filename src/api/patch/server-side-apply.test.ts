import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { serverSideApply, trackUpdate, type ApplyRequest } from './patch.js';

const gvk = { group: 'apps', version: 'v1', kind: 'Deployment' };
const t0 = '2025-01-01T00:00:00Z';
const t1 = '2025-01-01T00:01:00Z';

function deployment(opts: { replicas?: number; image?: string; labels?: Record<string, string>; containers?: unknown[] } = {}): KubeObject {
  const labels = opts.labels ?? { app: 'web' };
  const spec: Record<string, unknown> = {
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: opts.containers ?? [{ name: 'nginx', image: opts.image ?? 'nginx:1.26', ports: [{ containerPort: 80 }] }] },
    },
  };
  if (opts.replicas !== undefined) spec['replicas'] = opts.replicas;
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels }, spec };
}

function apply(current: KubeObject | undefined, applied: KubeObject, more: Partial<ApplyRequest> = {}): KubeObject {
  return serverSideApply({ gvk, current, applied, manager: 'kubectl', force: false, subresource: '', now: t0, ...more });
}

function managed(obj: KubeObject): { manager?: string; operation?: string; fieldsV1?: unknown; time?: string; subresource?: string }[] {
  return (obj.metadata?.managedFields ?? []) as { manager?: string; operation?: string }[];
}

function spec(obj: KubeObject): Record<string, unknown> {
  return obj['spec'] as Record<string, unknown>;
}

function isConflict(expectedMessage: string, expectedCauses: unknown[]) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.code, 409);
    assert.equal(e.reason, 'Conflict');
    assert.equal(e.message, expectedMessage);
    assert.deepEqual(e.details?.causes, expectedCauses);
    return true;
  };
}

test('apply creates the object and records the applied fields as Kubernetes encodes them', () => {
  const out = apply(undefined, deployment({ replicas: 1 }));
  assert.equal(spec(out)['replicas'], 1);
  assert.deepEqual(managed(out), [
    {
      manager: 'kubectl',
      operation: 'Apply',
      apiVersion: 'apps/v1',
      time: t0,
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:labels': { 'f:app': {} } },
        'f:spec': {
          'f:replicas': {},
          'f:selector': {},
          'f:template': {
            'f:metadata': { 'f:labels': { 'f:app': {} } },
            'f:spec': {
              'f:containers': {
                'k:{"name":"nginx"}': {
                  '.': {},
                  'f:image': {},
                  'f:name': {},
                  'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
                },
              },
            },
          },
        },
      },
    },
  ]);
});

test('re-applying with a changed field updates it; the inputs are not mutated', () => {
  const created = apply(undefined, deployment({ replicas: 1 }));
  const before = structuredClone(created);
  const applied = deployment({ replicas: 3, image: 'nginx:1.27' });
  const appliedBefore = structuredClone(applied);
  const out = apply(created, applied, { now: t1 });
  assert.equal(spec(out)['replicas'], 3);
  assert.deepEqual(out['spec'], { ...spec(created), replicas: 3, template: applied['spec'] && (applied['spec'] as Record<string, unknown>)['template'] });
  assert.equal(managed(out).length, 1);
  assert.equal(managed(out)[0]?.time, t1);
  assert.deepEqual(created, before);
  assert.deepEqual(applied, appliedBefore);
});

test('a field removed from the applied configuration is removed from the object', () => {
  const created = apply(undefined, deployment({ replicas: 2, labels: { app: 'web', tier: 'front' } }));
  const out = apply(created, deployment({ labels: { app: 'web' } }));
  assert.deepEqual(out.metadata?.labels, { app: 'web' });
  assert.equal('replicas' in spec(out), false);
});

test('a removed list item goes; items owned by someone else stay', () => {
  const two = deployment({ containers: [{ name: 'a', image: 'a' }, { name: 'b', image: 'b' }] });
  const created = apply(undefined, two);
  const out = apply(created, deployment({ containers: [{ name: 'a', image: 'a' }] }));
  assert.deepEqual((spec(out)['template'] as { spec: { containers: unknown[] } }).spec.containers, [{ name: 'a', image: 'a' }]);

  // Another applier also owns the label: it survives the first applier dropping it.
  const shared = apply(created, deployment({ labels: { app: 'web' } }), { manager: 'other' });
  const afterDrop = apply(shared, deployment({ labels: { other: 'x' } }));
  assert.deepEqual(afterDrop.metadata?.labels, { app: 'web', other: 'x' });
});

test('two appliers: a different value is a conflict worded as Kubernetes does', () => {
  const created = apply(undefined, deployment({ replicas: 1 }), { manager: 'alice' });
  assert.throws(
    () => apply(created, deployment({ replicas: 2 }), { manager: 'bob' }),
    isConflict('Apply failed with 1 conflict: conflict with "alice": .spec.replicas', [
      { reason: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.spec.replicas' },
    ]),
  );
  // The same value is no conflict: both own it.
  const sharedOut = apply(created, deployment({ replicas: 1 }), { manager: 'bob' });
  assert.deepEqual(managed(sharedOut).map((m) => m.manager), ['alice', 'bob']);
});

test('several conflicts are listed by manager', () => {
  const created = apply(undefined, deployment({ replicas: 1 }), { manager: 'alice' });
  assert.throws(
    () => apply(created, deployment({ replicas: 2, image: 'nginx:2' }), { manager: 'bob' }),
    isConflict(
      'Apply failed with 2 conflicts: conflicts with "alice":\n- .spec.replicas\n- .spec.template.spec.containers[name="nginx"].image',
      [
        { reason: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.spec.replicas' },
        { reason: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.spec.template.spec.containers[name="nginx"].image' },
      ],
    ),
  );
});

test('force takes ownership from the other manager', () => {
  const created = apply(undefined, deployment({ replicas: 1 }), { manager: 'alice' });
  const out = apply(created, deployment({ replicas: 2 }), { manager: 'bob', force: true });
  assert.equal(spec(out)['replicas'], 2);
  const alice = managed(out).find((m) => m.manager === 'alice');
  const aliceSpec = (alice?.fieldsV1 as Record<string, Record<string, unknown>>)['f:spec'];
  assert.equal(aliceSpec && 'f:replicas' in aliceSpec, false);
  // alice no longer owns replicas, so her next apply (without force) conflicts with bob.
  assert.throws(() => apply(out, deployment({ replicas: 1 }), { manager: 'alice' }), /conflict with "bob": \.spec\.replicas/);
});

test('after kubectl apply (client-side), a server-side apply with another value conflicts with kubectl-client-side-apply', () => {
  const csa = deployment({ replicas: 1 });
  const annotations = { 'kubectl.kubernetes.io/last-applied-configuration': `${JSON.stringify(csa)}\n` };
  const created: KubeObject = { ...csa, metadata: { ...csa.metadata, annotations } };
  trackUpdate({ gvk, old: undefined, updated: created, manager: 'kubectl-client-side-apply', subresource: '', now: t0 });
  assert.deepEqual(managed(created).map((m) => [m.manager, m.operation]), [['kubectl-client-side-apply', 'Update']]);

  assert.throws(
    () => apply(created, deployment({ replicas: 3 }), { manager: 'my-tool' }),
    isConflict('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas', [
      { reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: '.spec.replicas' },
    ]),
  );

  // kubectl itself may take over fields whose live value still matches its last-applied annotation,
  // and keeps that annotation in step with what it applied.
  const upgraded = apply(created, deployment({ replicas: 3 }), { manager: 'kubectl' });
  assert.equal(spec(upgraded)['replicas'], 3);
  const lastApplied = JSON.parse(upgraded.metadata?.annotations?.['kubectl.kubernetes.io/last-applied-configuration'] ?? '{}');
  assert.equal(lastApplied.spec.replicas, 3);
});

test('kubectl cannot take over a field whose live value differs from its last-applied annotation', () => {
  const created: KubeObject = {
    ...deployment({ replicas: 1 }),
    metadata: { name: 'web', labels: { app: 'web' }, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(deployment({ replicas: 5 })) } },
  };
  trackUpdate({ gvk, old: undefined, updated: created, manager: 'kubectl-client-side-apply', subresource: '', now: t0 });
  assert.throws(() => apply(created, deployment({ replicas: 3 })), /conflict with "kubectl-client-side-apply" using apps\/v1: \.spec\.replicas/);
});

test('trackUpdate on create owns every field set, marking nodes the create added', () => {
  const obj = deployment({ replicas: 1 });
  trackUpdate({ gvk, old: undefined, updated: obj, manager: 'kubectl-create', subresource: '', now: t0 });
  assert.deepEqual(managed(obj), [
    {
      manager: 'kubectl-create',
      operation: 'Update',
      apiVersion: 'apps/v1',
      time: t0,
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
        'f:spec': {
          'f:replicas': {},
          'f:selector': {},
          'f:template': {
            'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
            'f:spec': {
              'f:containers': {
                'k:{"name":"nginx"}': {
                  '.': {},
                  'f:image': {},
                  'f:name': {},
                  'f:ports': { '.': {}, 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
                },
              },
            },
          },
        },
      },
    },
  ]);
});

test('creates alike but for their names record the same fields; any other difference counts', () => {
  const create = (obj: KubeObject, manager = 'replicaset-controller', now = t0): KubeObject => {
    trackUpdate({ gvk, old: undefined, updated: obj, manager, subresource: '', now });
    return obj;
  };
  const named = (name: string, opts: Parameters<typeof deployment>[0] = {}): KubeObject => {
    const obj = deployment(opts);
    obj.metadata = { ...obj.metadata, name, uid: `uid-${name}`, creationTimestamp: t0 };
    return obj;
  };
  const first = create(named('a', { replicas: 1 }));
  const second = create(named('b', { replicas: 1 }), 'replicaset-controller', t1);
  assert.deepEqual(managed(second), [{ ...managed(first)[0], time: t1 }]);
  // A label, a list item's key, another manager: each records what it is.
  const labelled = create(named('c', { replicas: 1, labels: { app: 'web', tier: 'db' } }));
  assert.deepEqual((managed(labelled)[0]?.fieldsV1 as Record<string, unknown>)['f:metadata'], { 'f:labels': { '.': {}, 'f:app': {}, 'f:tier': {} } });
  const other = create(named('d', { replicas: 1, containers: [{ name: 'redis', image: 'redis', ports: [{ containerPort: 80 }] }] }));
  assert.ok(JSON.stringify(managed(other)[0]?.fieldsV1).includes('k:{\\"name\\":\\"redis\\"}'));
  const byOther = create(named('e', { replicas: 1 }), 'kubectl-create');
  assert.equal(managed(byOther)[0]?.manager, 'kubectl-create');
  assert.deepEqual(managed(byOther)[0]?.fieldsV1, managed(first)[0]?.fieldsV1);
  // Owning nothing records no entry, every time.
  for (const name of ['f', 'g']) {
    const bare = create({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name } });
    assert.equal(bare.metadata?.managedFields, undefined);
  }
});

test('trackUpdate moves changed fields to the updater and ignores status on the main resource', () => {
  const old = deployment({ replicas: 1 });
  trackUpdate({ gvk, old: undefined, updated: old, manager: 'creator', subresource: '', now: t0 });
  const updated: KubeObject = { ...structuredClone(old), status: { replicas: 1 } };
  spec(updated)['replicas'] = 4;
  trackUpdate({ gvk, old, updated, manager: 'kubectl-scale', subresource: '', now: t1 });
  const entries = managed(updated);
  assert.deepEqual(entries.map((m) => m.manager), ['creator', 'kubectl-scale']);
  assert.deepEqual(entries[1]?.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
  const creatorSpec = (entries[0]?.fieldsV1 as Record<string, Record<string, unknown>>)['f:spec'];
  assert.equal(creatorSpec && 'f:replicas' in creatorSpec, false);
  assert.equal(entries[0]?.time, t0);
});

test('trackUpdate through the status subresource owns status only, with subresource recorded', () => {
  const old = deployment({ replicas: 1 });
  trackUpdate({ gvk, old: undefined, updated: old, manager: 'creator', subresource: '', now: t0 });
  const updated: KubeObject = { ...structuredClone(old), status: { replicas: 1, conditions: [{ type: 'Available', status: 'True' }] } };
  trackUpdate({ gvk, old, updated, manager: 'kube-controller-manager', subresource: 'status', now: t1 });
  const entry = managed(updated).find((m) => m.manager === 'kube-controller-manager');
  assert.equal(entry?.subresource, 'status');
  assert.deepEqual(entry?.fieldsV1, {
    'f:status': { 'f:conditions': { '.': {}, 'k:{"type":"Available"}': { '.': {}, 'f:status': {}, 'f:type': {} } }, 'f:replicas': {} },
  });
});

test('trackUpdate: metadata the server sets (resourceVersion, generation) is never owned; a label changed through status is', () => {
  const old = deployment({ replicas: 1 });
  old.metadata = { ...old.metadata, resourceVersion: '5', generation: 1, labels: { app: 'web' } };
  trackUpdate({ gvk, old: undefined, updated: old, manager: 'creator', subresource: '', now: t0 });
  // As the registry hands it over: resourceVersion removed, generation moved on.
  const { resourceVersion: _rv, ...metadata } = structuredClone(old.metadata ?? {});
  const statusOnly: KubeObject = { ...structuredClone(old), metadata: { ...metadata, generation: 2 }, status: { replicas: 1 } };
  trackUpdate({ gvk, old, updated: statusOnly, manager: 'kubelet', subresource: 'status', now: t1 });
  const entries = managed(statusOnly);
  assert.deepEqual(entries.find((m) => m.manager === 'kubelet')?.fieldsV1, { 'f:status': { 'f:replicas': {} } });
  assert.deepEqual(entries.find((m) => m.manager === 'creator')?.fieldsV1, managed(old).find((m) => m.manager === 'creator')?.fieldsV1);

  const relabeled: KubeObject = { ...structuredClone(old), metadata: { ...metadata, labels: { app: 'web', tier: 'front' } }, status: { replicas: 1 } };
  trackUpdate({ gvk, old, updated: relabeled, manager: 'kubelet', subresource: 'status', now: t1 });
  assert.deepEqual(managed(relabeled).find((m) => m.manager === 'kubelet')?.fieldsV1, {
    'f:metadata': { 'f:labels': { 'f:tier': {} } },
    'f:status': { 'f:replicas': {} },
  });
});

test('trackUpdate: an update that changes nothing keeps entries; managedFields [{}] resets them', () => {
  const old = deployment({ replicas: 1 });
  trackUpdate({ gvk, old: undefined, updated: old, manager: 'creator', subresource: '', now: t0 });
  const same = structuredClone(old);
  trackUpdate({ gvk, old, updated: same, manager: 'noop', subresource: '', now: t1 });
  assert.deepEqual(same.metadata?.managedFields, old.metadata?.managedFields);
  const reset: KubeObject = { ...structuredClone(old), metadata: { ...old.metadata, managedFields: [{}] } };
  trackUpdate({ gvk, old, updated: reset, manager: 'x', subresource: '', now: t1 });
  assert.equal(reset.metadata?.managedFields, undefined);
});

test('the first apply to an object nobody owns credits its fields to before-first-apply', () => {
  const out = apply(deployment({ replicas: 1 }), deployment({ replicas: 1, labels: { app: 'web', extra: 'y' } }), { manager: 'tool' });
  assert.deepEqual(managed(out).map((m) => [m.manager, m.operation]), [
    ['tool', 'Apply'],
    ['before-first-apply', 'Update'],
  ]);
});

test('status is not applied through the main resource; the status subresource applies status only', () => {
  const created = apply(undefined, { ...deployment({ replicas: 1 }), status: { replicas: 9 } });
  assert.equal('status' in created, false);
  const withStatus = apply(created, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 7 }, status: { replicas: 1 } }, {
    manager: 'controller',
    subresource: 'status',
  });
  assert.deepEqual(withStatus['status'], { replicas: 1 });
  assert.equal(spec(withStatus)['replicas'], 1);
  const entry = managed(withStatus).find((m) => m.manager === 'controller');
  assert.deepEqual(entry?.fieldsV1, { 'f:status': { 'f:replicas': {} } });
  assert.equal(entry?.subresource, 'status');
});

test('set-typed lists are owned per value; keyed items merge in the applied order', () => {
  const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', finalizers: ['example.com/a'] }, spec: { containers: [{ name: 'a' }] } };
  const out = serverSideApply({ gvk: { group: '', version: 'v1', kind: 'Pod' }, current: undefined, applied: pod, manager: 'm', force: false, subresource: '', now: t0 });
  assert.deepEqual((managed(out)[0]?.fieldsV1 as Record<string, unknown>)['f:metadata'], { 'f:finalizers': { 'v:"example.com/a"': {} } });
});

test('apply rejects managedFields in the configuration and list items without their key', () => {
  assert.throws(() => apply(undefined, { ...deployment(), metadata: { name: 'web', managedFields: [] } }), { code: 400 });
  assert.throws(() => apply(undefined, deployment({ containers: [{ image: 'x' }] })), { code: 400 });
});

test('create and update record the same FieldsV1 for whole new subtrees as for fields added one by one', () => {
  // Duplicate keyed items, sets, nulls, empty objects, key defaults (protocol), nested new lists.
  const gvk = { group: 'apps', version: 'v1', kind: 'Deployment' };
  const container = (name: string, extra: Record<string, unknown>): Record<string, unknown> => ({ name, ...extra });
  const deployment = (labels: Record<string, string>, containers: unknown[], emptyDir: Record<string, unknown>): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'd', namespace: 'n', uid: 'u', labels, annotations: {}, finalizers: ['x/y', 'x/z'],
      ownerReferences: [{ apiVersion: 'v1', kind: 'K', name: 'o', uid: 'o1' }, { apiVersion: 'v1', kind: 'K', name: 'o', uid: 'o1' }],
    },
    spec: {
      replicas: 2, paused: null, selector: { matchLabels: { a: '1' } }, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%' } },
      template: {
        metadata: { labels: { a: '1' } },
        spec: { containers, volumes: [{ name: 'v', emptyDir }], tolerations: [{ key: 't' }], nodeSelector: { z: 'q' } },
      },
    },
    status: { replicas: 3 },
  });
  const c = container('c', {
    image: 'i',
    ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 81 }],
    env: [{ name: 'E', valueFrom: { fieldRef: { fieldPath: 'x' } } }],
    resources: { limits: { cpu: '1' } },
  });
  const created = deployment({ a: '1' }, [c], {});
  trackUpdate({ gvk, old: undefined, updated: created, manager: 'm', subresource: '', now: '2026-01-01T00:00:00Z' });
  const updated = deployment({ a: '1', b: '2' }, [c, container('d', { image: 'j', args: ['a'] })], { medium: 'Memory' });
  updated.metadata = { ...updated.metadata, managedFields: created.metadata?.managedFields };
  trackUpdate({ gvk, old: created, updated, manager: 'other', subresource: '', now: '2026-01-01T00:00:01Z' });
  assert.deepEqual(updated.metadata?.managedFields, JSON.parse("[{\"manager\":\"m\",\"operation\":\"Update\",\"apiVersion\":\"apps/v1\",\"time\":\"2026-01-01T00:00:00Z\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:metadata\":{\"f:annotations\":{},\"f:finalizers\":{\".\":{},\"v:\\\"x/y\\\"\":{},\"v:\\\"x/z\\\"\":{}},\"f:labels\":{\".\":{},\"f:a\":{}},\"f:ownerReferences\":{\".\":{},\"k:{\\\"uid\\\":\\\"o1\\\"}\":{\".\":{},\"f:apiVersion\":{},\"f:kind\":{},\"f:name\":{},\"f:uid\":{}}}},\"f:spec\":{\"f:paused\":{},\"f:replicas\":{},\"f:selector\":{},\"f:strategy\":{\"f:rollingUpdate\":{\".\":{},\"f:maxSurge\":{}},\"f:type\":{}},\"f:template\":{\"f:metadata\":{\"f:labels\":{\".\":{},\"f:a\":{}}},\"f:spec\":{\"f:containers\":{\"k:{\\\"name\\\":\\\"c\\\"}\":{\".\":{},\"f:env\":{\".\":{},\"k:{\\\"name\\\":\\\"E\\\"}\":{\".\":{},\"f:name\":{},\"f:valueFrom\":{\".\":{},\"f:fieldRef\":{\".\":{},\"f:fieldPath\":{}}}}},\"f:image\":{},\"f:name\":{},\"f:ports\":{\".\":{},\"k:{\\\"containerPort\\\":80,\\\"protocol\\\":\\\"TCP\\\"}\":{\".\":{},\"f:containerPort\":{},\"f:protocol\":{}},\"k:{\\\"containerPort\\\":81,\\\"protocol\\\":\\\"TCP\\\"}\":{\".\":{},\"f:containerPort\":{}}},\"f:resources\":{\".\":{},\"f:limits\":{\".\":{},\"f:cpu\":{}}}}},\"f:nodeSelector\":{},\"f:tolerations\":{},\"f:volumes\":{\".\":{},\"k:{\\\"name\\\":\\\"v\\\"}\":{\".\":{},\"f:emptyDir\":{},\"f:name\":{}}}}}}}},{\"manager\":\"other\",\"operation\":\"Update\",\"apiVersion\":\"apps/v1\",\"time\":\"2026-01-01T00:00:01Z\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:metadata\":{\"f:labels\":{\"f:b\":{}}},\"f:spec\":{\"f:template\":{\"f:spec\":{\"f:containers\":{\"k:{\\\"name\\\":\\\"d\\\"}\":{\".\":{},\"f:args\":{},\"f:image\":{},\"f:name\":{}}},\"f:volumes\":{\"k:{\\\"name\\\":\\\"v\\\"}\":{\"f:emptyDir\":{\"f:medium\":{}}}}}}}}}]"));
});
