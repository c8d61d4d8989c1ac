// Server-side apply and the ownership bookkeeping of ordinary writes, after Kubernetes'
// field manager (structured-merge-diff): an applier owns exactly the fields of its last applied
// configuration; fields it stops applying are removed unless someone else owns them; changing a
// field another manager owns is a conflict unless forced. Updates (create/update/patch) take
// ownership of the fields they change.
import { ApiError, type StatusCause } from '../errors.js';
import { deepCopy, deepFreeze, formatApiVersion, isPlainObject, setField, type KubeObject } from '../object.js';
import { applySchema } from './builtin-schemas.js';
import { FieldSet, formatPath, type FieldPath } from './fieldset.js';
import { canonicalJson, deepEqual } from './json-value.js';
import {
  decodeManagedFields,
  encodeManagedFields,
  managedFieldsEntry,
  isResetManagedFields,
  isWritableTopField,
  capUpdateManagers,
  managerKey,
  managerOrderKey,
  trackedFields,
  untrackedMetadataFields,
  type Manager,
} from './managed-fields.js';
import type { ApplyRequest, UpdateTracking } from './patch.js';
import type { Schema, StructSchema } from './schema.js';
import { compare, dropNulls, mergeApplied, removePaths, toFieldSet, withNamedParents } from './typed-value.js';

export const lastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';
/** The manager Kubernetes credits with an object's fields on its first apply, if nobody owned them. */
export const beforeFirstApplyManager = 'before-first-apply';

type Managers = Map<string, Manager>;
type Meta = NonNullable<KubeObject['metadata']>;

interface Conflict {
  manager: Manager;
  path: FieldPath;
}

export function serverSideApply(req: ApplyRequest): KubeObject {
  if (req.applied.metadata?.managedFields != null) throw ApiError.badRequest('metadata.managedFields must be nil');
  const schema = applySchema(req.gvk);
  const apiVersion = formatApiVersion(req.gvk.group, req.gvk.version);
  const live = withoutManagedFields(req.current) ?? {};
  let managers = decodeManagedFields(req.current?.metadata?.managedFields, { stored: true });
  if (req.current && managers.size === 0) {
    managers = recordUpdate(new Map(), {}, live, schema, {
      manager: beforeFirstApplyManager,
      apiVersion,
      subresource: req.subresource,
      now: req.now,
    });
  }

  const attempt = (force: boolean): KubeObject => apply(req, schema, apiVersion, live, managers, force);
  let result: KubeObject;
  try {
    result = attempt(req.force);
  } catch (e) {
    if (!(e instanceof ConflictError)) throw e;
    // kubectl's first server-side apply after client-side applies may take over the fields
    // whose live values still match its last-applied annotation.
    const allowed = req.manager === 'kubectl' ? allowedByLastApplied(live, schema) : undefined;
    const remaining = allowed ? e.conflicts.filter((c) => !allowed.has(c.path)) : e.conflicts;
    if (remaining.length > 0) throw conflictError(remaining);
    result = attempt(true);
  }
  if (req.manager === 'kubectl') syncLastApplied(result, req.applied);
  return result;
}

class ConflictError extends Error {
  constructor(readonly conflicts: Conflict[]) {
    super('conflicts');
  }
}

