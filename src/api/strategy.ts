// What the registry asks of each kind besides storage: defaults and validation, as
// Kubernetes' per-resource strategies do. The generic object lifecycle (uid, timestamps,
// generation, status separation, resourceVersion) lives in the API server, not here.
//
// Order on create: assign uid (and a generated name) → applyDefaults → prepareForCreate →
// validate. On update: applyDefaults → validate(obj, old).
import type { FieldError } from './errors.js';
import type { KubeObject } from './object.js';
import type { ResourceInfo } from './resources.js';
import { defaultCustomResource, validateCustomResource } from './custom/custom-resource.js';
import { defaultObject, prepareObjectForCreate } from './defaults/defaults.js';
import { validateObject } from './validation/validate.js';

/** Fills in defaults in place, as the Kubernetes defaulters do for this kind. */
export function applyDefaults(resource: ResourceInfo, obj: KubeObject): void {
  // Custom resources: the CRD's schema prunes and defaults (no status-only variant: the schema
  // covers the whole object, status included).
  if (resource.custom) defaultCustomResource(resource, obj);
  else defaultObject(resource, obj);
}

/**
 * Create-only changes Kubernetes makes in its strategies' PrepareForCreate, which must not be
 * repeated on update: a Job's generated selector and controller-uid/job-name labels (from
 * `metadata.uid`, so call this after the uid is assigned), and a Namespace's `kubernetes`
 * finalizer and Active phase.
 */
export function prepareForCreate(resource: ResourceInfo, obj: KubeObject): void {
  prepareObjectForCreate(resource, obj);
}

/**
 * Field errors for a new object (after defaults), or for an update when `old` is given
 * (including immutable-field checks). An empty array means valid. Metadata (name format,
 * labels, annotations, namespace) is validated here too. `subresource: 'status'`: an update
 * through the status subresource (a kind may check only what such a write can change).
 */
export function validate(resource: ResourceInfo, obj: KubeObject, old?: KubeObject, options: { subresource?: string } = {}): FieldError[] {
  return resource.custom ? validateCustomResource(resource, obj, old) : validateObject(resource, obj, old, options);
}

/**
 * Defaults for a write through the status subresource. Only its status comes from the client
 * (the rest is the stored object, as Kubernetes' status strategies keep it), so only the status
 * is defaulted: the kind's defaulter sees the status alone, and the stored spec and metadata
 * are neither defaulted again nor changed.
 */
export function applyStatusDefaults(resource: ResourceInfo, obj: KubeObject): void {
  if (resource.custom) return defaultCustomResource(resource, obj);
  const view: KubeObject = { apiVersion: obj.apiVersion, kind: obj.kind, metadata: {} };
  if (obj['status'] !== undefined) view['status'] = obj['status'];
  defaultObject(resource, view);
  if (view['status'] === undefined) delete obj['status'];
  else obj['status'] = view['status'];
}
