// Field selectors (`metadata.name=x,spec.nodeName!=`) and the fields each resource offers for
// them, as Kubernetes defines them per resource.
import type { KubeObject } from '../object.js';
import type { ResourceInfo } from '../resources.js';

export interface FieldMatcher {
  matches(fields: Readonly<Record<string, string>>): boolean;
  readonly empty: boolean;
  /** For `metadata.name=X` selectors: the single name required, so lookups can be direct. */
  readonly requiredName?: string;
  toString(): string;
}

/**
 * Parses a field selector for `resource`; throws ApiError BadRequest for bad syntax or a field
 * label the resource does not support (`field label not supported: foo`).
 */
export function parseFieldSelector(_text: string, _resource: ResourceInfo): FieldMatcher {
  throw new Error('not implemented');
}

/** The selectable fields of an object: always metadata.name and metadata.namespace (if namespaced). */
export function selectableFields(_resource: ResourceInfo, _obj: KubeObject): Record<string, string> {
  throw new Error('not implemented');
}
