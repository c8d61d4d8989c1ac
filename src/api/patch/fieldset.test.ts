import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FieldSet, formatPath } from './fieldset.js';
import { capUpdateManagers, decodeManagedFields, encodeManagedFields, maxUpdateManagers, type Manager } from './managed-fields.js';

const fieldsV1 = {
  'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
  'f:spec': {
    'f:containers': {
      'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} },
    },
  },
};

test('FieldsV1 round-trips, with "." first and fields before keys', () => {
  const set = FieldSet.fromFieldsV1(fieldsV1);
  assert.equal(JSON.stringify(set.toFieldsV1()), JSON.stringify(fieldsV1));
  assert.ok(set.has(['f:metadata', 'f:labels']));
  assert.ok(set.has(['f:spec', 'f:containers', 'k:{"name":"nginx"}', 'f:image']));
  assert.ok(!set.has(['f:spec']));
  const mixed = FieldSet.of([['i:10'], ['v:"a"'], ['k:{"a":1}'], ['f:z'], ['i:9'], ['f:a']]);
  assert.deepEqual(Object.keys(mixed.toFieldsV1()), ['f:a', 'f:z', 'k:{"a":1}', 'v:"a"', 'i:9', 'i:10']);
});

test('set algebra on member paths', () => {
  const a = FieldSet.of([['f:spec', 'f:replicas'], ['f:spec', 'f:paused']]);
  const b = FieldSet.of([['f:spec', 'f:replicas']]);
  assert.deepEqual(a.difference(b).paths(), [['f:spec', 'f:paused']]);
  assert.deepEqual(a.intersection(b).paths(), [['f:spec', 'f:replicas']]);
  assert.deepEqual(b.union(FieldSet.of([['f:spec']])).toFieldsV1(), { 'f:spec': { '.': {}, 'f:replicas': {} } });
});

test('stored FieldsV1 read lazily behaves as read at once, and untouched parts encode as the same objects', () => {
  const stored = () => JSON.parse(JSON.stringify(fieldsV1)) as Record<string, unknown>;
  const others = [
    FieldSet.of([['f:spec', 'f:containers', 'k:{"name":"nginx"}', 'f:image']]),
    FieldSet.of([['f:metadata', 'f:labels', 'f:team'], ['f:status', 'f:phase']]),
    FieldSet.of([['f:metadata', 'f:labels']]),
    new FieldSet(),
  ];
  for (const other of others) {
    const eager = FieldSet.fromFieldsV1(stored());
    for (const op of ['union', 'difference', 'intersection'] as const) {
      assert.deepEqual(FieldSet.fromStoredFieldsV1(stored())[op](other).toFieldsV1(), eager[op](other).toFieldsV1(), op);
      assert.deepEqual(other[op](FieldSet.fromStoredFieldsV1(stored())).toFieldsV1(), other[op](eager).toFieldsV1(), `other.${op}`);
    }
    assert.equal(FieldSet.fromStoredFieldsV1(stored()).overlaps(other), eager.overlaps(other));
    assert.equal(FieldSet.fromStoredFieldsV1(stored()).covers(other), eager.covers(other));
    assert.equal(other.covers(FieldSet.fromStoredFieldsV1(stored())), other.covers(eager));
  }
  assert.deepEqual(FieldSet.fromStoredFieldsV1(stored()).paths(), FieldSet.fromFieldsV1(fieldsV1).paths());
  assert.ok(FieldSet.fromStoredFieldsV1(stored()).has(['f:spec', 'f:containers', 'k:{"name":"nginx"}', 'f:name']));

  // Only the nodes a question needed were read: the rest encode back as the stored objects.
  const raw = stored();
  const lazy = FieldSet.fromStoredFieldsV1(raw);
  assert.equal(lazy.overlaps(FieldSet.of([['f:status', 'f:phase']])), false);
  const out = lazy.toFieldsV1();
  assert.equal(out['f:spec'], raw['f:spec']);
  assert.equal(out['f:metadata'], raw['f:metadata']);
  assert.deepEqual(out, fieldsV1);

  // A member added over an unread child is encoded with its "." (not the stale object).
  const grown = FieldSet.fromStoredFieldsV1({ 'f:spec': { 'f:replicas': {} } });
  grown.insert(['f:spec']);
  assert.deepEqual(grown.toFieldsV1(), { 'f:spec': { '.': {}, 'f:replicas': {} } });
});

test('paths print as in Kubernetes conflict messages', () => {
  assert.equal(formatPath(['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"nginx"}', 'f:image']), '.spec.template.spec.containers[name="nginx"].image');
  assert.equal(formatPath(['f:spec', 'f:ports', 'k:{"port":80,"protocol":"TCP"}']), '.spec.ports[port=80,protocol="TCP"]');
  assert.equal(formatPath(['f:metadata', 'f:finalizers', 'v:"x"']), '.metadata.finalizers[="x"]');
});

test('managedFields entries: Apply first, then by time; one entry per identity', () => {
  const decoded = decodeManagedFields([
    { manager: 'b', operation: 'Update', apiVersion: 'v1', time: '2025-01-01T00:00:02Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:a': {} } },
    { manager: 'a', operation: 'Update', apiVersion: 'v1', time: '2025-01-01T00:00:03Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:b': {} } },
    { manager: 'z', operation: 'Apply', apiVersion: 'v1', time: '2025-01-01T00:00:09Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:c': {} } },
    { manager: 's', operation: 'Update', apiVersion: 'v1', time: '2025-01-01T00:00:01Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:d': {} }, subresource: 'status' },
  ]);
  assert.deepEqual(
    encodeManagedFields(decoded.values()).map((e) => [e.manager, e.operation, e.subresource]),
    [
      ['z', 'Apply', undefined],
      ['s', 'Update', 'status'],
      ['b', 'Update', undefined],
      ['a', 'Update', undefined],
    ],
  );
});

test('more than ten Update entries: the oldest merge into ancient-changes', () => {
  const managers = new Map<string, Manager>();
  for (let i = 0; i < maxUpdateManagers + 2; i++) {
    const m: Manager = {
      manager: `m${String(i).padStart(2, '0')}`,
      operation: 'Update',
      apiVersion: 'v1',
      subresource: '',
      time: `2025-01-01T00:00:${String(i).padStart(2, '0')}Z`,
      fields: FieldSet.of([[`f:f${i}`]]),
    };
    managers.set(m.manager, m);
  }
  const capped = [...capUpdateManagers(managers).values()];
  assert.equal(capped.length, maxUpdateManagers);
  const bucket = capped.find((m) => m.manager === 'ancient-changes');
  assert.deepEqual(bucket?.fields.paths(), [['f:f0'], ['f:f1'], ['f:f2']]);
});
