// A CustomResourceDefinition's structural schema (openAPIV3Schema) applied to custom resources
// as Kubernetes' apiextensions-apiserver does, in its order: prune the fields the schema does
// not declare, fill in `default`s, then validate. Paths are spelled as Go's field.Path does
// (`spec.items[0].name`); messages follow kube-openapi's validator as Kubernetes reports them.
import type { JSONSchemaProps } from 'kubernetes-types/apiextensions/v1.js';
import type { FieldError } from '../errors.js';
import { deepCopy, isPlainObject } from '../object.js';
import { invalid, notSupported, required } from '../validation/field.js';

/** JSONSchemaProps with the Kubernetes extensions (kubernetes-types spells them x_kubernetes_…). */
type Schema = JSONSchemaProps & {
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
};

/** What an embedded object's (x-kubernetes-embedded-resource) or the root's metadata keeps. */
const OBJECT_META_FIELDS = new Set([
  'name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers',
  'managedFields',
]);

const ROOT_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function propertiesOf(s: Schema): Record<string, Schema> | undefined {
  return isPlainObject(s.properties) ? (s.properties as Record<string, Schema>) : undefined;
}

/** additionalProperties as a schema (`true`/absent gives none). */
function additionalOf(s: Schema): Schema | undefined {
  const a: unknown = s.additionalProperties;
  return isPlainObject(a) ? (a as Schema) : undefined;
}

// ---- pruning ----------------------------------------------------------------------------

/**
 * Removes from `obj` (a whole custom resource) every field its schema does not declare and
 * returns their paths, as Kubernetes' pruning does on decoding (the paths are what
 * `fieldValidation=Strict` refuses and `Warn` reports). apiVersion, kind and metadata are
 * always kept at the root; metadata keeps ObjectMeta's fields.
 */
export function pruneObject(obj: Record<string, unknown>, schema: Schema | undefined): string[] {
  const pruned: string[] = [];
  if (isPlainObject(obj['metadata'])) pruneMeta(obj['metadata'], 'metadata', pruned);
  if (!schema) return pruned;
  pruneFields(obj, schema, '', pruned, ROOT_FIELDS);
  return pruned;
}

function pruneMeta(meta: Record<string, unknown>, path: string, out: string[]): void {
  for (const k of Object.keys(meta)) {
    if (!OBJECT_META_FIELDS.has(k)) {
      out.push(join(path, k));
      delete meta[k];
    }
  }
}

function pruneFields(obj: Record<string, unknown>, s: Schema, path: string, out: string[], keep?: ReadonlySet<string>): void {
  const props = propertiesOf(s);
  const additional = additionalOf(s);
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  const embedded = s['x-kubernetes-embedded-resource'] === true;
  for (const k of Object.keys(obj)) {
    if (keep?.has(k) || (embedded && ROOT_FIELDS.has(k))) {
      if (k === 'metadata' && embedded && isPlainObject(obj[k])) pruneMeta(obj[k], join(path, k), out);
      continue;
    }
    const below = props?.[k] ?? additional;
    if (below) prune(obj[k], below, join(path, k), out);
    else if (!preserve && s.additionalProperties !== true) {
      out.push(join(path, k));
      delete obj[k];
    }
  }
}

function prune(value: unknown, s: Schema, path: string, out: string[]): void {
  if (isPlainObject(value)) pruneFields(value, s, path, out);
  else if (Array.isArray(value) && isPlainObject(s.items)) {
    const items = s.items as Schema;
    value.forEach((v, i) => prune(v, items, `${path}[${i}]`, out));
  }
}

// ---- defaulting -------------------------------------------------------------------------

/** Fills in the schema's `default`s where a field is absent (or null and not nullable). */
export function applySchemaDefaults(value: unknown, s: Schema | undefined): void {
  if (!s) return;
  if (isPlainObject(value)) {
    const props = propertiesOf(s);
    if (props) {
      for (const [k, p] of Object.entries(props)) {
        const missing = value[k] === undefined || (value[k] === null && p.nullable !== true);
        if (missing && p.default !== undefined) value[k] = deepCopy(p.default);
      }
      for (const [k, v] of Object.entries(value)) {
        const p = props[k];
        if (p) applySchemaDefaults(v, p);
      }
    }
    const additional = additionalOf(s);
    if (additional && !props) for (const v of Object.values(value)) applySchemaDefaults(v, additional);
  } else if (Array.isArray(value) && isPlainObject(s.items)) {
    for (const v of value) applySchemaDefaults(v, s.items as Schema);
  }
}

// ---- validation -------------------------------------------------------------------------

/**
 * Field errors of a custom resource against its schema. The root's apiVersion, kind and
 * metadata are Kubernetes' to check (ObjectMeta validation), not the schema's.
 */
