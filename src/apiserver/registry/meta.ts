// Small accessors for the metadata every object carries, typed over KubeObject.
import { randomBytes } from 'node:crypto';
import type { KubeObject, ObjectMeta } from '../../api/object.js';
import { isPlainObject } from '../../api/object.js';

/** ObjectMeta whose fields the server may set (kubernetes-types declares them read-only). */
export type MutableMeta = { -readonly [K in keyof ObjectMeta]: ObjectMeta[K] };

export function meta(obj: KubeObject): MutableMeta {
  if (!isPlainObject(obj.metadata)) obj.metadata = {};
  return obj.metadata as MutableMeta;
}

/** Writes stamp the same second many times over: its text is formatted once. */
let lastSecond = { second: NaN, text: '' };

/** RFC 3339 with second precision, as metav1.Time serializes. */
export function rfc3339(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond.second) lastSecond = { second, text: new Date(second * 1000).toISOString().replace('.000Z', 'Z') };
  return lastSecond.text;
}


// Kubernetes' generateName alphabet: no vowels (no accidental words), no confusable 0/1/3.
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function generateSuffix(): string {
  const bytes = randomBytes(5);
  let s = '';
  for (const b of bytes) s += ALPHABET[b % ALPHABET.length];
  return s;
}

export function hasFinalizers(obj: KubeObject): boolean {
  return (meta(obj).finalizers?.length ?? 0) > 0;
}

export function addFinalizer(obj: KubeObject, name: string): void {
  const m = meta(obj);
  const list = m.finalizers ?? [];
  if (!list.includes(name)) m.finalizers = [...list, name];
}

export function removeFinalizer(obj: KubeObject, name: string): void {
  const m = meta(obj);
  if (!m.finalizers?.includes(name)) return;
  m.finalizers = m.finalizers.filter((f: string) => f !== name);
  if (m.finalizers.length === 0) delete m.finalizers;
}

/** A field of the object that is a JSON object, or undefined. */
export function objectField(obj: KubeObject, field: string): Record<string, unknown> | undefined {
  const v = obj[field];
  return isPlainObject(v) ? v : undefined;
}

/** Structural equality of JSON values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isPlainObject(a)) {
    if (!isPlainObject(b)) return false;
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => jsonEqual(a[k], b[k]));
  }
  return false;
}
