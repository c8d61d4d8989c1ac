// Strategic merge patch (`application/strategic-merge-patch+json`), as the Kubernetes API
// server applies it: maps merge recursively and null deletes (like a merge patch), but lists
// follow the field's patch strategy: `replace` (the default) takes the patch list, `merge` merges
// items by their merge key (or unions primitives), keeping the server's order for items the
// patch does not mention. Directives:
//   $patch: replace | delete | merge    on a map, or as a list element (delete needs the key)
//   $retainKeys: [..]                   drop every other key of the map before merging
//   $setElementOrder/<list>: [..]       the final order of the items the patch knows about
//   $deleteFromPrimitiveList/<list>: [] remove these values from a primitive list
import { ApiError } from '../errors.js';
import { deepCopy, isPlainObject, type GroupVersionKind } from '../object.js';
import { builtinSchema } from './builtin-schemas.js';
import { canonicalJson, deepEqual } from './json-value.js';
import { fieldSchema, itemSchema, type Schema } from './schema.js';

type Obj = Record<string, unknown>;

const directiveMarker = '$patch';
const retainKeysDirective = '$retainKeys';
const setElementOrderPrefix = '$setElementOrder/';
const deleteFromPrimitiveListPrefix = '$deleteFromPrimitiveList/';

export const strategicPatchUnsupportedMessage =
  'the body of the request was in an unknown format - accepted media types include: ' +
  'application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml';

export function hasStrategicSchema(gvk: GroupVersionKind): boolean {
  return builtinSchema(gvk) !== undefined;
}

export function applyStrategicMergePatch(doc: unknown, patch: unknown, gvk: GroupVersionKind): unknown {
  const schema = builtinSchema(gvk);
  if (!schema) throw new ApiError('UnsupportedMediaType', strategicPatchUnsupportedMessage);
  if (!isPlainObject(patch)) throw ApiError.badRequest('invalid JSON document');
  const original = isPlainObject(doc) ? (deepCopy(doc) as Obj) : {};
  return mergeMap(original, patch, schema);
}

/** Merges `patch` into `original`, which the caller owns (it is changed and returned). */
export function mergeMap(original: Obj, patch: Obj, schema: Schema): Obj {
  const directive = patch[directiveMarker];
  if (directive !== undefined) {
    if (directive === 'delete') return {};
    if (directive === 'replace') return mergeMap({}, withoutKey(patch, directiveMarker), schema);
    if (directive !== 'merge') throw badPatchType(directive, patch);
  }

  if (retainKeysDirective in patch) {
    const retain = patch[retainKeysDirective];
    if (!Array.isArray(retain)) throw ApiError.badRequest('invalid patch format of retainKeys');
    const keep = new Set(retain.map((k) => String(k)));
    for (const key of Object.keys(original)) if (!keep.has(key)) delete original[key];
  }

  const orders = new Map<string, unknown[]>();
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith(deleteFromPrimitiveListPrefix)) {
      const field = key.slice(deleteFromPrimitiveListPrefix.length);
      if (!Array.isArray(value)) throw ApiError.badRequest('invalid patch format of primitive list');
      const current = original[field];
      if (Array.isArray(current)) original[field] = current.filter((v) => !value.some((d) => deepEqual(d, v)));
    } else if (key.startsWith(setElementOrderPrefix)) {
      if (!Array.isArray(value)) throw ApiError.badRequest('invalid patch format of setElementOrder list');
      orders.set(key.slice(setElementOrderPrefix.length), value);
    }
  }

  for (const [key, patchValue] of Object.entries(patch)) {
    if (key.startsWith('$')) continue;
    if (patchValue === null) {
      delete original[key];
      continue;
    }
    const sub = fieldSchema(schema, key);
    const current = original[key];
    if (isPlainObject(current) && isPlainObject(patchValue)) {
      original[key] = mergeMap(current, patchValue, sub);
    } else if (Array.isArray(current) && Array.isArray(patchValue)) {
      original[key] = mergeList(current, patchValue, sub, orders.get(key));
    } else {
      original[key] = normalize(patchValue, sub, orders.get(key));
    }
  }

  // An order directive without its list only reorders what the server has.
  for (const [field, order] of orders) {
    const current = original[field];
    if (field in patch || !Array.isArray(current)) continue;
    const mergeKey = mergeKeyOf(fieldSchema(schema, field));
    original[field] = orderItems(current, order, current, mergeKey);
  }
  return original;
}

/** A patch value taken as is (nothing to merge with): directives and nulls are dropped. */
function normalize(value: unknown, schema: Schema, order: unknown[] | undefined): unknown {
  if (isPlainObject(value)) return mergeMap({}, value, schema);
  if (Array.isArray(value)) return mergeList([], value, schema, order);
  return value;
}

function mergeKeyOf(schema: Schema): string | undefined {
  return schema.type === 'list' && schema.smp.strategy === 'merge' ? schema.smp.mergeKey : undefined;
}

