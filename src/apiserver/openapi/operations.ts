// The REST operations of each served group-version, in a neutral form both OpenAPI versions
// render. kubectl reads two facts from them: a PATCH operation carrying the kind's
// `x-kubernetes-group-version-kind` and a `fieldValidation` query parameter means "this server
// validates fields itself" (kubectl then skips client-side validation).
import type { GroupVersionKind } from '../../api/object.js';
import type { ResourceInfo, SubresourceInfo } from '../../api/resources.js';
import { gvkKey, type Catalog, type SchemaNode } from './schema-node.js';

export type Action = 'get' | 'list' | 'post' | 'put' | 'patch' | 'delete' | 'deletecollection';
export type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'patch';

export interface Parameter {
  name: string;
  in: 'path' | 'query';
  type: 'string' | 'boolean' | 'integer';
  description: string;
  required: boolean;
}

export interface Operation {
  method: HttpMethod;
  operationId: string;
  description: string;
  action: Action;
  gvk: GroupVersionKind;
  tag: string;
  parameters: Parameter[];
  /** Request body: the definition it carries; `patch` marks the PATCH media types. */
  body?: { ref: string; patch: boolean; /** false: no strategic merge patches (custom resources). */ strategic?: false };
  responses: { code: string; description: string; ref?: string }[];
}

export interface PathOperations {
  path: string;
  operations: Operation[];
}

export interface GroupVersionApi {
  /** "api/v1" or "apis/<group>/<version>": the `/openapi/v3/<key>` path. */
  key: string;
  paths: PathOperations[];
  /** Definitions the operations name directly. */
  roots: Set<string>;
}

export const PATCH_DEFINITION = 'io.k8s.apimachinery.pkg.apis.meta.v1.Patch';
export const DELETE_OPTIONS_DEFINITION = 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions';
export const STATUS_DEFINITION = 'io.k8s.apimachinery.pkg.apis.meta.v1.Status';

const query = (name: string, type: Parameter['type'], description: string): Parameter =>
  ({ name, in: 'query', type, description, required: false });

const P = {
  pretty: query('pretty', 'string', "If 'true', the output is pretty printed."),
  dryRun: query('dryRun', 'string', "When present ('All'), the request is validated and defaulted but nothing is persisted."),
  fieldManager: query('fieldManager', 'string', 'Name of the actor making the change, recorded in managedFields.'),
  fieldValidation: query('fieldValidation', 'string', 'How to treat unknown or duplicate fields in the body: Ignore, Warn (the default) or Strict.'),
  force: query('force', 'boolean', 'For apply requests: take ownership of fields that other managers own.'),
  gracePeriodSeconds: query('gracePeriodSeconds', 'integer', 'Seconds before the object is deleted; zero means immediately.'),
  orphanDependents: query('orphanDependents', 'boolean', 'Deprecated: use propagationPolicy. Whether dependents are orphaned.'),
  propagationPolicy: query('propagationPolicy', 'string', 'Garbage collection of dependents: Orphan, Background or Foreground.'),
  allowWatchBookmarks: query('allowWatchBookmarks', 'boolean', 'For watches: ask for BOOKMARK events.'),
  continue: query('continue', 'string', 'The continue token of a previous paginated list.'),
  fieldSelector: query('fieldSelector', 'string', 'Restricts the result by fields.'),
  labelSelector: query('labelSelector', 'string', 'Restricts the result by labels.'),
  limit: query('limit', 'integer', 'Maximum number of items to return; more are reachable with continue.'),
  resourceVersion: query('resourceVersion', 'string', 'Which version of the data the result must be at least as new as.'),
  resourceVersionMatch: query('resourceVersionMatch', 'string', 'How resourceVersion is applied: Exact or NotOlderThan.'),
  sendInitialEvents: query('sendInitialEvents', 'boolean', 'For watches: start with synthetic ADDED events for the current state.'),
  timeoutSeconds: query('timeoutSeconds', 'integer', 'Timeout for list and watch calls.'),
  watch: query('watch', 'boolean', 'Stream changes instead of returning a list.'),
} as const;

const LIST_PARAMETERS = [
  P.allowWatchBookmarks, P.continue, P.fieldSelector, P.labelSelector, P.limit, P.resourceVersion,
  P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds, P.watch,
];
const WRITE_PARAMETERS = [P.dryRun, P.fieldManager, P.fieldValidation];
const DELETE_PARAMETERS = [P.dryRun, P.gracePeriodSeconds, P.orphanDependents, P.propagationPolicy];

/** Subresources that stream or upgrade the connection: not described by a schema. */
const CONNECT_SUBRESOURCES = new Set(['log', 'exec', 'attach', 'portforward', 'proxy']);

