// The merge schema of an object: for each field, how a strategic merge patch combines lists
// (Kubernetes' `patchStrategy`/`patchMergeKey` struct tags) and how server-side apply tracks and
// merges them (`x-kubernetes-list-type`, `x-kubernetes-list-map-keys`, `x-kubernetes-map-type`,
// `x-kubernetes-structure-type`). One model serves both engines.
//
// Anything the schema does not describe is `untyped`: objects merge key by key, lists are
// replaced (strategic merge) or atomic (apply), as Kubernetes treats a field without tags.

export type Schema = ScalarSchema | UntypedSchema | StructSchema | MapSchema | ListSchema;

export interface ScalarSchema {
  readonly type: 'scalar';
}

export interface UntypedSchema {
  readonly type: 'untyped';
}

/** A Go struct: known field names, each with its own schema. */
export interface StructSchema {
  readonly type: 'struct';
  readonly fields: Readonly<Record<string, Schema>>;
  /** `+structType=atomic`: replaced and owned as a whole by apply. */
  readonly atomic?: boolean;
  /**
   * Fields Go always serializes, even in a zero value (non-pointer structs, slices without
   * omitempty). They decide which nodes a create "adds" versus merely fills in.
   */
  readonly alwaysPresent?: readonly string[];
}

/** A Go map[string]T. */
export interface MapSchema {
  readonly type: 'map';
  readonly values: Schema;
  /** `+mapType=atomic`. */
  readonly atomic?: boolean;
}

export interface ListSchema {
  readonly type: 'list';
  readonly items: Schema;
  readonly smp: SmpListStrategy;
  readonly ssa: SsaListType;
}

/** How a strategic merge patch combines a list. */
export type SmpListStrategy = { readonly strategy: 'replace' } | { readonly strategy: 'merge'; readonly mergeKey?: string };

/** How server-side apply identifies list items. */
export type SsaListType =
  | { readonly listType: 'atomic' }
  | { readonly listType: 'set' }
  | {
      readonly listType: 'map';
      readonly keys: readonly string[];
      /** OpenAPI defaults of key fields, used when an item omits them (e.g. protocol: TCP). */
      readonly keyDefaults?: Readonly<Record<string, string | number>>;
    };

export const scalar: ScalarSchema = { type: 'scalar' };
export const untyped: UntypedSchema = { type: 'untyped' };

export function struct(
  fields: Record<string, Schema>,
  opts: { atomic?: boolean; alwaysPresent?: readonly string[] } = {},
): StructSchema {
  return { type: 'struct', fields, ...opts };
}

export function mapOf(values: Schema, opts: { atomic?: boolean } = {}): MapSchema {
  return { type: 'map', values, ...opts };
}

export const stringMap: MapSchema = mapOf(scalar);
export const atomicStringMap: MapSchema = mapOf(scalar, { atomic: true });

/** A list without tags, or `+listType=atomic`: replaced whole. */
export function atomicList(items: Schema = scalar): ListSchema {
  return { type: 'list', items, smp: { strategy: 'replace' }, ssa: { listType: 'atomic' } };
}

/** `patchStrategy:"merge"` on a list of scalars, `+listType=set`: a union without duplicates. */
export function setList(): ListSchema {
  return { type: 'list', items: scalar, smp: { strategy: 'merge' }, ssa: { listType: 'set' } };
}

/**
 * `patchStrategy:"merge" patchMergeKey:"<key>"`. Apply treats it as `+listType=map` keyed by
 * `ssaKeys` (default: the merge key) unless `ssa` overrides it.
 */
export function mergeList(
  items: Schema,
  mergeKey: string,
  opts: { ssaKeys?: readonly string[]; keyDefaults?: Record<string, string | number>; ssa?: SsaListType } = {},
): ListSchema {
  const ssa: SsaListType = opts.ssa ?? {
    listType: 'map',
    keys: opts.ssaKeys ?? [mergeKey],
    ...(opts.keyDefaults ? { keyDefaults: opts.keyDefaults } : {}),
  };
  return { type: 'list', items, smp: { strategy: 'merge', mergeKey }, ssa };
}

/** `+listType=map +listMapKey=...` without a patch strategy: strategic merge replaces it. */
export function mapListNoSmp(items: Schema, keys: readonly string[]): ListSchema {
  return { type: 'list', items, smp: { strategy: 'replace' }, ssa: { listType: 'map', keys } };
}

/** The schema of a field of `schema`, or `untyped` when it is not described. */
export function fieldSchema(schema: Schema, field: string): Schema {
  if (schema.type === 'struct') return schema.fields[field] ?? untyped;
  if (schema.type === 'map') return schema.values;
  return untyped;
}

/** The schema of the items of a list field (untyped when unknown). */
export function itemSchema(schema: Schema): Schema {
  return schema.type === 'list' ? schema.items : untyped;
}
