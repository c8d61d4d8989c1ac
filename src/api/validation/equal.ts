// Structural equality of JSON values, with object key order ignored (Kubernetes compares
// decoded structs, where member order never matters). As Kubernetes' semantic equality does,
// a missing member, null and an empty list are the same.
import { isPlainObject } from '../object.js';

export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a).filter((k) => !isEmpty(a[k]));
    const kb = Object.keys(b).filter((k) => !isEmpty(b[k]));
    if (ka.length !== kb.length) return false;
    return ka.every((k) => jsonEqual(a[k], b[k]));
  }
  return false;
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || (Array.isArray(v) && v.length === 0);
}
