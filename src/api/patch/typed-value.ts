// Server-side apply's view of an object: which fields a value sets, how two values differ, how
// an applied configuration merges into a live object, and how owned fields are removed. All
// guided by the merge schema (list types and keys, atomic structs and maps).
import { ApiError } from '../errors.js';
import { deepCopy, isPlainObject } from '../object.js';
import { FieldSet, comparePathElements, fieldElement, type FieldPath, type PathElement } from './fieldset.js';
import { canonicalJson, deepEqual } from './json-value.js';
import { sortSmall } from '../sort-small.js';
import { fieldSchema, itemSchema, type ListSchema, type Schema, type SsaListType } from './schema.js';

type Obj = Record<string, unknown>;

function listTypeOf(schema: Schema): SsaListType {
  return schema.type === 'list' ? schema.ssa : { listType: 'atomic' };
}

/** Atomic nodes are owned, compared and replaced as a whole. */
function isAtomic(schema: Schema, value: unknown): boolean {
  if (schema.type === 'scalar') return true;
  if ((schema.type === 'struct' || schema.type === 'map') && schema.atomic) return true;
  if (Array.isArray(value)) return listTypeOf(schema).listType === 'atomic';
  return !isPlainObject(value);
}

/** A map-typed list's key fields in sorted order with their JSON spelling, worked out once per schema. */
const sortedKeyCache = new WeakMap<readonly string[], readonly (readonly [string, string])[]>();

function sortedKeys(keys: readonly string[]): readonly (readonly [string, string])[] {
  let sorted = sortedKeyCache.get(keys);
  if (!sorted) {
    sorted = [...keys].sort().map((k) => [k, JSON.stringify(k)] as const);
    sortedKeyCache.set(keys, sorted);
  }
  return sorted;
}

/**
 * The path element of a list item: `k:{...}` for map-typed lists, `v:...` for sets.
 * `strict` (for applied configurations) rejects an item without its key fields; otherwise
 * the item falls back to its index, so a malformed live object can still be tracked.
 */
function itemElement(list: ListSchema, item: unknown, index: number, opts: { strict: boolean }): PathElement {
  const type = list.ssa;
  if (type.listType === 'set') return `v:${canonicalJson(item)}`;
  if (type.listType === 'map' && isPlainObject(item)) {
    // The canonical JSON of the key fields, `{"name":"web"}`, written without building the object.
    let text = '';
    for (const [name, quoted] of sortedKeys(type.keys)) {
      const value = item[name] ?? type.keyDefaults?.[name];
      if (value === undefined) {
        if (opts.strict) {
          throw ApiError.badRequest(
            `failed to create typed patch object: element ${index}: associative list with keys has an element that omits key field "${name}" (and doesn't have default value)`,
          );
        }
        return `i:${index}`;
      }
      text += `${text ? ',' : ''}${quoted}:${canonicalJson(value)}`;
    }
    return `k:{${text}}`;
  }
  return `i:${index}`;
}

/** Items of a non-atomic list by path element (the first of duplicates wins). */
function indexItems(list: ListSchema, items: readonly unknown[], opts: { strict: boolean }): Map<PathElement, unknown> {
  const out = new Map<PathElement, unknown>();
  items.forEach((item, i) => {
    const pe = itemElement(list, item, i, opts);
    if (opts.strict && out.has(pe)) {
      throw ApiError.badRequest(`failed to create typed patch object: duplicate entries for key ${pe.slice(2)}`);
    }
    if (!out.has(pe)) out.set(pe, item);
  });
  return out;
}

/**
 * The fields an applied configuration sets: every leaf (scalar, atomic value, null, empty
 * object), every item of a keyed list or set, and every entry of a map-typed field.
 */
export function toFieldSet(value: unknown, schema: Schema): FieldSet {
  const set = new FieldSet();
  const walk = (v: unknown, s: Schema, path: PathElement[]): void => {
    if (isAtomic(s, v)) {
      set.insert(path);
      return;
    }
    if (Array.isArray(v) && s.type === 'list') {
      for (const [pe, item] of indexItems(s, v, { strict: true })) {
        walk(item, s.items, [...path, pe]);
        set.insert([...path, pe]);
      }
      return;
    }
    if (!isPlainObject(v)) return;
    for (const [key, child] of Object.entries(v)) {
      const childPath = [...path, fieldElement(key)];
      walk(child, fieldSchema(s, key), childPath);
      if (child === null || (isPlainObject(child) && Object.keys(child).length === 0) || s.type === 'map') {
        set.insert(childPath);
      }
    }
  };
  walk(value, schema, []);
  return set;
}

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/**
 * How `rhs` differs from `lhs` (undefined = absent). Leaves that appear, change or disappear
 * are added/modified/removed; a non-leaf node that appears or disappears as a whole is too.
 */
