// metadata.managedFields: one entry per manager identity with the set of fields it owns.
// Identities follow Kubernetes: an applier is (manager, subresource) — re-applying with another
// apiVersion keeps one entry — while an updater is (manager, apiVersion, subresource).
import { isPlainObject, type KubeObject } from '../object.js';
import { FieldSet, fieldElement, type FieldPath, type PathElement } from './fieldset.js';
import { sortSmall } from '../sort-small.js';

export type Operation = 'Apply' | 'Update';

/** The wire shape of a metav1.ManagedFieldsEntry. */
export interface ManagedFieldsEntry {
  manager: string;
  operation: Operation;
  apiVersion: string;
  time?: string;
  fieldsType?: 'FieldsV1';
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

export interface Manager {
  manager: string;
  operation: Operation;
  apiVersion: string;
  subresource: string;
  /** RFC 3339, or undefined when Kubernetes would not have recorded one. */
  time: string | undefined;
  fields: FieldSet;
}

/** The identity two entries must share to be the same manager. */
export function managerKey(m: Pick<Manager, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  const apiVersion = m.operation === 'Apply' ? '' : m.apiVersion;
  // NUL-separated, unless a part holds a NUL itself: then JSON keeps the parts apart.
  return m.manager.includes('\u0000') || apiVersion.includes('\u0000') || m.subresource.includes('\u0000')
    ? JSON.stringify([m.manager, m.operation, apiVersion, m.subresource])
    : `${m.manager}\u0000${m.operation}\u0000${apiVersion}\u0000${m.subresource}`;
}

/** The order Kubernetes lists managers in (by their JSON-encoded identity). */
export function managerOrderKey(m: Pick<Manager, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  return JSON.stringify([m.manager, m.operation, m.operation === 'Apply' ? '' : m.apiVersion, m.subresource]);
}

/**
 * `stored`: the entries are a stored object's, written by this server (their field sets are
 * read lazily; see FieldSet.fromStoredFieldsV1); otherwise they may be anything a client sent.
 */
export function decodeManagedFields(entries: unknown, opts: { stored?: boolean } = {}): Map<string, Manager> {
  const out = new Map<string, Manager>();
  if (!Array.isArray(entries)) return out;
  for (const e of entries) {
    if (!isPlainObject(e)) continue;
    const operation = e['operation'] === 'Apply' ? 'Apply' : 'Update';
    const m: Manager = {
      manager: typeof e['manager'] === 'string' ? e['manager'] : '',
      operation,
      apiVersion: typeof e['apiVersion'] === 'string' ? e['apiVersion'] : '',
      subresource: typeof e['subresource'] === 'string' ? e['subresource'] : '',
      time: typeof e['time'] === 'string' ? e['time'] : undefined,
      fields: opts.stored ? FieldSet.fromStoredFieldsV1(e['fieldsV1']) : FieldSet.fromFieldsV1(e['fieldsV1']),
    };
    const key = managerKey(m);
    const existing = out.get(key);
    if (existing) existing.fields = existing.fields.union(m.fields);
    else out.set(key, m);
  }
  return out;
}

/**
 * Entries in Kubernetes' order: Apply before Update, then by time, manager, apiVersion and
 * subresource. Managers owning nothing are dropped.
 */
export function encodeManagedFields(managers: Iterable<Manager>): ManagedFieldsEntry[] {
  const list: Manager[] = [];
  for (const m of managers) if (!m.fields.isEmpty()) list.push(m);
  sortSmall(
    list,
    (a, b) =>
      cmp(a.operation, b.operation) ||
      seconds(a.time) - seconds(b.time) ||
      cmp(a.manager, b.manager) ||
      cmp(a.apiVersion, b.apiVersion) ||
      cmp(a.subresource, b.subresource),
  );
  return list.map((m) => managedFieldsEntry(m, m.fields.toFieldsV1()));
}

/** The wire entry of manager `m` owning `fieldsV1` (its field set, encoded). */
export function managedFieldsEntry(m: Omit<Manager, 'fields'>, fieldsV1: Record<string, unknown>): ManagedFieldsEntry {
  const entry: ManagedFieldsEntry = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion };
  if (m.time !== undefined) entry.time = m.time;
  entry.fieldsType = 'FieldsV1';
  entry.fieldsV1 = fieldsV1;
  if (m.subresource) entry.subresource = m.subresource;
  return entry;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function seconds(time: string | undefined): number {
  if (time === undefined) return 0;
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

/** `managedFields: [{}]` asks the server to drop all managed fields. */
export function isResetManagedFields(entries: unknown): boolean {
  return Array.isArray(entries) && entries.length === 1 && isPlainObject(entries[0]) && Object.keys(entries[0]).length === 0;
}

/** Metadata the server sets itself; Kubernetes never records an owner for these. */
export const untrackedMetadataFields: ReadonlySet<string> = new Set([
  'name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion',
]);

/** Paths never owned: the type fields, metadata itself, and the metadata the server sets. */
const strippedPaths: readonly FieldPath[] = [
  ['f:apiVersion'],
  ['f:kind'],
  ['f:metadata'],
  ...[...untrackedMetadataFields].map((f) => ['f:metadata', fieldElement(f)]),
];

/**
 * The paths a write through `subresource` may own: the main resource (and scale) never owns
 * status; the status subresource owns only status and metadata.
 */
export function isTrackedPath(path: FieldPath, subresource: string): boolean {
  if (path.length <= 2 && strippedPaths.some((p) => p.length === path.length && p.every((pe, i) => pe === path[i]))) return false;
  return isTrackedTop(path[0], subresource);
}

/** The rule for everything below a top-level element: status writes own status and metadata only. */
function isTrackedTop(top: PathElement | undefined, subresource: string): boolean {
  if (subresource === 'status') return top === 'f:status' || top === 'f:metadata';
  return top !== 'f:status';
}

/** The member paths of `set` a write through `subresource` may own (see isTrackedPath). */
export function trackedFields(set: FieldSet, subresource: string): FieldSet {
  return set.filter(
    (p) => isTrackedPath(p, subresource),
    // Below two levels only the top element decides, and below one level too unless a
    // stripped two-element path starts there (`metadata`).
    (prefix) =>
      prefix.length >= 2 || !strippedPaths.some((p) => p.length === 2 && p[0] === prefix[0]) ? isTrackedTop(prefix[0], subresource) : undefined,
  );
}

/** The top-level fields of an object a write through `subresource` may change. */
export function isWritableTopField(field: string, subresource: string): boolean {
  if (subresource === 'status') return field === 'status' || field === 'metadata' || field === 'apiVersion' || field === 'kind';
  return field !== 'status';
}

export function objectManagedFields(obj: KubeObject | undefined): unknown {
  return obj?.metadata?.managedFields;
}

/** Kubernetes keeps at most this many Update entries; older ones merge into one bucket. */
export const maxUpdateManagers = 10;
export const ancientChangesManager = 'ancient-changes';

/**
 * Merges the oldest Update entries into one `ancient-changes` entry per apiVersion until at most
 * `maxUpdateManagers` Update entries remain (the bucket counts as one).
 */
export function capUpdateManagers(managers: Map<string, Manager>): Map<string, Manager> {
  let updates = 0;
  for (const m of managers.values()) if (m.operation === 'Update') updates++;
  if (updates <= maxUpdateManagers) return managers;
  const updaters = [...managers.entries()].filter(([, m]) => m.operation === 'Update');
  updaters.sort(([, a], [, b]) => seconds(a.time) - seconds(b.time) || cmp(managerOrderKey(a), managerOrderKey(b)));
  const out = new Map(managers);
  const firstOfVersion = new Map<string, string>();
  let count = updaters.length;
  for (const [key, m] of updaters) {
    if (count <= maxUpdateManagers) break;
    const first = firstOfVersion.get(m.apiVersion);
    if (first === undefined) {
      firstOfVersion.set(m.apiVersion, key);
      continue;
    }
    const bucket: Manager = { manager: ancientChangesManager, operation: 'Update', apiVersion: m.apiVersion, subresource: '', time: m.time, fields: m.fields };
    const bucketKey = managerKey(bucket);
    const existing = out.get(bucketKey) ?? out.get(first);
    if (!out.has(bucketKey)) out.delete(first);
    out.delete(key);
    out.set(bucketKey, { ...bucket, fields: existing ? existing.fields.union(m.fields) : m.fields });
    count--;
  }
  return out;
}
