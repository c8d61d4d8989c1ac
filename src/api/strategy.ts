// What the registry asks of each kind besides storage: defaults and validation, as
// Kubernetes' per-resource strategies do. The generic object lifecycle (uid, timestamps,
// generation, status separation, resourceVersion) lives in the API server, not here.
import type { FieldError } from './errors.js';
import type { KubeObject } from './object.js';
import type { ResourceInfo } from './resources.js';

/** Fills in defaults in place, as the Kubernetes defaulters do for this kind. */
export function applyDefaults(_resource: ResourceInfo, _obj: KubeObject): void {
  throw new Error('not implemented');
}

/**
 * Field errors for a new object (after defaults), or for an update when `old` is given
 * (including immutable-field checks). An empty array means valid. Metadata (name format,
 * labels, annotations, namespace) is validated here too.
 */
export function validate(_resource: ResourceInfo, _obj: KubeObject, _old?: KubeObject): FieldError[] {
  throw new Error('not implemented');
}