export function compare(lhs: unknown, rhs: unknown, schema: Schema): Comparison {
  const result: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  compareNode(lhs, rhs, schema, [], result);
  return result;
}

type Shape = 'object' | 'array' | 'null' | 'leaf' | 'absent';

function shapeOf(v: unknown): Shape {
  return v === undefined ? 'absent' : v === null ? 'null' : Array.isArray(v) ? 'array' : isPlainObject(v) ? 'object' : 'leaf';
}

/** `isAtomic` for a container of the given shape (only the shape matters, not the value). */
function isAtomicContainer(schema: Schema, shape: 'object' | 'array'): boolean {
  if (schema.type === 'scalar') return true;
  if (shape === 'array') return listTypeOf(schema).listType === 'atomic';
  return (schema.type === 'struct' || schema.type === 'map') && schema.atomic === true;
}

/** One node of `compare`; `path` is a stack the walk pushes to and pops from (inserts copy nothing). */
function compareNode(l: unknown, r: unknown, s: Schema, path: PathElement[], result: Comparison): void {
  // The same value (absent on both sides, or one subtree shared by both objects): no change.
  if (l === r) return;
  const lk = shapeOf(l);
  const rk = shapeOf(r);
  const shape = lk === 'absent' || lk === 'null' ? rk : lk;
  const leaf =
    shape === 'leaf' ||
    shape === 'null' ||
    shape === 'absent' ||
    !(lk === shape || lk === 'absent' || lk === 'null') ||
    !(rk === shape || rk === 'absent' || rk === 'null') ||
    isAtomicContainer(s, shape);
  if (l === undefined && !leaf && path.length > 0) {
    // A whole new subtree: every node in it is added; its FieldsV1 is written directly.
    result.added.insertSubtree(path, addedFieldsV1(r, s));
    return;
  }
  if (leaf) {
    if (l === undefined) result.added.insert(path);
    else if (r === undefined) result.removed.insert(path);
    else if (!deepEqual(l, r)) result.modified.insert(path);
    return;
  }
  if (shape === 'array' && s.type === 'list') {
    const li = indexItems(s, Array.isArray(l) ? l : [], { strict: false });
    const ri = indexItems(s, Array.isArray(r) ? r : [], { strict: false });
    for (const [pe, item] of li) {
      path.push(pe);
      compareNode(item, ri.get(pe), s.items, path, result);
      path.pop();
    }
    for (const [pe, item] of ri) {
      if (li.has(pe)) continue;
      path.push(pe);
      compareNode(undefined, item, s.items, path, result);
      path.pop();
    }
  } else {
    const lo: Obj | undefined = isPlainObject(l) ? l : undefined;
    const ro: Obj | undefined = isPlainObject(r) ? r : undefined;
    if (lo) {
      for (const key in lo) {
        path.push(fieldElement(key));
        compareNode(lo[key], ro?.[key], fieldSchema(s, key), path, result);
        path.pop();
      }
    }
    if (ro) {
      for (const key in ro) {
        if (lo && Object.hasOwn(lo, key)) continue;
        path.push(fieldElement(key));
        compareNode(undefined, ro[key], fieldSchema(s, key), path, result);
        path.pop();
      }
    }
  }
  if (path.length === 0) return;
  if (l === undefined) result.added.insert(path);
  else if (r === undefined) result.removed.insert(path);
}

/**
 * The FieldsV1 below a container `compare` finds added as a whole: every node under it, as
 * `compareNode(undefined, v, s, …)` would insert them one by one ("." on nodes with children,
 * elements in canonical order). `{}` when there is nothing below it.
 */
function addedFieldsV1(v: unknown, s: Schema): Record<string, unknown> {
  const shape = shapeOf(v);
  if ((shape !== 'object' && shape !== 'array') || isAtomicContainer(s, shape)) return {};
  const entries: [PathElement, Record<string, unknown>][] = [];
  if (shape === 'array') {
    // Not atomic, so `s` is a list schema.
    if (s.type !== 'list') return {};
    for (const [pe, item] of indexItems(s, v as unknown[], { strict: false })) {
      if (item !== undefined) entries.push([pe, addedFieldsV1(item, s.items)]);
    }
  } else {
    const o = v as Obj;
    for (const key in o) {
      const child = o[key];
      if (child !== undefined) entries.push([fieldElement(key), addedFieldsV1(child, fieldSchema(s, key))]);
    }
  }
  if (entries.length === 0) return {};
  sortSmall(entries, byPathElement);
  const out: Record<string, unknown> = { '.': {} };
  for (const [pe, sub] of entries) out[pe] = sub;
  return out;
}