function apply(req: ApplyRequest, schema: StructSchema, apiVersion: string, live: KubeObject, previous: Managers, force: boolean): KubeObject {
  const config = onlyWritable(req.applied, req.subresource);
  const appliedSet = toFieldSet(config, schema);
  const key = managerKey({ manager: req.manager, operation: 'Apply', apiVersion, subresource: req.subresource });
  const last = previous.get(key);

  let merged = mergeApplied(live, config, schema);
  if (last) {
    // Fields this manager applied before and applies no longer go, unless someone owns them.
    let owned = appliedSet;
    for (const [k, m] of previous) if (k !== key) owned = owned.union(m.fields);
    const removal = withNamedParents(last.fields, schema).difference(withNamedParents(owned, schema));
    merged = removePaths(merged, removal, schema);
  }
  const result = dropNulls(merged) as KubeObject;

  const diff = compare(withGoZeroValues(live, schema), withGoZeroValues(result, schema), schema);
  const changed = trackedFields(diff.added.union(diff.modified), req.subresource);
  const managers: Managers = new Map();
  const conflicts: Conflict[] = [];
  for (const [k, m] of previous) {
    if (k === key) continue;
    const taken = m.fields.intersection(changed);
    for (const path of taken.paths()) conflicts.push({ manager: m, path });
    managers.set(k, { ...m, fields: m.fields.difference(taken).difference(diff.removed) });
  }
  if (conflicts.length > 0 && !force) throw new ConflictError(conflicts);

  const unchanged = deepEqual(live, result);
  managers.set(key, {
    manager: req.manager,
    operation: 'Apply',
    apiVersion,
    subresource: req.subresource,
    time: unchanged && last ? last.time : req.now,
    fields: trackedFields(appliedSet, req.subresource),
  });
  return withManagedFields(result, managers);
}

export function trackUpdate(req: UpdateTracking): void {
  const meta: Meta = (req.updated.metadata ??= {});
  if (req.subresource === '' && isResetManagedFields(meta.managedFields)) {
    delete meta.managedFields;
    return;
  }
  const schema = applySchema(req.gvk);
  // Clients may rewrite managedFields on the main resource; otherwise the stored ones stand.
  const sent = req.subresource === '' ? decodeManagedFields(meta.managedFields) : undefined;
  const start = sent && sent.size > 0 ? sent : decodeManagedFields(req.old?.metadata?.managedFields, { stored: true });
  delete meta.managedFields;
  const ctx: UpdateContext = { manager: req.manager, apiVersion: formatApiVersion(req.gvk.group, req.gvk.version), subresource: req.subresource, now: req.now };
  if (req.old === undefined && start.size === 0) {
    const fieldsV1 = createdFields(req, schema, ctx);
    if (fieldsV1) meta.managedFields = [managedFieldsEntry({ ...ctx, operation: 'Update', time: req.now }, fieldsV1)];
    return;
  }
  const managers = recordUpdate(start, viewWithoutManagedFields(req.old) ?? {}, req.updated, schema, ctx);
  const entries = encodeManagedFields(managers.values());
  if (entries.length > 0) meta.managedFields = entries;
}

/**
 * The FieldsV1 a create records for its manager (undefined when it owns nothing). Objects alike
 * in every field a manager can own record the same fields, and controllers create many such
 * objects (the pods of one ReplicaSet differ only in their names): the fields are worked out
 * once per distinct object and kept, frozen, shared by every object that records them.
 */
function createdFields(req: UpdateTracking, schema: Schema, ctx: UpdateContext): Record<string, unknown> | undefined {
  const key = createdFieldsKey(req);
  const known = createdFieldsMemo.get(key);
  if (known !== undefined) return known ?? undefined;
  const managers = recordUpdate(new Map(), {}, req.updated, schema, ctx);
  const fieldsV1 = encodeManagedFields(managers.values())[0]?.fieldsV1;
  if (createdFieldsMemo.size >= CREATED_FIELDS_MEMO_SIZE) createdFieldsMemo.delete(createdFieldsMemo.keys().next().value as string);
  createdFieldsMemo.set(key, fieldsV1 ? deepFreeze(fieldsV1) : null);
  return fieldsV1;
}

/** Created objects' FieldsV1 by createdFieldsKey (null: nothing owned), oldest first. */
const createdFieldsMemo = new Map<string, Record<string, unknown> | null>();
const CREATED_FIELDS_MEMO_SIZE = 1024;

/** Kind, manager and the object's JSON without the metadata no manager owns (name, uid …). */
function createdFieldsKey(req: UpdateTracking): string {
  const obj = req.updated;
  const tracked: Record<string, unknown> = {};
  const meta = obj.metadata as Record<string, unknown> | undefined;
  for (const k in meta) if (!untrackedMetadataFields.has(k)) setField(tracked, k, meta[k]);
  const { group, version, kind } = req.gvk;
  return JSON.stringify([group, version, kind, req.manager, req.subresource, { ...obj, metadata: tracked }]);
}

