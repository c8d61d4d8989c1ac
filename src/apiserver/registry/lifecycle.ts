// The generic object lifecycle Kubernetes applies to every kind: identity and system fields
// on create, immutable metadata and status/spec separation on update, generation counting.
import type { KubeObject } from '../../api/object.js';
import { deepCopy, formatApiVersion, isPlainObject } from '../../api/object.js';
import { ApiError, type FieldError } from '../../api/errors.js';
import type { ResourceInfo } from '../../api/resources.js';
import { randomUUID } from 'node:crypto';
import { generateSuffix, jsonEqual, meta, rfc3339 } from './meta.js';
import { annotationsCountInGeneration, hasStatusSubresource, isNamespace, prepareForCreate, prepareForUpdate, statusWritableMetadata, tracksGeneration } from './kinds.js';
import type { WritableSubresource } from './types.js';

/** The group-qualified plural used in messages: "pods", "deployments.apps". */
export function qualifiedResource(r: ResourceInfo): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

/**
 * Checks apiVersion/kind of a body against the URL's resource and fills them in when absent;
 * `servedVersion` is the version in the URL.
 */
export function checkTypeMeta(r: ResourceInfo, obj: KubeObject, servedVersion: string): void {
  const expected = formatApiVersion(r.group, servedVersion);
  if (obj.apiVersion !== undefined && obj.apiVersion !== '' && obj.apiVersion !== expected) {
    throw ApiError.badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${expected})`);
  }
  if (obj.kind !== undefined && obj.kind !== '' && obj.kind !== r.kind) {
    throw ApiError.badRequest(`the kind in the data (${String(obj.kind)}) does not match the expected kind (${r.kind})`);
  }
  obj.apiVersion = formatApiVersion(r.group, r.version);
  obj.kind = r.kind;
}

/** Namespace and name of a body against the URL (name may be absent on create). */
export function checkIdentity(r: ResourceInfo, obj: KubeObject, ns: string | undefined, urlName: string | undefined): void {
  const m = meta(obj);
  if (r.namespaced) {
    if (m.namespace && ns && m.namespace !== ns) {
      throw ApiError.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    if (ns) m.namespace = ns;
  } else {
    delete m.namespace;
  }
  if (urlName !== undefined) {
    if (m.name && m.name !== urlName) {
      throw ApiError.badRequest(`the name of the object (${m.name}) does not match the name on the URL (${urlName})`);
    }
    m.name = urlName;
  }
}

/** Sets identity and system fields of a new object (after checkTypeMeta/checkIdentity). */
export function prepareCreate(r: ResourceInfo, obj: KubeObject, nowMs: number): void {
  const m = meta(obj);
  if (!m.name && m.generateName) m.name = m.generateName + generateSuffix();
  if (!m.name) {
    throw ApiError.invalid(r.kind, '', [
      { type: 'FieldValueRequired', field: 'metadata.name', detail: 'name or generateName is required' },
    ], r.group);
  }
  m.uid = randomUUID();
  m.creationTimestamp = rfc3339(nowMs);
  delete m.resourceVersion;
  delete m.deletionTimestamp;
  delete m.deletionGracePeriodSeconds;
  delete m.selfLink;
  delete m.generation;
  prepareForCreate(r, obj);
  if (tracksGeneration(r, obj)) m.generation = 1;
}

/**
 * The object an update stores, from the stored `old` and the client's `incoming`: system
 * metadata kept, status or spec taken depending on the subresource, generation bumped when
 * the spec changed. Returns field errors for immutable-field violations. `incoming` is the
 * caller's own copy: it is built on (and changed), never copied again; `old` is never changed.
 */
export function prepareUpdate(
  r: ResourceInfo,
  old: KubeObject,
  incoming: KubeObject,
  subresource: WritableSubresource,
): { obj: KubeObject; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const oldMeta = meta(old);
  const inMeta = meta(incoming);
  if (inMeta.uid && inMeta.uid !== oldMeta.uid) {
    errors.push({ type: 'FieldValueInvalid', field: 'metadata.uid', value: inMeta.uid, detail: 'field is immutable' });
  }
  let next: KubeObject;
  if (subresource === 'ephemeralcontainers') {
    // Only spec.ephemeralContainers comes from the client (Kubernetes' dropNonEphemeralContainerUpdates).
    next = deepCopy(old);
    const spec = isPlainObject(next['spec']) ? next['spec'] : {};
    const inSpec = isPlainObject(incoming['spec']) ? incoming['spec'] : {};
    if (inSpec['ephemeralContainers'] === undefined || inSpec['ephemeralContainers'] === null) delete spec['ephemeralContainers'];
    else spec['ephemeralContainers'] = inSpec['ephemeralContainers'];
    next['spec'] = spec;
    if (inMeta.managedFields !== undefined) meta(next).managedFields = inMeta.managedFields;
    return { obj: next, errors };
  }
  if (subresource === 'status' || subresource === 'finalize') {
    // Status writers change status only (finalize: spec.finalizers only); metadata except
    // managedFields stays as stored, as Kubernetes' ResetObjectMetaForStatus does, unless the
    // kind's status strategy lets a status write change some of it (statusWritableMetadata).
    if (subresource === 'status') {
      // Everything but status and metadata stays as stored and is shared with `old`, which
      // never changes (nor does what is written: stored objects are read-only); metadata,
      // which the write path changes, is copied. The keys keep the old order.
      const nextMeta: Record<string, unknown> = { ...oldMeta };
      const sent = inMeta as Record<string, unknown>;
      for (const k of statusWritableMetadata(r)) {
        if (sent[k] === undefined) delete nextMeta[k];
        else nextMeta[k] = sent[k];
      }
      next = { ...old, metadata: nextMeta };
      if (incoming['status'] === undefined) delete next['status'];
      else next['status'] = incoming['status'];
    } else {
      next = deepCopy(old);
      const spec = isPlainObject(next['spec']) ? next['spec'] : {};
      const inSpec = isPlainObject(incoming['spec']) ? incoming['spec'] : {};
      if (inSpec['finalizers'] === undefined) delete spec['finalizers'];
      else spec['finalizers'] = inSpec['finalizers'];
      next['spec'] = spec;
    }
    const m = meta(next);
    if (inMeta.managedFields !== undefined) m.managedFields = inMeta.managedFields;
    return { obj: next, errors };
  }
  next = incoming;
  const m = meta(next);
  m.uid = oldMeta.uid;
  m.creationTimestamp = oldMeta.creationTimestamp;
  m.name = oldMeta.name;
  if (r.namespaced) m.namespace = oldMeta.namespace;
  if (oldMeta.deletionTimestamp) m.deletionTimestamp = oldMeta.deletionTimestamp;
  else delete m.deletionTimestamp;
  if (oldMeta.deletionGracePeriodSeconds !== undefined) m.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds;
  else delete m.deletionGracePeriodSeconds;
  delete m.selfLink;
  if (oldMeta.generation !== undefined) m.generation = oldMeta.generation;
  else delete m.generation;
  if (hasStatusSubresource(r) && subresource !== 'internal') {
    if (old['status'] === undefined) delete next['status'];
    else next['status'] = deepCopy(old['status']);
  }
  if (isNamespace(r) && subresource !== 'internal') {
    // spec.finalizers belong to the finalize subresource.
    const spec = isPlainObject(next['spec']) ? next['spec'] : {};
    const oldSpec = isPlainObject(old['spec']) ? old['spec'] : {};
    if (oldSpec['finalizers'] === undefined) delete spec['finalizers'];
    else spec['finalizers'] = deepCopy(oldSpec['finalizers']);
    next['spec'] = spec;
  }
  if (subresource === '') prepareForUpdate(r, old, next);
  const newGeneration = specChanged(r, old, next) || (annotationsCountInGeneration(r) && !jsonEqual(nonEmpty(oldMeta.annotations), nonEmpty(m.annotations)));
  if (tracksGeneration(r, next) && newGeneration) m.generation = (oldMeta.generation ?? 0) + 1;
  return { obj: next, errors };
}

/** An empty map as absent (Kubernetes' semantic equality treats them alike). */
function nonEmpty(map: Record<string, string> | undefined): Record<string, string> | undefined {
  return map && Object.keys(map).length > 0 ? map : undefined;
}

/** Generation counts changes outside metadata and status (for built-in kinds: the spec). */
function specChanged(r: ResourceInfo, old: KubeObject, next: KubeObject): boolean {
  if (hasStatusSubresource(r)) return !jsonEqual(old['spec'], next['spec']);
  const strip = (o: KubeObject): Record<string, unknown> => {
    const { metadata: _m, status: _s, ...rest } = o;
    return rest;
  };
  return !jsonEqual(strip(old), strip(next));
}