function byPathElement(a: [PathElement, unknown], b: [PathElement, unknown]): number {
  return comparePathElements(a[0], b[0]);
}

/**
 * Merges an applied configuration into the live value: the configuration's values win, objects
 * merge field by field, keyed lists and sets merge item by item (the configuration's order for
 * the items it lists, live-only items kept in place), atomic values are replaced.
 */
export function mergeApplied(live: unknown, config: unknown, schema: Schema): unknown {
  if (config === undefined) return deepCopy(live);
  if (live === undefined || live === null || config === null || isAtomic(schema, config)) return deepCopy(config);
  if (isPlainObject(config)) {
    if (!isPlainObject(live)) return deepCopy(config);
    const out: Obj = deepCopy(live);
    for (const [key, value] of Object.entries(config)) out[key] = mergeApplied(live[key], value, fieldSchema(schema, key));
    return out;
  }
  if (Array.isArray(config) && Array.isArray(live) && schema.type === 'list') {
    return mergeListItems(live, config, schema);
  }
  return deepCopy(config);
}

function mergeListItems(live: readonly unknown[], config: readonly unknown[], schema: ListSchema): unknown[] {
  const liveItems = indexItems(schema, live, { strict: false });
  const configItems = indexItems(schema, config, { strict: true });
  const livePEs = [...liveItems.keys()];
  const configPEs = [...configItems.keys()];
  // Items in both lists, in the configuration's order: the order they are emitted in.
  const shared = configPEs.filter((pe) => liveItems.has(pe));
  let nextShared = shared.shift();
  const emitted = new Set<PathElement>();
  const out: unknown[] = [];
  const emit = (pe: PathElement): void => {
    emitted.add(pe);
    out.push(mergeApplied(liveItems.get(pe), configItems.get(pe), schema.items));
  };
  let l = 0;
  let c = 0;
  while (l < livePEs.length || c < configPEs.length) {
    const lpe = livePEs[l];
    const cpe = configPEs[c];
    if (lpe !== undefined && cpe !== undefined) {
      if (lpe === cpe) {
        emit(cpe);
        l++;
        c++;
        nextShared = shared.shift();
        continue;
      }
      // A shared live item out of the configuration's order waits until the configuration reaches it.
      if (configItems.has(lpe) && nextShared !== undefined && nextShared !== lpe) {
        l++;
        continue;
      }
    }
    if (lpe !== undefined) {
      if (!configItems.has(lpe)) {
        out.push(deepCopy(liveItems.get(lpe)));
        l++;
        continue;
      }
      if (emitted.has(lpe)) {
        l++;
        continue;
      }
    }
    if (cpe !== undefined) {
      emit(cpe);
      c++;
      if (nextShared === cpe) nextShared = shared.shift();
    }
  }
  return out;
}

/** Removes the member paths of `set` (each with everything below it) from `value`. */
export function removePaths(value: unknown, set: FieldSet, schema: Schema): unknown {
  if (set.isEmpty()) return value;
  if (isPlainObject(value)) {
    const out: Obj = { ...value };
    for (const key of Object.keys(value)) {
      const pe = fieldElement(key);
      if (set.members().has(pe)) delete out[key];
      else {
        const child = set.children().get(pe);
        if (child) out[key] = removePaths(value[key], child, fieldSchema(schema, key));
      }
    }
    return out;
  }
  if (Array.isArray(value) && schema.type === 'list' && schema.ssa.listType !== 'atomic') {
    const out: unknown[] = [];
    value.forEach((item, i) => {
      const pe = itemElement(schema, item, i, { strict: false });
      if (set.members().has(pe)) return;
      const child = set.children().get(pe);
      out.push(child ? removePaths(item, child, itemSchema(schema)) : item);
    });
    return out;
  }
  return value;
}

/**
 * `set` plus every path that names a field of an object (not an entry of a map-typed field or
 * a list item) leading to one of its members: owning `spec.replicas` also keeps `spec` alive.
 */
export function withNamedParents(set: FieldSet, schema: Schema): FieldSet {
  const out = set.copy();
  const walk = (node: FieldSet, s: Schema, path: PathElement[]): void => {
    for (const [pe, child] of node.children()) {
      const childSchema = pe.startsWith('f:') ? fieldSchema(s, pe.slice(2)) : itemSchema(s);
      if (pe.startsWith('f:') && s.type !== 'map') out.insert([...path, pe]);
      walk(child, childSchema, [...path, pe]);
    }
  };
  walk(set, schema, []);
  return out;
}

/** Removes null-valued fields, which a typed Kubernetes object cannot hold. */
export function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (!isPlainObject(value)) return value;
  const out: Obj = {};
  for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = dropNulls(v);
  return out;
}

export type { FieldPath };
