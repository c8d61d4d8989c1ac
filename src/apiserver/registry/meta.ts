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

/** Random bytes drawn 4 KiB at a time: one call to the generator per 800 names. */
const entropy = { bytes: Buffer.alloc(0), at: 0 };

export function generateSuffix(): string {
  if (entropy.at + 5 > entropy.bytes.length) {
    entropy.bytes = randomBytes(4096);
    entropy.at = 0;
  }
  let s = '';
  for (let i = 0; i < 5; i++) s += ALPHABET[(entropy.bytes[entropy.at++] as number) % ALPHABET.length];
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
  if (isPlainObject(a)) return isPlainObject(b) && sameFields(a, b, skipNone);
  return false;
}

const skipNone = (): boolean => false;

/**
 * Whether `next` differs from `old` (both JSON objects, key order ignored) outside
 * metadata.resourceVersion and metadata.managedFields. When it does, their stored bytes differ
 * too, so an update is no no-op without encoding either.
 */
export function changedBeyondMeta(next: KubeObject, old: KubeObject): boolean {
  const skipTop = (k: string): boolean => k === 'metadata';
  if (!sameFields(next, old, skipTop)) return true;
  const skipMeta = (k: string): boolean => k === 'resourceVersion' || k === 'managedFields';
  const nm = isPlainObject(next.metadata) ? next.metadata : {};
  const om = isPlainObject(old.metadata) ? old.metadata : {};
  return !sameFields(nm, om, skipMeta);
}

function sameFields(a: Record<string, unknown>, b: Record<string, unknown>, skip: (k: string) => boolean): boolean {
  for (const k of Object.keys(a)) if (!skip(k) && !jsonEqual(a[k], Object.hasOwn(b, k) ? b[k] : undefined)) return false;
  for (const k of Object.keys(b)) if (!skip(k) && b[k] !== undefined && !Object.hasOwn(a, k)) return false;
  return true;
}
