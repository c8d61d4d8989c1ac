// The neutral schema form both OpenAPI renderings (v2 JSON/protobuf, v3 JSON) are made from.
// `ref` names a definition ("io.k8s.api.core.v1.Pod"); each rendering turns it into its own
// `$ref` spelling.
import type { Json } from '../../api/object.js';

export type SchemaType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';

export interface SchemaNode {
  description?: string;
  type?: SchemaType;
  format?: string;
  ref?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode;
  items?: SchemaNode;
  required?: string[];
  /**
   * In v3 documents, `oneOf` these types instead of `type` (Kubernetes does this for
   * IntOrString and Quantity; kubectl explain then names the definition instead of "string").
   */
  v3OneOfTypes?: SchemaType[];
  /** `x-kubernetes-*` vendor extensions, JSON values. */
  extensions?: Record<string, Json>;
}

/** Definitions keyed by Kubernetes name, plus the kinds they declare. */
export interface Catalog {
  definitions: ReadonlyMap<string, SchemaNode>;
  /** `gvkKey(gvk)` → definition name, for every kind with `x-kubernetes-group-version-kind`. */
  kinds: ReadonlyMap<string, string>;
}

export function gvkKey(gvk: { group: string; version: string; kind: string }): string {
  return `${gvk.group}/${gvk.version}/${gvk.kind}`;
}

/** Every definition name `node` refers to, directly or through nested schemas. */
export function collectRefs(node: SchemaNode, into: Set<string>): void {
  if (node.ref !== undefined) into.add(node.ref);
  if (node.items) collectRefs(node.items, into);
  if (node.additionalProperties) collectRefs(node.additionalProperties, into);
  for (const property of Object.values(node.properties ?? {})) collectRefs(property, into);
}

/** `roots` and all definitions reachable from them, in a stable (sorted) order. */
export function closure(definitions: ReadonlyMap<string, SchemaNode>, roots: Iterable<string>): string[] {
  const seen = new Set<string>();
  const pending = [...roots];
  while (pending.length > 0) {
    const name = pending.pop() as string;
    if (seen.has(name)) continue;
    seen.add(name);
    const node = definitions.get(name);
    if (!node) throw new Error(`OpenAPI definition ${name} is referenced but not defined`);
    const refs = new Set<string>();
    collectRefs(node, refs);
    pending.push(...refs);
  }
  return [...seen].sort();
}
