import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { labelSelectorFromObject } from '../../api/selectors/labels.js';
import { claimAction, controllerKeyOf, controllerRefOf, newControllerRef } from './ownership.js';

const owner = { metadata: { name: 'web', namespace: 'ns', uid: 'u-web' } };
const selector = labelSelectorFromObject({ matchLabels: { app: 'web' } });

function pod(o: { labels?: Record<string, string>; controller?: { kind: string; apiVersion: string; name: string; uid: string }; namespace?: string; deleting?: boolean }): Pod {
  return {
    metadata: {
      name: 'p',
      namespace: o.namespace ?? 'ns',
      labels: o.labels,
      ...(o.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}),
      ...(o.controller ? { ownerReferences: [{ ...o.controller, controller: true }] } : {}),
    },
  };
}

test('newControllerRef names the owner and blocks its foreground deletion; controllerRefOf finds only controller refs', () => {
  const ref = newControllerRef({ apiVersion: 'apps/v1', kind: 'ReplicaSet' }, owner);
  assert.deepEqual(ref, { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'u-web', controller: true, blockOwnerDeletion: true });
  assert.equal(controllerRefOf({ metadata: { ownerReferences: [{ ...ref, controller: false }] } }), undefined);
  assert.deepEqual(controllerRefOf({ metadata: { ownerReferences: [{ ...ref, controller: false, uid: 'x' }, ref] } }), ref);
});

test('controllerKeyOf: the owner key only for a controller of the given kind and API group', () => {
  const owned = pod({ controller: { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'ds', uid: 'u' } });
  assert.equal(controllerKeyOf(owned, { group: 'apps', kind: 'DaemonSet' }), 'ns/ds');
  assert.equal(controllerKeyOf(owned, { group: 'apps', kind: 'StatefulSet' }), undefined);
  assert.equal(controllerKeyOf(owned, { group: 'batch', kind: 'DaemonSet' }), undefined);
  const foreign = pod({ controller: { apiVersion: 'example.com/v1', kind: 'DaemonSet', name: 'ds', uid: 'u' } });
  assert.equal(controllerKeyOf(foreign, { group: 'apps', kind: 'DaemonSet' }), undefined);
  assert.equal(controllerKeyOf(pod({}), { group: 'apps', kind: 'DaemonSet' }), undefined);
});

test('claimAction follows the ControllerRefManager rules', () => {
  const mine = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'u-web' };
  const theirs = { ...mine, name: 'other', uid: 'u-other' };
  const deletingOwner = { metadata: { ...owner.metadata, deletionTimestamp: '2024-01-01T00:00:00Z' } };

  assert.equal(claimAction(pod({ labels: { app: 'web' }, controller: mine }), owner, selector), 'owned');
  assert.equal(claimAction(pod({ labels: { app: 'api' }, controller: mine }), owner, selector), 'release');
  assert.equal(claimAction(pod({ labels: { app: 'api' }, controller: mine }), deletingOwner, selector), 'ignore');
  assert.equal(claimAction(pod({ labels: { app: 'web' }, controller: theirs }), owner, selector), 'ignore');

  assert.equal(claimAction(pod({ labels: { app: 'web' } }), owner, selector), 'adopt');
  assert.equal(claimAction(pod({ labels: { app: 'api' } }), owner, selector), 'ignore');
  assert.equal(claimAction(pod({ labels: { app: 'web' }, deleting: true }), owner, selector), 'ignore');
  assert.equal(claimAction(pod({ labels: { app: 'web' }, namespace: 'elsewhere' }), owner, selector), 'ignore');
  assert.equal(claimAction(pod({ labels: { app: 'web' } }), deletingOwner, selector), 'ignore');
});
