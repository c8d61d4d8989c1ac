// Boundary checks shared by every backend, so all of them refuse the same inputs with the same
// InvalidKeyError before touching their store.
import { InvalidKeyError, MAX_KEY_BYTES, MAX_VALUE_BYTES } from './storage.js';

const encoder = new TextEncoder();

/** A key: non-empty, starts with "/", no NUL, at most MAX_KEY_BYTES of UTF-8. */
export function assertValidKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidKeyError('key must be a non-empty string');
  assertKeyShape(key, 'key');
}

/** A prefix for list/count/watch: like a key, and "/" alone means everything. */
export function assertValidPrefix(prefix: string): void {
  if (typeof prefix !== 'string' || prefix.length === 0) throw new InvalidKeyError('prefix must be a non-empty string');
  assertKeyShape(prefix, 'prefix');
}

export function assertValidValue(value: Uint8Array): void {
  if (!(value instanceof Uint8Array)) throw new InvalidKeyError('value must be a Uint8Array');
  if (value.byteLength > MAX_VALUE_BYTES) {
    throw new InvalidKeyError(`value of ${value.byteLength} bytes exceeds the limit of ${MAX_VALUE_BYTES} bytes`);
  }
}

export function assertValidTtl(ttlSeconds: number | undefined): void {
  if (ttlSeconds === undefined) return;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
    throw new InvalidKeyError(`ttlSeconds must be a positive integer, got ${String(ttlSeconds)}`);
  }
}

function assertKeyShape(key: string, what: string): void {
  if (!key.startsWith('/')) throw new InvalidKeyError(`${what} ${JSON.stringify(key.slice(0, 64))} must start with "/"`);
  if (key.includes('\0')) throw new InvalidKeyError(`${what} must not contain a NUL character`);
  // Cheap upper bound first: a UTF-16 string encodes to at most 3 bytes per code unit.
  if (key.length * 3 > MAX_KEY_BYTES && encoder.encode(key).byteLength > MAX_KEY_BYTES) {
    throw new InvalidKeyError(`${what} exceeds the limit of ${MAX_KEY_BYTES} bytes`);
  }
}
