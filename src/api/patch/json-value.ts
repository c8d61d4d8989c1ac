// Small operations on parsed JSON values shared by the patch engines.
import { isPlainObject } from '../object.js';

/** Structural equality of JSON values (object key order does not matter). Allocates nothing. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (isPlainObject(a)) {
    if (!isPlainObject(b)) return false;
    // Plain objects inherit no enumerable keys: for-in sees exactly the own keys.
    let keys = 0;
    for (const k in a) {
      if (!Object.hasOwn(b, k) || !deepEqual(a[k], b[k])) return false;
      keys++;
    }
    for (const _ in b) keys--;
    return keys === 0;
  }
  return false;
}

/** JSON text with object keys sorted, so equal values have equal text. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isPlainObject(v)) {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
