// RFC 7396 JSON merge patch: objects merge recursively, null deletes, anything else replaces.
import { ApiError } from '../errors.js';
import { deepCopy, isPlainObject } from '../object.js';

/**
 * Applies `patch` to `doc`. Kubernetes only accepts an object as a merge patch body (the result
 * must still be an object), so any other patch is a 400 BadRequest.
 */
export function applyMergePatch(doc: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) throw ApiError.badRequest('Invalid JSON Patch');
  return mergeValue(doc, patch);
}

/** The RFC 7396 MergePatch function, for any patch value; neither input is modified. */
export function mergeValue(target: unknown, patch: unknown): unknown {
  return mergeOwned(deepCopy(target), patch);
}

/** Merges into `target`, which the caller owns and which may be changed in place. */
function mergeOwned(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return deepCopy(patch);
  const result: Record<string, unknown> = isPlainObject(target) ? target : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergeOwned(result[key], value);
  }
  return result;
}
