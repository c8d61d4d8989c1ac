// Custom resources in the OpenAPI documents: each served version's schema as a definition named
// as Kubernetes names them (reversed group, version, kind: `com.example.stable.v1.CronTab`), with
// apiVersion, kind and ObjectMeta added at the root, plus its List kind; so `kubectl explain`
// describes them and kubectl sees the fieldValidation-capable PATCH operations.
import type { JSONSchemaProps } from 'kubernetes-types/apiextensions/v1.js';
import type { Json } from '../../api/object.js';
import { isPlainObject } from '../../api/object.js';
import type { ResourceInfo } from '../../api/resources.js';
import { gvkKey, type Catalog, type SchemaNode, type SchemaType } from '../openapi/schema-node.js';

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const LIST_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta';
const TYPES = new Set<string>(['object', 'array', 'string', 'integer', 'number', 'boolean']);
const EXTENSIONS = ['x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource', 'x-kubernetes-int-or-string', 'x-kubernetes-list-type', 'x-kubernetes-map-type'];

function definitionName(group: string, version: string, kind: string): string {
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}

/** `base` with a definition (and List definition) for every served version of the custom resources. */
export function withCustomResources(base: Catalog, resources: readonly ResourceInfo[]): Catalog {
  if (resources.length === 0) return base;
  const definitions = new Map(base.definitions);
  const kinds = new Map(base.kinds);
  for (const r of resources) {
    for (const v of r.custom?.versions.values() ?? []) {
      const gvk = { group: r.group, version: v.name, kind: r.kind };
      const name = definitionName(r.group, v.name, r.kind);
      const root = v.schema ? toNode(v.schema as Record<string, unknown>) : { type: 'object' as const, extensions: { 'x-kubernetes-preserve-unknown-fields': true } };
      root.properties = {
        apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
        kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
        metadata: { ref: OBJECT_META, description: "Standard object's metadata." },
        ...root.properties,
      };
      root.extensions = { ...root.extensions, 'x-kubernetes-group-version-kind': [{ group: r.group, kind: r.kind, version: v.name }] };
      definitions.set(name, root);
      kinds.set(gvkKey(gvk), name);
      const listName = definitionName(r.group, v.name, r.listKind);
      definitions.set(listName, {
        description: `${r.listKind} is a list of ${r.kind}`,
        type: 'object',
        required: ['items'],
        properties: {
          apiVersion: { type: 'string' },
          items: { type: 'array', items: { ref: name }, description: `List of ${r.plural}.` },
          kind: { type: 'string' },
          metadata: { ref: LIST_META },
        },
        extensions: { 'x-kubernetes-group-version-kind': [{ group: r.group, kind: r.listKind, version: v.name }] },
      });
      kinds.set(gvkKey({ ...gvk, kind: r.listKind }), listName);
    }
  }
  return { definitions, kinds };
}

function toNode(s: JSONSchemaProps & Record<string, unknown>): SchemaNode {
  const node: SchemaNode = {};
  if (s.description) node.description = s.description;
  if (s.type && TYPES.has(s.type)) node.type = s.type as SchemaType;
  if (s.format) node.format = s.format;
  if (isPlainObject(s.properties)) {
    node.properties = {};
    for (const [k, p] of Object.entries(s.properties)) node.properties[k] = toNode(p as JSONSchemaProps & Record<string, unknown>);
  }
  if (isPlainObject(s.items)) node.items = toNode(s.items as JSONSchemaProps & Record<string, unknown>);
  if (isPlainObject(s.additionalProperties)) node.additionalProperties = toNode(s.additionalProperties as JSONSchemaProps & Record<string, unknown>);
  if (s.required && s.required.length > 0) node.required = [...s.required];
  if (s['x-kubernetes-int-or-string'] === true) node.v3OneOfTypes = ['integer', 'string'];
  const extensions: Record<string, Json> = {};
  for (const e of EXTENSIONS) {
    const value = s[e];
    if (typeof value === 'boolean' || typeof value === 'string') extensions[e] = value;
  }
  if (Object.keys(extensions).length > 0) node.extensions = extensions;
  return node;
}
