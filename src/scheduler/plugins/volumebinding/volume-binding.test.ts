import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { Action } from '../../events.js';
import { CycleState } from '../../framework.js';
import { NodeInfo } from '../../node-info.js';
import { PodInfo } from '../../pod-info.js';
import { Snapshot } from '../../snapshot.js';
import { bareHandle, fixedVolumes, harness, makeNode, makePod } from '../../testing.js';
import { ERR_REASON_BIND_CONFLICT, ERR_REASON_NODE_CONFLICT, ERR_UNBOUND_IMMEDIATE, volumeBinding } from './volume-binding.js';

const claim = (name: string, o: { volumeName?: string; storageClassName?: string; size?: string; modes?: string[] } = {}): PersistentVolumeClaim => ({
  metadata: { name, namespace: 'default' },
  spec: { volumeName: o.volumeName, storageClassName: o.storageClassName, accessModes: o.modes ?? ['ReadWriteOnce'], resources: { requests: { storage: o.size ?? '1Gi' } } },
});

const localPv = (name: string, node: string, o: { size?: string; storageClassName?: string; claim?: string } = {}): PersistentVolume => ({
  metadata: { name },
  spec: {
    capacity: { storage: o.size ?? '1Gi' },
    accessModes: ['ReadWriteOnce'],
    storageClassName: o.storageClassName ?? 'local',
    claimRef: o.claim ? { namespace: 'default', name: o.claim } : undefined,
    local: { path: `/mnt/${name}` },
    nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } },
  },
  status: { phase: o.claim ? 'Bound' : 'Available' },
});

const waitClass = (name: string, provisioner: string): StorageClass => ({ metadata: { name }, provisioner, volumeBindingMode: 'WaitForFirstConsumer' });

const podWith = (...claims: string[]): PodInfo =>
  new PodInfo(makePod('p', { volumes: claims.map((c, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName: c } })) }));

function run(volumes: ReturnType<typeof fixedVolumes>, pod: PodInfo, nodes: string[]): { pre: string | undefined; perNode: Record<string, string> } {
  const pl = volumeBinding(bareHandle(new Snapshot(), volumes));
  const state = new CycleState();
  const pre = pl.preFilter?.(state, pod, []);
  const perNode: Record<string, string> = {};
  if (pre === undefined) {
    for (const n of nodes) {
      const s = pl.filter?.(state, pod, new NodeInfo(makeNode(n)));
      perNode[n] = s ? `${s.code}: ${s.message}` : 'ok';
    }
  }
  return { pre: pre && 'code' in pre ? `${pre.code}: ${pre.message}` : undefined, perNode };
}

test('pods without claims skip the plugin; a missing or deleted claim is unresolvable', () => {
  const pl = volumeBinding(bareHandle(new Snapshot(), fixedVolumes({})));
  const skipped = pl.preFilter?.(new CycleState(), new PodInfo(makePod('p')), []);
  assert.ok(skipped && 'code' in skipped && skipped.code === 'Skip');
  assert.equal(run(fixedVolumes({}), podWith('data'), []).pre, 'UnschedulableAndUnresolvable: persistentvolumeclaim "data" not found');
  const deleting = { ...claim('data'), metadata: { name: 'data', namespace: 'default', deletionTimestamp: '2026-01-01T00:00:00Z' } };
  assert.equal(run(fixedVolumes({ claims: [deleting] }), podWith('data'), []).pre, 'UnschedulableAndUnresolvable: persistentvolumeclaim "data" is being deleted');
});

test('an unbound claim of an Immediate (or absent) class makes the pod wait', () => {
  const r = run(fixedVolumes({ claims: [claim('data', { storageClassName: 'fast' })], classes: [{ metadata: { name: 'fast' }, provisioner: 'x' }] }), podWith('data'), []);
  assert.equal(r.pre, `UnschedulableAndUnresolvable: ${ERR_UNBOUND_IMMEDIATE}`);
});

