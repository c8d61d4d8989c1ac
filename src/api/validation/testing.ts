// Test helpers shared by the validation tests: minimal ResourceInfo values and a compact
// view of FieldErrors.
import type { FieldError } from '../errors.js';
import type { ResourceInfo } from '../resources.js';

export function resource(group: string, kind: string, opts: { namespaced: boolean }): ResourceInfo {
  const plural = `${kind.toLowerCase()}s`;
  return {
    group,
    version: 'v1',
    kind,
    listKind: `${kind}List`,
    plural,
    singular: kind.toLowerCase(),
    namespaced: opts.namespaced,
    verbs: [],
    shortNames: [],
    categories: [],
    subresources: [],
  };
}

/** `field type` pairs, the part of a FieldError a test usually pins. */
export function where(errs: readonly FieldError[]): string[] {
  return errs.map((e) => `${e.field} ${e.type}`);
}
