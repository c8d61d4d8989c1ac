// How objects are kept as bytes. Storage holds each object as JSON with `apiVersion`, `kind`
// and `metadata` first and WITHOUT metadata.resourceVersion (the storage modRevision is the
// resourceVersion, unknown before the write). Reads splice `"resourceVersion":"N"` into the
// stored bytes, so serving an object never parses or re-serializes it.
import type { KubeObject } from '../../api/object.js';
import { isPlainObject, setField } from '../../api/object.js';
import { ApiError } from '../../api/errors.js';

const METADATA_OPEN = Buffer.from('"metadata":{');

/** Bytes for storage: kind/apiVersion/metadata first, resourceVersion removed. */
export function encodeForStorage(obj: KubeObject): Buffer {
  return Buffer.from(JSON.stringify(storageOrder(obj, undefined)));
}

/**
 * `obj` with apiVersion, kind and metadata first; metadata's resourceVersion is `rv` (first)
 * when given, and absent otherwise. Built key by key (no spread, no delete), so the objects
 * stay in V8's fast shape. Shares every value below metadata with `obj`.
 */
function storageOrder(obj: KubeObject, rv: string | undefined): KubeObject {
  const out: KubeObject = {};
  if (obj.apiVersion !== undefined) out.apiVersion = obj.apiVersion;
  if (obj.kind !== undefined) out.kind = obj.kind;
  const meta: Record<string, unknown> = {};
  if (rv !== undefined) meta['resourceVersion'] = rv;
  const source = obj.metadata as Record<string, unknown> | undefined;
  for (const k in source) {
    const v = source[k];
    if (k !== 'resourceVersion' && v !== undefined) setField(meta, k, v);
  }
  out.metadata = meta as KubeObject['metadata'];
  for (const k in obj) {
    const v = obj[k];
    if (k !== 'apiVersion' && k !== 'kind' && k !== 'metadata' && v !== undefined) setField(out, k, v);
  }
  return out;
}

/**
 * An object's JSON as served: pieces that, written one after the other, are the JSON text. The
 * stored bytes with their resourceVersion are kept as three pieces (views of the stored bytes
 * around the field), so serving an object copies it only into the socket.
 */
export class ServedJson {
  readonly length: number;

  constructor(readonly chunks: readonly Buffer[]) {
    let length = 0;
    for (const c of chunks) length += c.length;
    this.length = length;
  }

  static of(bytes: Buffer): ServedJson {
    return new ServedJson([bytes]);
  }

  toString(): string {
    let text = '';
    for (const c of this.chunks) text += c.toString('utf8');
    return text;
  }
}

/**
 * Stored bytes with `metadata.resourceVersion` set to `rv`. The first `"metadata":{` is the
 * top-level one because encodeForStorage writes it right after two string values.
 */
export function withResourceVersion(stored: Uint8Array, rv: number): ServedJson {
  const bytes = Buffer.isBuffer(stored) ? stored : Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
  const at = bytes.indexOf(METADATA_OPEN);
  if (at < 0) throw ApiError.internal('stored object without metadata');
  const insertAt = at + METADATA_OPEN.length;
  const empty = bytes[insertAt] === 0x7d; // '}'
  const field = Buffer.from(`"resourceVersion":"${rv}"${empty ? '' : ','}`, 'latin1');
  return new ServedJson([bytes.subarray(0, insertAt), field, bytes.subarray(insertAt)]);
}

/**
 * What `decodeStored(withResourceVersion(encodeForStorage(obj), rv))` returns, without the
 * JSON round trip: the top level and metadata are new objects in the stored key order, every
 * value below them is shared with `obj`. For an object its writer hands over and never
 * changes again (the watch cache keeps the view).
 */
export function storedView(obj: KubeObject, rv: number): KubeObject {
  return storageOrder(obj, String(rv));
}

/** Parses stored bytes, or served JSON, back into an object. */
export function decodeStored(json: Uint8Array | ServedJson): KubeObject {
  const text = json instanceof ServedJson ? json.toString() : Buffer.from(json.buffer, json.byteOffset, json.byteLength).toString('utf8');
  const parsed: unknown = JSON.parse(text);
  if (!isPlainObject(parsed)) throw ApiError.internal('stored value is not an object');
  return parsed as KubeObject;
}