/** The OpenAPI key of a group-version: "api/v1" or "apis/<group>/<version>". */
export function groupVersionKey(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

/** "rbac.authorization.k8s.io" → "RbacAuthorization"; "" → "Core" (Kubernetes operation ids). */
function groupIdentifier(group: string): string {
  if (group === '') return 'Core';
  return group.replace(/\.k8s\.io$/, '').split(/[.-]/).map(capitalize).join('');
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/**
 * The definition describing a kind: from the catalog when `kubernetes-types` declares it,
 * otherwise a placeholder (named like Kubernetes names custom kinds: reversed group domain) that
 * accepts any content, added to `placeholders`.
 */
export function kindDefinition(catalog: Catalog, gvk: GroupVersionKind, placeholders: Map<string, SchemaNode>): string {
  const known = catalog.kinds.get(gvkKey(gvk));
  if (known !== undefined) return known;
  const prefix = gvk.group === '' ? 'io.k8s.api.core' : gvk.group.split('.').reverse().join('.');
  const name = `${prefix}.${gvk.version}.${gvk.kind}`;
  placeholders.set(name, {
    description: `${gvk.kind} is served by this server without a published schema.`,
    extensions: {
      'x-kubernetes-group-version-kind': [{ group: gvk.group, kind: gvk.kind, version: gvk.version }],
      'x-kubernetes-preserve-unknown-fields': true,
    },
  });
  return name;
}

/**
 * The operations of every group-version the resources are served at (`version` and
 * `alsoServedAt`), in a stable order. Definitions without a declaration in `kubernetes-types`
 * are added to `placeholders`.
 */
export function groupVersionApis(
  resources: readonly ResourceInfo[],
  catalog: Catalog,
  placeholders: Map<string, SchemaNode>,
): GroupVersionApi[] {
  const apis = new Map<string, GroupVersionApi>();
  for (const resource of resources) {
    for (const version of [resource.version, ...(resource.alsoServedAt ?? [])]) {
      const key = groupVersionKey(resource.group, version);
      let api = apis.get(key);
      if (!api) {
        api = { key, paths: [], roots: new Set() };
        apis.set(key, api);
      }
      api.paths.push(...resourcePaths(resource, version, catalog, placeholders));
    }
  }
  for (const api of apis.values()) {
    api.paths.sort((a, b) => a.path.localeCompare(b.path));
    for (const { operations } of api.paths) {
      for (const operation of operations) {
        if (operation.body) api.roots.add(operation.body.ref);
        for (const response of operation.responses) if (response.ref !== undefined) api.roots.add(response.ref);
      }
    }
  }
  return [...apis.values()].sort((a, b) => a.key.localeCompare(b.key));
}

function resourcePaths(
  resource: ResourceInfo,
  version: string,
  catalog: Catalog,
  placeholders: Map<string, SchemaNode>,
): PathOperations[] {
  const gvk = { group: resource.group, version, kind: resource.kind };
  const kindRef = kindDefinition(catalog, gvk, placeholders);
  // Only listable resources name their list kind (create-only reviews have none).
  const listRef = (): string => kindDefinition(catalog, { ...gvk, kind: resource.listKind }, placeholders);
  const prefix = `/${groupVersionKey(resource.group, version)}`;
  const scope = resource.namespaced ? `${prefix}/namespaces/{namespace}` : prefix;
  const idBase = `${groupIdentifier(resource.group)}${capitalize(version)}${resource.namespaced ? 'Namespaced' : ''}`;
  const tag = `${groupIdentifier(resource.group).replace(/^./, (c) => c.toLowerCase())}_${version}`;
  const scopeParameters: Parameter[] = resource.namespaced
    ? [{ name: 'namespace', in: 'path', type: 'string', description: 'Object name and auth scope, such as for teams and projects.', required: true }]
    : [];
  const nameParameter: Parameter = { name: 'name', in: 'path', type: 'string', description: `Name of the ${resource.kind}.`, required: true };
  const has = (verb: ResourceInfo['verbs'][number]): boolean => resource.verbs.includes(verb);
  const make = (spec: Omit<Operation, 'tag' | 'gvk'> & { gvk?: GroupVersionKind }): Operation => ({ tag, gvk, ...spec });
  const ok = (ref: string, ...codes: string[]): Operation['responses'] => [
    ...['200', ...codes].map((code) => ({ code, description: code === '200' ? 'OK' : code === '201' ? 'Created' : 'Accepted', ref })),
    { code: '401', description: 'Unauthorized' },
  ];

  const paths: PathOperations[] = [];
  const collection: Operation[] = [];
  if (has('list')) {
    collection.push(make({
      method: 'get', action: 'list', operationId: `list${idBase}${resource.kind}`,
      description: `list or watch objects of kind ${resource.kind}`,
      parameters: [...scopeParameters, P.pretty, ...LIST_PARAMETERS], responses: ok(listRef()),
    }));
  }
  if (has('create')) {
    collection.push(make({
      method: 'post', action: 'post', operationId: `create${idBase}${resource.kind}`,
      description: `create a ${resource.kind}`,
      parameters: [...scopeParameters, P.pretty, ...WRITE_PARAMETERS],
      body: { ref: kindRef, patch: false }, responses: ok(kindRef, '201', '202'),
    }));
  }
  if (has('deletecollection')) {
    collection.push(make({
      method: 'delete', action: 'deletecollection', operationId: `delete${idBase.replace(/Namespaced$/, '')}Collection${resource.namespaced ? 'Namespaced' : ''}${resource.kind}`,
      description: `delete collection of ${resource.kind}`,
      parameters: [...scopeParameters, P.pretty, ...DELETE_PARAMETERS, ...LIST_PARAMETERS],
      body: { ref: DELETE_OPTIONS_DEFINITION, patch: false }, responses: ok(STATUS_DEFINITION),
    }));
  }
  if (collection.length > 0) paths.push({ path: `${scope}/${resource.plural}`, operations: collection });

  const itemParameters = [nameParameter, ...scopeParameters, P.pretty];
  const item = itemOperations({
    kindRef, gvk, idSuffix: `${idBase}${resource.kind}`, kind: resource.kind, verbs: resource.verbs, parameters: itemParameters, make, ok,
    strategic: resource.custom === undefined,
  });
  if (has('delete')) {
    item.push(make({
      method: 'delete', action: 'delete', operationId: `delete${idBase}${resource.kind}`,
      description: `delete a ${resource.kind}`, parameters: [...itemParameters, ...DELETE_PARAMETERS],
      body: { ref: DELETE_OPTIONS_DEFINITION, patch: false }, responses: ok(kindRef, '202'),
    }));
  }
  if (item.length > 0) paths.push({ path: `${scope}/${resource.plural}/{name}`, operations: item });

  for (const subresource of resource.subresources) {
    if (CONNECT_SUBRESOURCES.has(subresource.name)) continue;
    const subOperations = subresourceOperations(subresource, {
      catalog, placeholders, idSuffix: `${idBase}${resource.kind}${capitalize(subresource.name)}`, parameters: itemParameters, make, ok,
    });
    if (subOperations.length > 0) paths.push({ path: `${scope}/${resource.plural}/{name}/${subresource.name}`, operations: subOperations });
  }

  if (resource.namespaced && has('list')) {
    paths.push({
      path: `${prefix}/${resource.plural}`,
      operations: [make({
        method: 'get', action: 'list',
        operationId: `list${groupIdentifier(resource.group)}${capitalize(version)}${resource.kind}ForAllNamespaces`,
        description: `list or watch objects of kind ${resource.kind} in all namespaces`,
        parameters: [P.pretty, ...LIST_PARAMETERS], responses: ok(listRef()),
      })],
    });
  }
  return paths;
}

type MakeOperation = (spec: Omit<Operation, 'tag' | 'gvk'> & { gvk?: GroupVersionKind }) => Operation;
type OkResponses = (ref: string, ...codes: string[]) => Operation['responses'];

/** GET / PUT / PATCH (and POST for create-only subresources) on one object or subresource. */
function itemOperations(spec: {
  kindRef: string;
  gvk: GroupVersionKind;
  idSuffix: string;
  kind: string;
  verbs: readonly string[];
  parameters: Parameter[];
  make: MakeOperation;
  ok: OkResponses;
  /** Whether PATCH takes strategic merge patches (custom resources do not: kubectl then sends merge patches). */
  strategic?: boolean;
}): Operation[] {
  const { kindRef, gvk, idSuffix, kind, verbs, parameters, make, ok } = spec;
  const operations: Operation[] = [];
  if (verbs.includes('get')) {
    operations.push(make({
      gvk, method: 'get', action: 'get', operationId: `read${idSuffix}`, description: `read the specified ${kind}`,
      parameters, responses: ok(kindRef),
    }));
  }
  if (verbs.includes('update')) {
    operations.push(make({
      gvk, method: 'put', action: 'put', operationId: `replace${idSuffix}`, description: `replace the specified ${kind}`,
      parameters: [...parameters, ...WRITE_PARAMETERS], body: { ref: kindRef, patch: false }, responses: ok(kindRef, '201'),
    }));
  }
  if (verbs.includes('patch')) {
    operations.push(make({
      gvk, method: 'patch', action: 'patch', operationId: `patch${idSuffix}`, description: `partially update the specified ${kind}`,
      parameters: [...parameters, ...WRITE_PARAMETERS, P.force], body: { ref: PATCH_DEFINITION, patch: true, ...(spec.strategic === false ? { strategic: false as const } : {}) },
      responses: ok(kindRef, '201'),
    }));
  }
  return operations;
}

function subresourceOperations(
  subresource: SubresourceInfo,
  spec: {
    catalog: Catalog;
    placeholders: Map<string, SchemaNode>;
    idSuffix: string;
    parameters: Parameter[];
    make: MakeOperation;
    ok: OkResponses;
  },
): Operation[] {
  const gvk = subresource.kind;
  const kindRef = kindDefinition(spec.catalog, gvk, spec.placeholders);
  const operations = itemOperations({ ...spec, kindRef, gvk, kind: gvk.kind, verbs: subresource.verbs });
  if (subresource.verbs.includes('create')) {
    operations.push(spec.make({
      gvk, method: 'post', action: 'post', operationId: `create${spec.idSuffix}`, description: `create ${gvk.kind}`,
      parameters: [...spec.parameters, ...WRITE_PARAMETERS], body: { ref: kindRef, patch: false }, responses: spec.ok(kindRef, '201', '202'),
    }));
  }
  return operations;
}
