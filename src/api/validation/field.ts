// Constructors for FieldError, one per apimachinery field.Error kind, so every validator words
// its errors the same way Kubernetes does (the message text itself is produced in errors.ts).
import type { FieldError } from '../errors.js';

export function required(field: string, detail = ''): FieldError {
  return detail ? { type: 'FieldValueRequired', field, detail } : { type: 'FieldValueRequired', field };
}

export function invalid(field: string, value: unknown, detail = ''): FieldError {
  return detail ? { type: 'FieldValueInvalid', field, value, detail } : { type: 'FieldValueInvalid', field, value };
}

/** `supported values: "A", "B"` as Go's strconv.Quote renders each. */
export function notSupported(field: string, value: unknown, supported: readonly string[]): FieldError {
  const detail = supported.length ? `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}` : '';
  return detail ? { type: 'FieldValueNotSupported', field, value, detail } : { type: 'FieldValueNotSupported', field, value };
}

export function duplicate(field: string, value: unknown): FieldError {
  return { type: 'FieldValueDuplicate', field, value };
}

export function notFound(field: string, value: unknown): FieldError {
  return { type: 'FieldValueNotFound', field, value };
}

export function forbidden(field: string, detail: string): FieldError {
  return { type: 'FieldValueForbidden', field, detail };
}

export function tooLong(field: string, maxBytes: number): FieldError {
  return { type: 'FieldValueTooLong', field, detail: `must have at most ${maxBytes} bytes` };
}

export function tooMany(field: string, actual: number, max: number): FieldError {
  return { type: 'FieldValueTooMany', field, value: actual, detail: `must have at most ${max} items` };
}

/** Kubernetes' FieldImmutableErrorMsg. */
export const IMMUTABLE = 'field is immutable';
/** Kubernetes' IsNegativeErrorMsg. */
export const NEGATIVE = 'must be greater than or equal to 0';

/** `Invalid value: -1: must be greater than or equal to 0` when v < 0. */
export function nonNegative(field: string, v: unknown): FieldError[] {
  return typeof v === 'number' && v < 0 ? [invalid(field, v, NEGATIVE)] : [];
}

/** Go's `field.Path.Key`: `labels[app]`. */
export function key(path: string, k: string): string {
  return `${path}[${k}]`;
}