interface UpdateContext {
  manager: string;
  apiVersion: string;
  subresource: string;
  now: string;
}

/** The fields that changed from `oldObj` to `newObj` move to the updater (operation Update). */
function recordUpdate(previous: Managers, oldObj: unknown, newObj: unknown, schema: Schema, ctx: UpdateContext): Managers {
  const [before, after, equal] = withoutEqualFields(oldObj, newObj);
  const diff = compare(withGoZeroValues(before, schema, equal), withGoZeroValues(after, schema, equal), schema);
  const touched = diff.modified.isEmpty() ? diff.added : diff.added.union(diff.modified);
  const changed = trackedFields(touched, ctx.subresource);
  const managers: Managers = new Map();
  for (const [k, m] of previous) {
    // A manager none of whose fields changed stays the same object (its entry is reused).
    const touched = m.fields.overlaps(changed) || m.fields.overlaps(diff.removed);
    managers.set(k, touched ? { ...m, fields: m.fields.difference(changed).difference(diff.removed) } : m);
  }
  if (!changed.isEmpty()) {
    const key = managerKey({ ...ctx, operation: 'Update' });
    const before = managers.get(key);
    managers.set(key, {
      manager: ctx.manager,
      operation: 'Update',
      apiVersion: ctx.apiVersion,
      subresource: ctx.subresource,
      time: ctx.now,
      // Fields it already owns keep their set (and its stored encoding) as it was.
      fields: !before ? changed : before.fields.covers(changed) ? before.fields : before.fields.union(changed),
    });
  }
  return capUpdateManagers(managers);
}

/**
 * Both objects without the top-level fields that are equal in both (a status update leaves
 * spec alone): no difference can come from those, and the equality test is much cheaper than
 * the typed comparison. Metadata counts as equal when only fields no manager owns differ (the
 * resourceVersion does on every write). Also returns the fields left out: Go's zero values are
 * not filled in for them (they would be alike on both sides).
 */
function withoutEqualFields(oldObj: unknown, newObj: unknown): [unknown, unknown, string[]] {
  const equal: string[] = [];
  if (!isPlainObject(oldObj) || !isPlainObject(newObj)) return [oldObj, newObj, equal];
  let before: Record<string, unknown> | undefined;
  let after: Record<string, unknown> | undefined;
  for (const k of Object.keys(oldObj)) {
    if (!Object.hasOwn(newObj, k)) continue;
    if (!(k === 'metadata' ? equalTrackedMetadata(oldObj[k], newObj[k]) : deepEqual(oldObj[k], newObj[k]))) continue;
    before ??= { ...oldObj };
    after ??= { ...newObj };
    delete before[k];
    delete after[k];
    equal.push(k);
  }
  return [before ?? oldObj, after ?? newObj, equal];
}

/** Whether two metadata values are equal in every field a manager can own. */
function equalTrackedMetadata(a: unknown, b: unknown): boolean {
  if (!isPlainObject(a) || !isPlainObject(b)) return deepEqual(a, b);
  let fields = 0;
  for (const k in a) {
    if (untrackedMetadataFields.has(k)) continue;
    if (!Object.hasOwn(b, k) || !deepEqual(a[k], b[k])) return false;
    fields++;
  }
  for (const k in b) if (!untrackedMetadataFields.has(k)) fields--;
  return fields === 0;
}

/**
 * The fields of the last-applied annotation whose values the live object still has: kubectl's
 * server-side apply may take these over from its client-side apply without a conflict.
 */
function allowedByLastApplied(live: KubeObject, schema: Schema): FieldSet | undefined {
  const text = live.metadata?.annotations?.[lastAppliedAnnotation];
  if (!text) return undefined;
  try {
    const lastApplied: unknown = JSON.parse(text);
    if (!isPlainObject(lastApplied)) return undefined;
    const diff = compare(lastApplied, live, schema);
    return toFieldSet(lastApplied, schema).difference(diff.modified).difference(diff.added).difference(diff.removed);
  } catch {
    return undefined;
  }
}

