// A CustomResourceDefinition as a resource-table entry, and what the registry applies to its
// objects instead of a built-in kind's defaulter and validator: schema pruning, defaults and
// validation (schema.ts), and for several served versions (conversion strategy None) the
// apiVersion rewrite Kubernetes' "nopConverter" does.
import type { CustomResourceDefinition, CustomResourceDefinitionVersion } from 'kubernetes-types/apiextensions/v1.js';
import type { VersionConverter } from '../conversion/conversion.js';
import type { FieldError } from '../errors.js';
import { formatApiVersion, type KubeObject } from '../object.js';
import { compareVersions, type ResourceInfo, type SubresourceInfo, type Verb } from '../resources.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/objectmeta.js';
import { nameIsDNSSubdomain } from '../validation/names.js';
import { applySchemaDefaults, pruneObject, validateAgainstSchema } from './schema.js';
import type { CustomResourceScale, CustomResourceSpec, CustomResourceVersion } from './types.js';

const ALL_VERBS: readonly Verb[] = ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'];
const READ_WRITE = ['get', 'patch', 'update'] as const;

/** Whether the CRD's names were accepted and its resource is served (condition Established). */
export function isEstablished(crd: CustomResourceDefinition): boolean {
  return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
}

/**
 * The resource a CRD defines, served at its served versions and stored at its storage version;
 * undefined when it serves none. Names come from `status.acceptedNames` (what the naming
 * controller accepted), as Kubernetes serves them.
 */
export function customResourceInfo(crd: CustomResourceDefinition): ResourceInfo | undefined {
  const spec = crd.spec;
  const names = crd.status?.acceptedNames;
  if (!spec || !names?.plural || !names.kind) return undefined;
  const served = (spec.versions ?? []).filter((v) => v.served).sort((a, b) => compareVersions(a.name, b.name));
  const storage = (spec.versions ?? []).find((v) => v.storage);
  if (served.length === 0 || !storage) return undefined;
  const versions = new Map<string, CustomResourceVersion>();
  for (const v of served) versions.set(v.name, versionOf(v));
  const subresources: SubresourceInfo[] = [];
  // Kubernetes lets each version have its own subresources; k8ts takes the storage version's
  // (or else the first served version's) for the whole resource.
  const subs = storage.subresources ?? served.find((v) => v.subresources)?.subresources;
  const kind = names.kind;
  let scale: CustomResourceScale | undefined;
  if (subs?.scale) {
    scale = { specReplicasPath: subs.scale.specReplicasPath, statusReplicasPath: subs.scale.statusReplicasPath };
    if (subs.scale.labelSelectorPath) scale.labelSelectorPath = subs.scale.labelSelectorPath;
    subresources.push({ name: 'scale', kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: READ_WRITE });
  }
  if (subs?.status) subresources.push({ name: 'status', kind: { group: spec.group, version: storage.name, kind }, verbs: READ_WRITE });
  const custom: CustomResourceSpec = { crdName: crd.metadata?.name ?? '', versions, ...(scale ? { scale } : {}) };
  const alsoServedAt = served.map((v) => v.name).filter((v) => v !== storage.name);
  return {
    group: spec.group,
    version: storage.name,
    kind,
    listKind: names.listKind || `${kind}List`,
    plural: names.plural,
    singular: names.singular || kind.toLowerCase(),
    namespaced: spec.scope === 'Namespaced',
    verbs: ALL_VERBS,
    shortNames: names.shortNames ?? [],
    categories: names.categories ?? [],
    subresources,
    ...(alsoServedAt.length > 0 ? { alsoServedAt } : {}),
    custom,
  };
}

function versionOf(v: CustomResourceDefinitionVersion): CustomResourceVersion {
  const out: CustomResourceVersion = { name: v.name, schema: v.schema?.openAPIV3Schema, printerColumns: v.additionalPrinterColumns ?? [] };
  if (v.deprecated) out.deprecationWarning = v.deprecationWarning ?? '';
  return out;
}

/** The schema objects of `version` are checked against (the storage version's by default). */
function schemaOf(r: ResourceInfo, version = r.version) {
  return r.custom?.versions.get(version)?.schema ?? r.custom?.versions.get(r.version)?.schema;
}

/**
 * Strategy None: an object of one served version is the same object in another, but for its
 * apiVersion (Kubernetes' nopConverter).
 */
export function customResourceConverter(r: ResourceInfo, version: string): VersionConverter {
  const rewrite = (obj: KubeObject, to: string): KubeObject => ({ ...obj, apiVersion: formatApiVersion(r.group, to) });
  return { toStorage: (obj) => rewrite(obj, r.version), fromStorage: (obj) => rewrite(obj, version) };
}

/** Prunes the fields the schema does not declare; returns their paths. */
export function pruneCustomResource(r: ResourceInfo, obj: KubeObject, version?: string): string[] {
  return pruneObject(obj as Record<string, unknown>, schemaOf(r, version));
}

/** Pruning and schema defaults, as Kubernetes applies them when it decodes a custom resource. */
export function defaultCustomResource(r: ResourceInfo, obj: KubeObject): void {
  const schema = schemaOf(r);
  pruneObject(obj as Record<string, unknown>, schema);
  applySchemaDefaults(obj, schema);
}

/** Metadata and schema validation of a custom resource (create, or update when `old` is given). */
export function validateCustomResource(r: ResourceInfo, obj: KubeObject, old?: KubeObject): FieldError[] {
  const meta = old
    ? validateObjectMetaUpdate(obj.metadata, old.metadata)
    : validateObjectMeta(obj.metadata, { namespaced: r.namespaced, name: nameIsDNSSubdomain });
  return [...meta, ...validateAgainstSchema(obj as Record<string, unknown>, schemaOf(r))];
}
