import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JSONSchemaProps } from 'kubernetes-types/apiextensions/v1.js';
import { formatFieldError } from '../errors.js';
import { applySchemaDefaults, pruneObject, validateAgainstSchema } from './schema.js';

const schema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        items: { type: 'array', maxItems: 2, items: { type: 'object', properties: { name: { type: 'string', maxLength: 3 }, weight: { type: 'integer', default: 5 } } } },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        template: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object' } } },
        raw: { 'x-kubernetes-preserve-unknown-fields': true },
        note: { type: 'string', nullable: true },
        size: { type: 'number', minimum: 1, exclusiveMinimum: true },
        code: { type: 'string', pattern: '^[a-z]+$' },
      },
    },
  },
} as unknown as JSONSchemaProps;

test('pruning drops undeclared fields everywhere but under preserve-unknown-fields, and reports their paths', () => {
  const obj: Record<string, unknown> = {
    apiVersion: 'x/v1',
    kind: 'X',
    metadata: { name: 'a', bogus: 1 },
    top: 1,
    spec: {
      items: [{ name: 'a', extra: true }],
      labels: { a: 'b' },
      template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', junk: 1 }, spec: { x: 1 }, other: 2 },
      raw: { anything: { goes: true } },
    },
  };
  const pruned = pruneObject(obj, schema);
  // An object schema without properties (template.spec) declares no fields: all are pruned.
  assert.deepEqual(pruned.sort(), ['metadata.bogus', 'spec.items[0].extra', 'spec.template.metadata.junk', 'spec.template.other', 'spec.template.spec.x', 'top']);
  assert.deepEqual(obj, {
    apiVersion: 'x/v1',
    kind: 'X',
    metadata: { name: 'a' },
    spec: {
      items: [{ name: 'a' }],
      labels: { a: 'b' },
      template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {} },
      raw: { anything: { goes: true } },
    },
  });
});

test('defaults fill absent fields, also inside array items', () => {
  const obj = { spec: { items: [{ name: 'a' }, { name: 'b', weight: 1 }] } };
  applySchemaDefaults(obj, schema);
  assert.deepEqual(obj.spec.items, [{ name: 'a', weight: 5 }, { name: 'b', weight: 1 }]);
});

test('validation reports Kubernetes messages with field paths', () => {
  const errs = validateAgainstSchema(
    {
      spec: {
        items: [{ name: 'long' }, {}, {}],
        labels: { a: 1 },
        template: { spec: {} },
        note: null,
        size: 1,
        code: 'A1',
      },
    },
    schema,
  ).map(formatFieldError);
  assert.deepEqual(errs.sort(), [
    'spec.code: Invalid value: "A1": spec.code in body should match \'^[a-z]+$\'',
    'spec.items: Too many: must have at most 2 items',
    'spec.items[0].name: Too long: may not be more than 3 bytes',
    'spec.labels.a: Invalid value: "integer": spec.labels.a in body must be of type string: "integer"',
    'spec.size: Invalid value: 1: spec.size in body should be greater than 1',
    'spec.template.apiVersion: Required value: must not be empty',
    'spec.template.kind: Required value: must not be empty',
  ]);
});