/** kubectl's server-side applies keep an existing last-applied annotation in step. */
function syncLastApplied(result: KubeObject, applied: KubeObject): void {
  const annotations = result.metadata?.annotations;
  if (annotations?.[lastAppliedAnnotation] === undefined) return;
  const config = deepCopy(applied);
  if (config.metadata?.annotations) delete config.metadata.annotations[lastAppliedAnnotation];
  annotations[lastAppliedAnnotation] = `${canonicalJson(config)}\n`;
}

function conflictError(conflicts: readonly Conflict[]): ApiError {
  const sorted = [...conflicts].sort((a, b) => {
    const ka = managerOrderKey(a.manager);
    const kb = managerOrderKey(b.manager);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  const causes: StatusCause[] = sorted.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${describeManager(c.manager)}`,
    field: formatPath(c.path),
  }));
  let message: string;
  const first = sorted[0];
  if (sorted.length === 1 && first) {
    message = `Apply failed with 1 conflict: conflict with ${describeManager(first.manager)}: ${formatPath(first.path)}`;
  } else {
    const lines: string[] = [];
    let current = '';
    for (const c of sorted) {
      const who = describeManager(c.manager);
      if (who !== current) lines.push(`conflicts with ${who}:`);
      current = who;
      lines.push(`- ${formatPath(c.path)}`);
    }
    message = `Apply failed with ${sorted.length} conflicts: ${lines.join('\n')}`;
  }
  return new ApiError('Conflict', message, { causes });
}

/** `"kubectl"`, `"kube-controller-manager" with subresource "status" using apps/v1`. */
function describeManager(m: Manager): string {
  let text = JSON.stringify(m.manager);
  if (m.subresource) text += ` with subresource ${JSON.stringify(m.subresource)}`;
  if (m.operation === 'Update') text += ` using ${m.apiVersion}`;
  return text;
}

function withoutManagedFields(obj: KubeObject | undefined): KubeObject | undefined {
  if (!obj) return undefined;
  const copy = deepCopy(obj);
  if (copy.metadata) delete copy.metadata.managedFields;
  return copy;
}

/** Like withoutManagedFields, but shares everything else with `obj`: for read-only use (diffs). */
function viewWithoutManagedFields(obj: KubeObject | undefined): KubeObject | undefined {
  if (!obj?.metadata || obj.metadata.managedFields === undefined) return obj;
  const { managedFields: _dropped, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

function withManagedFields(obj: KubeObject, managers: Managers): KubeObject {
  const entries = encodeManagedFields(managers.values());
  const meta: Meta = (obj.metadata ??= {});
  if (entries.length > 0) meta.managedFields = entries;
  else delete meta.managedFields;
  return obj;
}

/** The applied configuration without the fields this endpoint cannot write (status, or spec). */
function onlyWritable(applied: KubeObject, subresource: string): KubeObject {
  const out: KubeObject = {};
  for (const [k, v] of Object.entries(deepCopy(applied))) if (isWritableTopField(k, subresource)) out[k] = v;
  return out;
}

/**
 * `value` with the nodes Go always serializes (non-pointer structs, slices without omitempty)
 * filled in where missing, so a diff sees what Kubernetes' typed objects would hold: a create
 * fills in `spec` rather than adding it. Shares everything it does not fill in with `value`.
 * Top-level fields in `skip` are not filled in.
 */
export function withGoZeroValues(value: unknown, schema: Schema, skip: readonly string[] = []): unknown {
  if (schema.type !== 'struct' || !isPlainObject(value) || !schema.alwaysPresent) return value;
  // Copied only where something is filled in; the result is for reading (diffs) only.
  let out: Record<string, unknown> | undefined;
  for (const field of schema.alwaysPresent) {
    if (skip.includes(field)) continue;
    const child = schema.fields[field];
    const before = value[field];
    let after: unknown = before === undefined ? (child?.type === 'list' ? null : {}) : before;
    if (child) after = withGoZeroValues(after, child);
    if (after === before) continue;
    out ??= { ...value };
    out[field] = after;
  }
  return out ?? value;
}