export function validateAgainstSchema(obj: Record<string, unknown>, schema: Schema | undefined): FieldError[] {
  const errs: FieldError[] = [];
  if (!schema) return errs;
  const props = propertiesOf(schema) ?? {};
  for (const name of schema.required ?? []) {
    if (!ROOT_FIELDS.has(name) && obj[name] === undefined) errs.push(required(name));
  }
  for (const [k, v] of Object.entries(obj)) {
    if (ROOT_FIELDS.has(k)) continue;
    const p = props[k] ?? additionalOf(schema);
    if (p) check(v, p, k, errs);
  }
  return errs;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

function typeMatches(type: string, v: unknown): boolean {
  switch (type) {
    case 'object':
      return isPlainObject(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    default:
      return true;
  }
}

function check(v: unknown, s: Schema, path: string, errs: FieldError[]): void {
  if (v === null) {
    if (s.nullable === true || s['x-kubernetes-preserve-unknown-fields'] === true || s['x-kubernetes-int-or-string'] === true) return;
    if (s.type) errs.push(invalid(path, 'null', `${path} in body must be of type ${s.type}: "null"`));
    return;
  }
  if (s['x-kubernetes-int-or-string'] === true) {
    if (!(typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v)))) {
      errs.push(invalid(path, typeName(v), `${path} in body must be of type integer,string: "${typeName(v)}"`));
      return;
    }
  } else if (s.type && !typeMatches(s.type, v)) {
    errs.push(invalid(path, typeName(v), `${path} in body must be of type ${s.type}: "${typeName(v)}"`));
    return;
  }
  if (s.enum && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) {
    errs.push(notSupported(path, v, s.enum.map((e) => (typeof e === 'string' ? e : JSON.stringify(e)))));
  }
  if (typeof v === 'number') checkNumber(v, s, path, errs);
  if (typeof v === 'string') checkString(v, s, path, errs);
  if (Array.isArray(v)) checkArray(v, s, path, errs);
  if (isPlainObject(v)) checkObject(v, s, path, errs);
}

function checkNumber(v: number, s: Schema, path: string, errs: FieldError[]): void {
  if (s.minimum !== undefined) {
    if (s.exclusiveMinimum === true ? v <= s.minimum : v < s.minimum) {
      errs.push(invalid(path, v, `${path} in body should be greater than ${s.exclusiveMinimum === true ? '' : 'or equal to '}${s.minimum}`));
    }
  }
  if (s.maximum !== undefined) {
    if (s.exclusiveMaximum === true ? v >= s.maximum : v > s.maximum) {
      errs.push(invalid(path, v, `${path} in body should be less than ${s.exclusiveMaximum === true ? '' : 'or equal to '}${s.maximum}`));
    }
  }
  if (s.multipleOf !== undefined && s.multipleOf > 0 && !Number.isInteger(v / s.multipleOf)) {
    errs.push(invalid(path, v, `${path} in body should be a multiple of ${s.multipleOf}`));
  }
}

function checkString(v: string, s: Schema, path: string, errs: FieldError[]): void {
  const length = [...v].length;
  if (s.maxLength !== undefined && length > s.maxLength) {
    errs.push({ type: 'FieldValueTooLong', field: path, value: v, detail: `may not be more than ${s.maxLength} bytes` });
  }
  if (s.minLength !== undefined && length < s.minLength) {
    errs.push(invalid(path, v, `${path} in body should be at least ${s.minLength} chars long`));
  }
  if (s.pattern !== undefined && !patternMatches(s.pattern, v)) {
    errs.push(invalid(path, v, `${path} in body should match '${s.pattern}'`));
  }
}

/** ECMAScript and Go's RE2 agree on the patterns CRDs use; one that fails to compile matches all. */
function patternMatches(pattern: string, v: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(v);
  } catch {
    return true;
  }
}

function checkArray(v: unknown[], s: Schema, path: string, errs: FieldError[]): void {
  if (s.maxItems !== undefined && v.length > s.maxItems) {
    errs.push({ type: 'FieldValueTooMany', field: path, value: v.length, detail: `must have at most ${s.maxItems} items` });
  }
  if (s.minItems !== undefined && v.length < s.minItems) {
    errs.push(invalid(path, v.length, `${path} in body should have at least ${s.minItems} items`));
  }
  if (isPlainObject(s.items)) {
    const items = s.items as Schema;
    v.forEach((item, i) => check(item, items, `${path}[${i}]`, errs));
  }
}

function checkObject(v: Record<string, unknown>, s: Schema, path: string, errs: FieldError[]): void {
  const embedded = s['x-kubernetes-embedded-resource'] === true;
  if (embedded) {
    if (typeof v['apiVersion'] !== 'string' || v['apiVersion'] === '') errs.push(required(join(path, 'apiVersion'), 'must not be empty'));
    if (typeof v['kind'] !== 'string' || v['kind'] === '') errs.push(required(join(path, 'kind'), 'must not be empty'));
  }
  for (const name of s.required ?? []) {
    if (v[name] === undefined) errs.push(required(join(path, name)));
  }
  if (s.maxProperties !== undefined && Object.keys(v).length > s.maxProperties) {
    errs.push({ type: 'FieldValueTooMany', field: path, value: Object.keys(v).length, detail: `must have at most ${s.maxProperties} items` });
  }
  if (s.minProperties !== undefined && Object.keys(v).length < s.minProperties) {
    errs.push(invalid(path, Object.keys(v).length, `${path} in body should have at least ${s.minProperties} properties`));
  }
  const props = propertiesOf(s);
  const additional = additionalOf(s);
  for (const [k, child] of Object.entries(v)) {
    if (embedded && ROOT_FIELDS.has(k)) continue;
    const p = props?.[k] ?? additional;
    if (p) check(child, p, join(path, k), errs);
  }
}
