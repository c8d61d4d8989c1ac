// How objects are kept as bytes. Storage holds each object as JSON with `apiVersion`, `kind`
// and `metadata` first and WITHOUT metadata.resourceVersion (the storage modRevision is the
// resourceVersion, unknown before the write). Reads splice `"resourceVersion":"N"` into the
// stored bytes, so serving an object never parses or re-serializes it.
import type { KubeObject } from '../../api/object.js';
import { isPlainObject } from '../../api/object.js';
import { ApiError } from '../../api/errors.js';

const METADATA_OPEN = Buffer.from('"metadata":{');

/** Bytes for storage: kind/apiVersion/metadata first, resourceVersion removed. */
export function encodeForStorage(obj: KubeObject): Buffer {
  const { apiVersion, kind, metadata, ...rest } = obj;
  const meta: Record<string, unknown> = { ...(metadata ?? {}) };
  delete meta['resourceVersion'];
  return Buffer.from(JSON.stringify({ apiVersion, kind, metadata: meta, ...rest }));
}

/**
 * Stored bytes with `metadata.resourceVersion` set to `rv`. The first `"metadata":{` is the
 * top-level one because encodeForStorage writes it right after two string values.
 */
export function withResourceVersion(stored: Uint8Array, rv: number): Buffer {
  const bytes = Buffer.isBuffer(stored) ? stored : Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
  const at = bytes.indexOf(METADATA_OPEN);
  if (at < 0) throw ApiError.internal('stored object without metadata');
  const insertAt = at + METADATA_OPEN.length;
  const empty = bytes[insertAt] === 0x7d; // '}'
  const field = Buffer.from(`"resourceVersion":"${rv}"${empty ? '' : ','}`);
  return Buffer.concat([bytes.subarray(0, insertAt), field, bytes.subarray(insertAt)]);
}

/**
 * What `decodeStored(withResourceVersion(encodeForStorage(obj), rv))` returns, without the
 * JSON round trip: the top level and metadata are new objects in the stored key order, every
 * value below them is shared with `obj`. For an object its writer hands over and never
 * changes again (the watch cache keeps the view).
 */
export function storedView(obj: KubeObject, rv: number): KubeObject {
  const { apiVersion, kind, metadata, ...rest } = obj;
  const view: KubeObject = {};
  if (apiVersion !== undefined) view.apiVersion = apiVersion;
  if (kind !== undefined) view.kind = kind;
  const meta: Record<string, unknown> = { resourceVersion: String(rv) };
  for (const [k, v] of Object.entries(metadata ?? {})) if (k !== 'resourceVersion' && v !== undefined) meta[k] = v;
  view.metadata = meta as KubeObject['metadata'];
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) view[k] = v;
  return view;
}

/** Parses stored (or spliced) bytes back into an object. */
export function decodeStored(bytes: Uint8Array): KubeObject {
  const parsed: unknown = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  if (!isPlainObject(parsed)) throw ApiError.internal('stored value is not an object');
  return parsed as KubeObject;
}
