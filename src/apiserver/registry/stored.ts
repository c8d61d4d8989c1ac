// StoredObject built from bytes: parsing happens only when someone reads `obj`, so list and
// get responses that only need the bytes never parse.
import type { KubeObject } from '../../api/object.js';
import { decodeStored, ServedJson, withResourceVersion } from './encoding.js';
import type { StoredObject } from './types.js';

class LazyStoredObject implements StoredObject {
  private parsed: KubeObject | undefined;
  /** `parsed` still lacks its resourceVersion (set on first read: most writers only send `json`). */
  private unstamped: boolean;

  constructor(
    readonly json: ServedJson,
    readonly rv: number,
    parsed?: KubeObject,
    unstamped = false,
  ) {
    this.parsed = parsed;
    this.unstamped = unstamped && parsed !== undefined;
  }

  get obj(): KubeObject {
    if (this.parsed === undefined) this.parsed = decodeStored(this.json);
    else if (this.unstamped) {
      this.unstamped = false;
      this.parsed.metadata = { ...this.parsed.metadata, resourceVersion: String(this.rv) };
    }
    return this.parsed;
  }
}

/**
 * From storage bytes (no resourceVersion inside) and the storage modRevision; `parsed`, when
 * the caller has it, must be the same object (its resourceVersion is set when `obj` is first
 * read); `json`, when the caller has it, must be `withResourceVersion(value, rv)`.
 */
export function fromStorage(value: Uint8Array, rv: number, parsed?: KubeObject, json?: ServedJson): StoredObject {
  return new LazyStoredObject(json ?? withResourceVersion(value, rv), rv, parsed, true);
}

/** From an object that already carries its final state (resourceVersion set by the caller). */
export function fromObject(obj: KubeObject, rv: number): StoredObject {
  return new LazyStoredObject(ServedJson.of(Buffer.from(JSON.stringify(obj))), rv, obj);
}
