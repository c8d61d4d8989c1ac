// RFC 6902 JSON patch, with the error behaviour of the Kubernetes API server: a body that is not
// an array of operation objects is a 400 BadRequest; any failure while applying the operations
// (failed test, missing path, unknown op) is a 422 Invalid whose message is Kubernetes' generic
// "the server rejected our request due to an error in our request" (the server does not pass the
// operation's own error text on to the client).
import { ApiError } from '../errors.js';
import { deepCopy, isPlainObject } from '../object.js';
import { deepEqual } from './json-value.js';

/** Kubernetes refuses JSON patches with more operations than this (HTTP 413). */
export const maxJsonPatchOperations = 10000;

type Container = Record<string, unknown> | unknown[];

/** Thrown inside the engine; turned into the 422 at the boundary. */
class OperationError extends Error {}

export function applyJsonPatch(doc: unknown, patch: unknown): unknown {
  const ops = decodePatch(patch);
  let result = deepCopy(doc);
  try {
    for (const op of ops) result = applyOperation(result, op);
  } catch (e) {
    if (e instanceof OperationError) {
      throw new ApiError('Invalid', 'the server rejected our request due to an error in our request', {});
    }
    throw e;
  }
  return result;
}

/** Validates the shape Go's decoder requires: an array of JSON objects. */
function decodePatch(patch: unknown): Record<string, unknown>[] {
  if (!Array.isArray(patch)) {
    throw ApiError.badRequest(`json: cannot unmarshal ${goJsonKind(patch)} into Go value of type jsonpatch.Patch`);
  }
  for (const op of patch) {
    if (!isPlainObject(op)) {
      throw ApiError.badRequest(`json: cannot unmarshal ${goJsonKind(op)} into Go value of type jsonpatch.Operation`);
    }
  }
  if (patch.length > maxJsonPatchOperations) {
    throw new ApiError(
      'RequestEntityTooLarge',
      `Request entity too large: The allowed maximum operations in a JSON patch is ${maxJsonPatchOperations}, got ${patch.length}`,
    );
  }
  return patch as Record<string, unknown>[];
}

function goJsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'object';
  return typeof v; // string, number, boolean
}

function applyOperation(doc: unknown, op: Record<string, unknown>): unknown {
  const path = pointer(op, 'path');
  switch (op['op']) {
    case 'add':
      return add(doc, path, requireValue(op));
    case 'remove':
      return remove(doc, path);
    case 'replace':
      return replace(doc, path, requireValue(op));
    case 'move': {
      const from = pointer(op, 'from');
      if (path.length > from.length && from.every((t, i) => path[i] === t)) {
        throw new OperationError('move: path is a child of from');
      }
      const value = get(doc, from);
      return add(remove(doc, from), path, value);
    }
    case 'copy':
      return add(doc, path, deepCopy(get(doc, pointer(op, 'from'))));
    case 'test': {
      const expected = requireValue(op);
      const found = lookup(doc, path);
      if (found.exists ? deepEqual(found.value, expected) : expected === null) return doc;
      throw new OperationError('test failed');
    }
    default:
      throw new OperationError(`unexpected op ${String(op['op'])}`);
  }
}

function requireValue(op: Record<string, unknown>): unknown {
  if (!('value' in op)) throw new OperationError('missing value');
  return deepCopy(op['value']);
}

function pointer(op: Record<string, unknown>, field: 'path' | 'from'): string[] {
  const raw = op[field];
  if (typeof raw !== 'string') throw new OperationError(`missing ${field}`);
  return parsePointer(raw);
}

/** RFC 6901: "" is the whole document; "/a~1b/~0c" is ["a/b", "~c"]. */
export function parsePointer(raw: string): string[] {
  if (raw === '') return [];
  if (!raw.startsWith('/')) throw new OperationError(`invalid pointer ${raw}`);
  return raw
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function lookup(doc: unknown, path: readonly string[]): { exists: true; value: unknown } | { exists: false } {
  let cur: unknown = doc;
  for (const token of path) {
    if (Array.isArray(cur)) {
      const i = arrayIndex(token, cur.length - 1);
      if (i === undefined) return { exists: false };
      cur = cur[i];
    } else if (isPlainObject(cur) && Object.hasOwn(cur, token)) {
      cur = cur[token];
    } else {
      return { exists: false };
    }
  }
  return { exists: true, value: cur };
}

function get(doc: unknown, path: readonly string[]): unknown {
  const found = lookup(doc, path);
  if (!found.exists) throw new OperationError('path does not exist');
  return found.value;
}

/** The container holding the last token, which must exist. */
function parentOf(doc: unknown, path: readonly string[]): { parent: Container; token: string } {
  const parent = get(doc, path.slice(0, -1));
  if (!Array.isArray(parent) && !isPlainObject(parent)) throw new OperationError('parent is not a container');
  return { parent, token: path[path.length - 1] ?? '' };
}

/** A decimal array index no greater than `max`, or undefined. */
function arrayIndex(token: string, max: number): number | undefined {
  if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
  const i = Number(token);
  return i <= max ? i : undefined;
}

function add(doc: unknown, path: readonly string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const { parent, token } = parentOf(doc, path);
  if (Array.isArray(parent)) {
    const i = token === '-' ? parent.length : arrayIndex(token, parent.length);
    if (i === undefined) throw new OperationError('index out of range');
    parent.splice(i, 0, value);
  } else {
    parent[token] = value;
  }
  return doc;
}

function remove(doc: unknown, path: readonly string[]): unknown {
  if (path.length === 0) throw new OperationError('cannot remove the document');
  const { parent, token } = parentOf(doc, path);
  if (Array.isArray(parent)) {
    const i = arrayIndex(token, parent.length - 1);
    if (i === undefined) throw new OperationError('index out of range');
    parent.splice(i, 1);
  } else {
    if (!Object.hasOwn(parent, token)) throw new OperationError('missing key');
    delete parent[token];
  }
  return doc;
}

function replace(doc: unknown, path: readonly string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const { parent, token } = parentOf(doc, path);
  if (Array.isArray(parent)) {
    const i = arrayIndex(token, parent.length - 1);
    if (i === undefined) throw new OperationError('index out of range');
    parent[i] = value;
  } else {
    if (!Object.hasOwn(parent, token)) throw new OperationError('missing key');
    parent[token] = value;
  }
  return doc;
}
