import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../errors.js';
import { applyJsonPatch, parsePointer } from './json-patch.js';

// Examples from RFC 6902 appendix A.
test('A.1 add an object member', () => {
  assert.deepEqual(applyJsonPatch({ foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }]), { foo: 'bar', baz: 'qux' });
});

test('A.2 add an array element', () => {
  assert.deepEqual(applyJsonPatch({ foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }]), {
    foo: ['bar', 'qux', 'baz'],
  });
});

test('A.3 remove an object member / A.4 remove an array element', () => {
  assert.deepEqual(applyJsonPatch({ baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }]), { foo: 'bar' });
  assert.deepEqual(applyJsonPatch({ foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }]), { foo: ['bar', 'baz'] });
});

test('A.5 replace a value', () => {
  assert.deepEqual(applyJsonPatch({ baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }]), {
    baz: 'boo',
    foo: 'bar',
  });
});

test('A.6 move a value / A.7 move an array element', () => {
  assert.deepEqual(
    applyJsonPatch({ foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } }, [
      { op: 'move', from: '/foo/waldo', path: '/qux/thud' },
    ]),
    { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
  );
  assert.deepEqual(applyJsonPatch({ foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }]), {
    foo: ['all', 'cows', 'eat', 'grass'],
  });
});

test('A.8 test succeeds; A.9 test fails with 422 as the Kubernetes API server answers', () => {
  const doc = { baz: 'qux', foo: ['a', 2, 'c'] };
  assert.deepEqual(
    applyJsonPatch(doc, [
      { op: 'test', path: '/baz', value: 'qux' },
      { op: 'test', path: '/foo/1', value: 2 },
    ]),
    doc,
  );
  assert.throws(
    () => applyJsonPatch({ baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }]),
    (e: unknown) =>
      e instanceof ApiError &&
      e.code === 422 &&
      e.reason === 'Invalid' &&
      e.message === 'the server rejected our request due to an error in our request',
  );
});

test('A.10 add a nested member object; A.16 add an array value', () => {
  assert.deepEqual(applyJsonPatch({ foo: 'bar' }, [{ op: 'add', path: '/child', value: { grandchild: {} } }]), {
    foo: 'bar',
    child: { grandchild: {} },
  });
  assert.deepEqual(applyJsonPatch({ foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }]), {
    foo: ['bar', ['abc', 'def']],
  });
});

test('A.12 adding to a nonexistent target is 422', () => {
  assert.throws(() => applyJsonPatch({ foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }]), { code: 422 });
});

test('A.14 ~ escaping; copy', () => {
  assert.deepEqual(applyJsonPatch({ '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: 10 }]), { '/': 9, '~1': 10 });
  assert.deepEqual(parsePointer('/a~1b/~0c'), ['a/b', '~c']);
  assert.deepEqual(
    applyJsonPatch({ metadata: { labels: { a: '1' } } }, [
      { op: 'add', path: '/metadata/annotations', value: {} },
      { op: 'add', path: '/metadata/annotations/example.com~1x', value: 'y' },
      { op: 'copy', from: '/metadata/labels/a', path: '/metadata/labels/b' },
    ]),
    { metadata: { labels: { a: '1', b: '1' }, annotations: { 'example.com/x': 'y' } } },
  );
});

test('remove or replace of a missing path, out-of-range index and unknown op are 422', () => {
  for (const op of [
    { op: 'remove', path: '/missing' },
    { op: 'replace', path: '/missing', value: 1 },
    { op: 'add', path: '/list/5', value: 1 },
    { op: 'remove', path: '/list/1' },
    { op: 'frobnicate', path: '/list' },
    { path: '/list' },
  ]) {
    assert.throws(() => applyJsonPatch({ list: [1] }, [op]), { code: 422, reason: 'Invalid' }, JSON.stringify(op));
  }
});

test('a body that is not an array of objects is 400 BadRequest', () => {
  assert.throws(() => applyJsonPatch({}, { op: 'add' }), {
    code: 400,
    reason: 'BadRequest',
    message: 'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
  });
  assert.throws(() => applyJsonPatch({}, ['add']), { code: 400 });
});

test('kubectl rollout undo: replace template and annotations; inputs are not mutated', () => {
  const doc = { metadata: { annotations: { a: '1' } }, spec: { template: { spec: { containers: [{ name: 'c', image: 'v2' }] } } } };
  const before = structuredClone(doc);
  const out = applyJsonPatch(doc, [
    { op: 'replace', path: '/spec/template', value: { spec: { containers: [{ name: 'c', image: 'v1' }] } } },
    { op: 'replace', path: '/metadata/annotations', value: { b: '2' } },
  ]);
  assert.deepEqual(out, { metadata: { annotations: { b: '2' } }, spec: { template: { spec: { containers: [{ name: 'c', image: 'v1' }] } } } });
  assert.deepEqual(doc, before);
});

test('a failed operation leaves the input untouched', () => {
  const doc = { a: 1 };
  assert.throws(() => applyJsonPatch(doc, [{ op: 'add', path: '/b', value: 2 }, { op: 'test', path: '/a', value: 3 }]));
  assert.deepEqual(doc, { a: 1 });
});