test("a bound claim allows only the nodes its volume's node affinity names", () => {
  const volumes = fixedVolumes({ claims: [claim('data', { volumeName: 'pv-a', storageClassName: 'local' })], volumes: [localPv('pv-a', 'a', { claim: 'data' })] });
  const r = run(volumes, podWith('data'), ['a', 'b']);
  assert.deepEqual(r.perNode, { a: 'ok', b: `UnschedulableAndUnresolvable: ${ERR_REASON_NODE_CONFLICT}` });
});

test('WaitForFirstConsumer: a node with a fitting local volume, or a provisioning class, is feasible', () => {
  const base = { claims: [claim('data', { storageClassName: 'local', size: '2Gi' })], classes: [waitClass('local', 'kubernetes.io/no-provisioner')] };
  // pv-b is too small; only node a has a volume that fits.
  const volumes = fixedVolumes({ ...base, volumes: [localPv('pv-a', 'a', { size: '5Gi' }), localPv('pv-b', 'b', { size: '1Gi' })] });
  assert.deepEqual(run(volumes, podWith('data'), ['a', 'b']).perNode, { a: 'ok', b: `UnschedulableAndUnresolvable: ${ERR_REASON_BIND_CONFLICT}` });
  // A volume already claimed by someone else does not count.
  const taken = fixedVolumes({ ...base, volumes: [{ ...localPv('pv-a', 'a', { size: '5Gi' }), spec: { ...localPv('pv-a', 'a', { size: '5Gi' }).spec, claimRef: { namespace: 'default', name: 'other' } } }] });
  assert.deepEqual(run(taken, podWith('data'), ['a']).perNode, { a: `UnschedulableAndUnresolvable: ${ERR_REASON_BIND_CONFLICT}` });
  // A class with a provisioner can make a volume anywhere its allowed topologies say.
  const provisioned = fixedVolumes({
    claims: [claim('data', { storageClassName: 'dyn' })],
    classes: [{ ...waitClass('dyn', 'rancher.io/local-path'), allowedTopologies: [{ matchLabelExpressions: [{ key: 'kubernetes.io/hostname', values: ['b'] }] }] }],
  });
  assert.deepEqual(run(provisioned, podWith('data'), ['a', 'b']).perNode, { a: `UnschedulableAndUnresolvable: ${ERR_REASON_BIND_CONFLICT}`, b: 'ok' });
  // Two claims of one pod need two volumes.
  const two = fixedVolumes({ claims: [claim('d1', { storageClassName: 'local' }), claim('d2', { storageClassName: 'local' })], classes: base.classes, volumes: [localPv('pv-a', 'a')] });
  assert.deepEqual(run(two, podWith('d1', 'd2'), ['a']).perNode, { a: `UnschedulableAndUnresolvable: ${ERR_REASON_BIND_CONFLICT}` });
});

test('whole scheduler: a pod waits for its claim and is placed by its volume once the claim is bound', async () => {
  const claims: PersistentVolumeClaim[] = [];
  const pvs: PersistentVolume[] = [];
  const h = harness({ nodes: [makeNode('a'), makeNode('b'), makeNode('c')], volumes: fixedVolumes({ claims, volumes: pvs }) });
  h.add(makePod('db', { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }] }));
  const first = await h.drain();
  assert.equal(first[0]?.kind, 'unschedulable');
  assert.match(first[0]?.kind === 'unschedulable' ? first[0].message : '', /0\/3 nodes are available: persistentvolumeclaim "data" not found/);
  pvs.push(localPv('pv-c', 'c', { claim: 'data' }));
  claims.push(claim('data', { volumeName: 'pv-c', storageClassName: 'local' }));
  h.scheduler.storageChanged('PersistentVolumeClaim', Action.Add);
  h.clock.advance(20_000);
  await h.drain();
  assert.equal(h.bindings.get('db'), 'c');
});
