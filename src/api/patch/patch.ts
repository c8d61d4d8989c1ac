// The patch engines of the Kubernetes API. Each takes the current object and the patch body
// (already parsed JSON) and returns the new object without mutating its inputs. Bad patches
// throw ApiError (BadRequest for malformed patches, Invalid/Conflict where Kubernetes does).
import type { GroupVersionKind, KubeObject } from '../object.js';

/** RFC 6902 JSON patch (`application/json-patch+json`). */
export { applyJsonPatch } from './json-patch.js';

/** RFC 7396 JSON merge patch (`application/merge-patch+json`). */
export { applyMergePatch } from './merge-patch.js';

/**
 * Strategic merge patch (`application/strategic-merge-patch+json`) with the merge keys and
 * strategies of the built-in kinds and the directives `$patch`, `$setElementOrder/<field>`,
 * `$retainKeys`, `$deleteFromPrimitiveList/<field>`. Throws ApiError UnsupportedMediaType for a
 * kind it has no schema for (custom resources), as Kubernetes does.
 * `hasStrategicSchema(gvk)` is true when `applyStrategicMergePatch` knows the kind.
 */
export { applyStrategicMergePatch, hasStrategicSchema } from './strategic-merge.js';

export interface ApplyRequest {
  gvk: GroupVersionKind;
  /** The stored object, or undefined when apply creates it. */
  current: KubeObject | undefined;
  /** The applied configuration sent by the client (`application/apply-patch+yaml`). */
  applied: KubeObject;
  /** `fieldManager` query parameter (required for apply). */
  manager: string;
  force: boolean;
  /** "" for the main resource, "status" or "scale" for subresources. */
  subresource: string;
  /** RFC 3339 timestamp to record in managedFields. */
  now: string;
}

/**
 * Server-side apply: merges the applied configuration into `current`, removes fields this
 * manager owned before but no longer applies, records ownership in metadata.managedFields
 * (operation Apply, fieldsV1), and throws ApiError Conflict (409) with one
 * `FieldManagerConflict` cause per field owned by another manager with a different value,
 * unless `force` (which takes ownership). Status is not applied through the main resource,
 * and only status and metadata through the status subresource.
 *
 * `trackUpdate` records a non-apply write (create, update, patch) in metadata.managedFields as
 * Kubernetes does: the fields that changed become owned by `manager` with operation Update, and
 * are removed from other managers' sets.
 */
export { serverSideApply, trackUpdate } from './server-side-apply.js';

export interface UpdateTracking {
  gvk: GroupVersionKind;
  /** The object before the write (undefined on create). */
  old: KubeObject | undefined;
  /** The object about to be stored; its metadata.managedFields is updated in place. */
  updated: KubeObject;
  manager: string;
  subresource: string;
  now: string;
}
