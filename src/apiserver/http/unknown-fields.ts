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

  /** Paths of fields `value` carries that the kind's schema does not define. */
  unknownFields(gvk: GroupVersionKind, value: unknown): string[] {
    const out: string[] = [];
    const gv = this.load(gvk.group, gvk.version);
    const schema = gv?.byKind.get(gvk.kind);
    if (gv && schema) {
      walk(gv.schemas, schema, value, '', out, 0);
      return out;
    }
    if (isPlainObject(value) && isPlainObject(value['metadata'])) {
      for (const k of Object.keys(value['metadata'])) if (!OBJECT_META_FIELDS.has(k)) out.push(`metadata.${k}`);
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

function resolve(schemas: Record<string, Schema>, s: Schema, depth: number): Schema {
  let cur = s;
  for (let i = 0; i < 8 && depth < 64; i++) {
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

function walk(schemas: Record<string, Schema>, raw: Schema, value: unknown, path: string, out: string[], depth: number): void {
  if (depth > 64) return;
  const s = resolve(schemas, raw, depth);
  if (s['x-kubernetes-preserve-unknown-fields'] === true) return;
  if (isPlainObject(value)) {
    const props = isPlainObject(s['properties']) ? (s['properties'] as Record<string, Schema>) : undefined;
    const additional = s['additionalProperties'];
    for (const [k, v] of Object.entries(value)) {
      const p = path ? `${path}.${k}` : k;
      const prop = props?.[k];
      if (prop) walk(schemas, prop, v, p, out, depth + 1);
      else if (isPlainObject(additional)) walk(schemas, additional as Schema, v, p, out, depth + 1);
      else if (props && additional !== true) out.push(p);
    }
  } else if (Array.isArray(value)) {
    const items = s['items'];
    if (!isPlainObject(items)) return;
    value.forEach((v, i) => walk(schemas, items as Schema, v, `${path}[${i}]`, out, depth + 1));
  }
}
