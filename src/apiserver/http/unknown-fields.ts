// Unknown-field detection for `fieldValidation=Strict|Warn`, against the OpenAPI v3 schemas
// the server publishes. Without a schema for a kind only metadata is checked (ObjectMeta's
// fields are fixed), so custom or schema-less kinds are never rejected wrongly.
import type { GroupVersionKind } from '../../api/object.js';
import { isPlainObject } from '../../api/object.js';
import type { OpenApiService } from '../openapi/openapi.js';

type Schema = Record<string, unknown>;

const OBJECT_META_FIELDS = new Set([
  'name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers',
  'managedFields',
]);

interface GroupVersionSchemas {
  schemas: Record<string, Schema>;
  byKind: Map<string, Schema>;
}

export class UnknownFieldChecker {
  private readonly docs = new Map<string, GroupVersionSchemas | undefined>();

  constructor(private readonly openapi: OpenApiService | undefined) {}

  /**
   * Paths of fields `value` carries that the kind's schema does not define. With
   * `skipDirectives`, keys starting with `$` (strategic-merge directives) are not fields and
   * are skipped with everything below them.
   */
  unknownFields(gvk: GroupVersionKind, value: unknown, options: { skipDirectives?: boolean } = {}): string[] {
    const out: string[] = [];
    const gv = this.load(gvk.group, gvk.version);
    const schema = gv?.byKind.get(gvk.kind);
    const skip = options.skipDirectives === true;
    if (gv && schema) {
      walk({ schemas: gv.schemas, out, skipDirectives: skip, path: [] }, schema, value, 0);
      return out;
    }
    if (isPlainObject(value) && isPlainObject(value['metadata'])) {
      for (const k of Object.keys(value['metadata'])) {
        if (skip && k.startsWith('$')) continue;
        if (!OBJECT_META_FIELDS.has(k)) out.push(`metadata.${k}`);
      }
    }
    return out;
  }

  private load(group: string, version: string): GroupVersionSchemas | undefined {
    const path = group ? `apis/${group}/${version}` : `api/${version}`;
    if (this.docs.has(path)) return this.docs.get(path);
    let loaded: GroupVersionSchemas | undefined;
    try {
      const doc = this.openapi?.v3Document(path);
      const parsed: unknown = doc ? JSON.parse(doc.body.toString('utf8')) : undefined;
      const components = isPlainObject(parsed) && isPlainObject(parsed['components']) ? parsed['components'] : undefined;
      const schemas = components && isPlainObject(components['schemas']) ? (components['schemas'] as Record<string, Schema>) : undefined;
      if (schemas) {
        const byKind = new Map<string, Schema>();
        for (const s of Object.values(schemas)) {
          const gvks = s['x-kubernetes-group-version-kind'];
          if (!Array.isArray(gvks)) continue;
          for (const g of gvks) {
            if (isPlainObject(g) && g['group'] === group && g['version'] === version && typeof g['kind'] === 'string') byKind.set(g['kind'], s);
          }
        }
        loaded = { schemas, byKind };
      }
    } catch {
      loaded = undefined; // no (valid) document: fall back to metadata checks
    }
    this.docs.set(path, loaded);
    return loaded;
  }
}

/** Resolved schemas by the schema that refers to them (documents are loaded once and kept). */
const resolvedRefs = new WeakMap<Schema, Schema>();

function resolve(schemas: Record<string, Schema>, s: Schema, depth: number): Schema {
  if (depth >= 64) return s;
  let cur = resolvedRefs.get(s);
  if (cur) return cur;
  cur = resolveRefs(schemas, s);
  resolvedRefs.set(s, cur);
  return cur;
}

function resolveRefs(schemas: Record<string, Schema>, s: Schema): Schema {
  let cur = s;
  for (let i = 0; i < 8; i++) {
    const ref = cur['$ref'];
    const allOf = cur['allOf'];
    if (typeof ref === 'string') {
      const target = schemas[ref.replace('#/components/schemas/', '')];
      if (!target) return {};
      cur = target;
    } else if (Array.isArray(allOf) && allOf.length === 1 && isPlainObject(allOf[0])) {
      cur = allOf[0] as Schema;
    } else break;
  }
  return cur;
}

interface Walk {
  schemas: Record<string, Schema>;
  out: string[];
  skipDirectives: boolean;
  /** Keys and indexes from the root to the value being walked; spelled out only for an unknown field. */
  path: (string | number)[];
}

function walk(w: Walk, raw: Schema, value: unknown, depth: number): void {
  if (depth > 64) return;
  const s = resolve(w.schemas, raw, depth);
  if (s['x-kubernetes-preserve-unknown-fields'] === true) return;
  if (isPlainObject(value)) {
    const props = isPlainObject(s['properties']) ? (s['properties'] as Record<string, Schema>) : undefined;
    const additional = s['additionalProperties'];
    for (const k in value) {
      if (w.skipDirectives && k.charCodeAt(0) === 0x24) continue; // '$'
      const prop = props?.[k];
      const below = prop ?? (isPlainObject(additional) ? (additional as Schema) : undefined);
      w.path.push(k);
      if (below) walk(w, below, value[k], depth + 1);
      else if (props && additional !== true) w.out.push(spell(w.path));
      w.path.pop();
    }
  } else if (Array.isArray(value)) {
    const items = s['items'];
    if (!isPlainObject(items)) return;
    for (let i = 0; i < value.length; i++) {
      w.path.push(i);
      walk(w, items as Schema, value[i], depth + 1);
      w.path.pop();
    }
  }
}

/** `spec.containers[0].bogus` */
function spell(path: readonly (string | number)[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
  return out;
}
