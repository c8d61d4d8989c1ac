// StoredObject built from bytes: parsing happens only when someone reads `obj`, so list and
// get responses that only need the bytes never parse.
import type { KubeObject } from '../../api/object.js';
import { decodeStored, ServedJson, withResourceVersion } from './encoding.js';
import type { StoredObject } from './types.js';

class LazyStoredObject implements StoredObject {
  private parsed: KubeObject | undefined;

  constructor(
    readonly json: ServedJson,
    readonly rv: number,
    parsed?: KubeObject,
  ) {
    this.parsed = parsed;
  }

  get obj(): KubeObject {
    this.parsed ??= decodeStored(this.json);
    return this.parsed;
  }
}

/**
 * From storage bytes (no resourceVersion inside) and the storage modRevision; `parsed`, when
 * the caller has it, must be the same object (its resourceVersion is set here); `json`, when
 * the caller has it, must be `withResourceVersion(value, rv)`.
 */
export function fromStorage(value: Uint8Array, rv: number, parsed?: KubeObject, json?: ServedJson): StoredObject {
  if (parsed) parsed.metadata = { ...parsed.metadata, resourceVersion: String(rv) };
  return new LazyStoredObject(json ?? withResourceVersion(value, rv), rv, parsed);
}

/** From an object that already carries its final state (resourceVersion set by the caller). */
export function fromObject(obj: KubeObject, rv: number): StoredObject {
  return new LazyStoredObject(ServedJson.of(Buffer.from(JSON.stringify(obj))), rv, obj);
}
