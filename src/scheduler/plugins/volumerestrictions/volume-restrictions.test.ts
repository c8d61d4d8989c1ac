import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolumeClaim, Volume } from 'kubernetes-types/core/v1.js';
import { CycleState } from '../../framework.js';
import { PodInfo } from '../../pod-info.js';
import { Snapshot } from '../../snapshot.js';
import { bareHandle, fixedVolumes, makeNode, makePod, onNode, place } from '../../testing.js';
import { ERR_REASON_DISK_CONFLICT, ERR_REASON_RWOP_CONFLICT, volumeRestrictions } from './volume-restrictions.js';

const rwop: PersistentVolumeClaim = { metadata: { name: 'solo', namespace: 'default' }, spec: { accessModes: ['ReadWriteOncePod'] } };
const rwo: PersistentVolumeClaim = { metadata: { name: 'shared', namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'] } };
const usingClaim = (name: string, claim: string): ReturnType<typeof makePod> => makePod(name, { volumes: [{ name: 'v', persistentVolumeClaim: { claimName: claim } }] });

test('a ReadWriteOncePod claim in use by another pod rejects the pod everywhere; ReadWriteOnce does not', () => {
  const snapshot = new Snapshot();
  snapshot.addNode(makeNode('a'));
  snapshot.addNode(makeNode('b'));
  place(snapshot, onNode(usingClaim('first', 'solo'), 'a'), onNode(usingClaim('other', 'shared'), 'a'));
  const pl = volumeRestrictions(bareHandle(snapshot, fixedVolumes({ claims: [rwop, rwo] })));
  const second = pl.preFilter?.(new CycleState(), new PodInfo(usingClaim('second', 'solo')), snapshot.list());
  assert.ok(second && 'code' in second);
  assert.equal(second.code, 'Unschedulable');
  assert.equal(second.message, ERR_REASON_RWOP_CONFLICT);
  const shared = pl.preFilter?.(new CycleState(), new PodInfo(usingClaim('third', 'shared')), snapshot.list());
  // Nothing to check for a ReadWriteOnce claim without disks: the plugin skips the pod.
  assert.ok(shared && 'code' in shared && shared.code === 'Skip');
  const missing = pl.preFilter?.(new CycleState(), new PodInfo(usingClaim('fourth', 'nope')), snapshot.list());
  assert.ok(missing && 'code' in missing && missing.code === 'UnschedulableAndUnresolvable');
});

test('the same single-attach disk cannot be used twice on a node, unless both mount it read-only', () => {
  const snapshot = new Snapshot();
  snapshot.addNode(makeNode('a'));
  snapshot.addNode(makeNode('b'));
  const disk = (readOnly: boolean): Volume => ({ name: 'd', gcePersistentDisk: { pdName: 'pd-1', readOnly } });
  place(snapshot, onNode(makePod('holder', { volumes: [disk(false)] }), 'a'), onNode(makePod('reader', { volumes: [disk(true)] }), 'b'));
  const pl = volumeRestrictions(bareHandle(snapshot, fixedVolumes({})));
  const check = (volume: Volume, node: string): string | undefined => {
    const state = new CycleState();
    const pod = new PodInfo(makePod('new', { volumes: [volume] }));
    assert.equal(pl.preFilter?.(state, pod, snapshot.list()), undefined);
    const ni = snapshot.get(node);
    assert.ok(ni);
    return pl.filter?.(state, pod, ni)?.message;
  };
  assert.equal(check(disk(true), 'a'), ERR_REASON_DISK_CONFLICT);
  assert.equal(check(disk(true), 'b'), undefined);
  assert.equal(check(disk(false), 'b'), ERR_REASON_DISK_CONFLICT);
  assert.equal(check({ name: 'd', gcePersistentDisk: { pdName: 'pd-2' } }, 'a'), undefined);
  assert.equal(check({ name: 'e', awsElasticBlockStore: { volumeID: 'vol-1' } }, 'a'), undefined);
});
