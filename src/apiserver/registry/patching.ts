// Turns a PATCH body into the object the update path then treats like a PUT body.
import { ApiError } from '../../api/errors.js';
import type { GroupVersionKind, KubeObject } from '../../api/object.js';
import { isPlainObject } from '../../api/object.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, serverSideApply } from '../../api/patch/patch.js';
import type { ResourceInfo } from '../../api/resources.js';
import type { PatchRequest } from './types.js';

/** The resource's kind at `version` (default its stored version). */
export function gvkOf(r: ResourceInfo, version = r.version): GroupVersionKind {
  return { group: r.group, version, kind: r.kind };
}

function asObject(v: unknown, what: string): KubeObject {
  if (!isPlainObject(v)) throw ApiError.badRequest(`${what} did not produce an object`);
  return v as KubeObject;
}

export interface PatchInput {
  resource: ResourceInfo;
  /** The version of `current`, the patch and the result (the URL's); default the stored one. */
  version?: string;
  current: KubeObject | undefined;
  request: PatchRequest;
  manager: string | undefined;
  subresource: string;
  now: string;
}

/** The patched object; `current` undefined is only valid for apply (create). */
export function patchObject(input: PatchInput): KubeObject {
  const { resource, current, request } = input;
  const gvk = gvkOf(resource, input.version);
  if (request.type === 'apply') {
    if (!input.manager) throw ApiError.badRequest('fieldManager is required for apply requests');
    return serverSideApply({
      gvk,
      current,
      applied: asObject(request.body, 'the apply configuration'),
      manager: input.manager,
      force: request.force,
      subresource: input.subresource,
      now: input.now,
    });
  }
  if (!current) throw new Error('patch without a current object');
  const doc = input.subresource === 'status' && (request.type === 'merge' || request.type === 'strategic') ? statusPart(current) : current;
  switch (request.type) {
    case 'json':
      return asObject(applyJsonPatch(current, request.body), 'the JSON patch');
    case 'merge':
      if (!isPlainObject(request.body)) throw ApiError.badRequest('the merge patch must be a JSON object');
      return asObject(applyMergePatch(doc, request.body), 'the merge patch');
    case 'strategic':
      if (!isPlainObject(request.body)) throw ApiError.badRequest('the strategic merge patch must be a JSON object');
      return asObject(applyStrategicMergePatch(doc, request.body, gvk), 'the strategic merge patch');
  }
}

/**
 * What a merge or strategic patch through the status subresource needs of the current object:
 * a write there takes only the status and some metadata from the patched object (the rest
 * stays as stored), and these patches work on each top-level field apart, so the spec and the
 * managedFields (recomputed from the stored ones) are left out rather than copied and patched.
 * A JSON patch gets the whole object: its paths may name the spec.
 */
function statusPart(current: KubeObject): KubeObject {
  const part: KubeObject = { apiVersion: current.apiVersion, kind: current.kind };
  if (current.metadata !== undefined) {
    const { managedFields: _managed, ...metadata } = current.metadata;
    part.metadata = metadata;
  }
  if (current['status'] !== undefined) part['status'] = current['status'];
  return part;
}