function mergeList(original: unknown[], patch: unknown[], schema: Schema, order: unknown[] | undefined): unknown[] {
  const items = itemSchema(schema);
  if (schema.type !== 'list' || schema.smp.strategy === 'replace') {
    return patch.map((v) => normalize(v, items, undefined));
  }
  const mergeKey = schema.smp.mergeKey;
  const hasMaps = patch.some(isPlainObject) || original.some(isPlainObject);
  if (!hasMaps) {
    const merged: unknown[] = [];
    for (const v of [...original, ...patch]) if (!merged.some((m) => deepEqual(m, v))) merged.push(v);
    return orderItems(merged, order ?? patch, original, undefined);
  }
  if (mergeKey === undefined) throw ApiError.badRequest('cannot merge lists without merge key');

  let server = original;
  const toMerge: Obj[] = [];
  let replace = false;
  for (const element of patch) {
    if (!isPlainObject(element)) throw ApiError.badRequest('unable to merge a list of maps with a list of non-maps');
    const directive = element[directiveMarker];
    if (directive === undefined || directive === 'merge') {
      if (!(mergeKey in element)) throw noMergeKey(element, mergeKey);
      toMerge.push(withoutKey(element, directiveMarker));
    } else if (directive === 'delete') {
      if (!(mergeKey in element)) throw noMergeKey(element, mergeKey);
      server = server.filter((o) => !(isPlainObject(o) && deepEqual(o[mergeKey], element[mergeKey])));
    } else if (directive === 'replace') {
      replace = true;
    } else {
      throw badPatchType(directive, element);
    }
  }
  if (replace) return toMerge.map((v) => mergeMap({}, v, items));
  if (order) checkOrder(toMerge, order, mergeKey);

  const merged = [...server];
  for (const element of toMerge) {
    const at = merged.findIndex((o) => isPlainObject(o) && deepEqual(o[mergeKey], element[mergeKey]));
    const existing = merged[at];
    if (at >= 0 && isPlainObject(existing)) merged[at] = mergeMap(existing, element, items);
    else merged.push(mergeMap({}, element, items));
  }
  return orderItems(merged, order ?? toMerge, server, mergeKey);
}

/** `$setElementOrder` must list the patch's items in the same relative order. */
function checkOrder(patchItems: readonly Obj[], order: readonly unknown[], mergeKey: string): void {
  let p = 0;
  for (const o of order) {
    const item = patchItems[p];
    if (item && isPlainObject(o) && deepEqual(o[mergeKey], item[mergeKey])) p++;
  }
  if (p < patchItems.length) {
    throw ApiError.badRequest(`The order in patch list doesn't match ${setElementOrderPrefix} list`);
  }
}

/**
 * The order Kubernetes gives a merged list: the items the patch mentions follow the patch's
 * order, the server-only items keep the server's order, and the two are interleaved so each
 * server-only item stays before the first patched item that followed it on the server.
 */
function orderItems(merged: unknown[], patchOrder: readonly unknown[], serverOrder: readonly unknown[], mergeKey: string | undefined): unknown[] {
  const identity = (v: unknown): string =>
    canonicalJson(mergeKey !== undefined && isPlainObject(v) ? v[mergeKey] : v);
  const indexIn = (list: readonly unknown[]): Map<string, number> => {
    const index = new Map<string, number>();
    list.forEach((v, i) => {
      const id = identity(v);
      if (!index.has(id)) index.set(id, i);
    });
    return index;
  };
  const patchIndex = indexIn(patchOrder);
  const serverIndex = indexIn(serverOrder);
  const byIndex = (index: Map<string, number>) => (a: unknown, b: unknown) =>
    (index.get(identity(a)) ?? Infinity) - (index.get(identity(b)) ?? Infinity);

  const patched = merged.filter((v) => patchIndex.has(identity(v))).sort(byIndex(patchIndex));
  const serverOnly = merged.filter((v) => !patchIndex.has(identity(v))).sort(byIndex(serverIndex));

  const out: unknown[] = [];
  let s = 0;
  let p = 0;
  while (s < serverOnly.length || p < patched.length) {
    if (p >= patched.length) out.push(serverOnly[s++]);
    else if (s >= serverOnly.length) out.push(patched[p++]);
    else {
      const si = serverIndex.get(identity(serverOnly[s]));
      const pi = serverIndex.get(identity(patched[p]));
      if (si !== undefined && pi !== undefined && si < pi) out.push(serverOnly[s++]);
      else out.push(patched[p++]);
    }
  }
  return out;
}

function withoutKey(obj: Obj, key: string): Obj {
  const copy = { ...obj };
  delete copy[key];
  return copy;
}

function badPatchType(directive: unknown, where: Obj): ApiError {
  return ApiError.badRequest(`Unknown patch type: ${String(directive)} in map: ${JSON.stringify(where)}`);
}

function noMergeKey(element: Obj, mergeKey: string): ApiError {
  return ApiError.badRequest(`map: ${JSON.stringify(element)} does not contain declared merge key: ${mergeKey}`);
}
