// OpenAPI 3.0 rendering of one group-version (`GET /openapi/v3/<key>`), shaped like Kubernetes':
// `#/components/schemas/<name>` references, a reference with its own description wrapped in a
// one-element `allOf`, and every schema the operations reach included, so the document stands
// alone.
//
// PATCH does not advertise `application/strategic-merge-patch+json`: kubectl ≥ 1.28 would then
// compute strategic patches from these schemas, whose patch-merge-keys cover only the common
// lists; without it kubectl uses its own compiled-in schemas of the built-in kinds.
import type { Json, JsonObject } from '../../api/object.js';
import type { GroupVersionApi, Operation, Parameter } from './operations.js';
import type { SchemaNode } from './schema-node.js';

const V3_PATCH_MEDIA_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'];
const RESPONSE_MEDIA_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];

const refTo = (name: string): JsonObject => ({ $ref: `#/components/schemas/${name}` });

export function v3Schema(node: SchemaNode): JsonObject {
  const schema: JsonObject = {};
  if (node.ref !== undefined) {
    const hasSiblings = node.description !== undefined || Object.keys(node.extensions ?? {}).length > 0;
    if (!hasSiblings) return refTo(node.ref);
    schema.allOf = [refTo(node.ref)];
  }
  if (node.description !== undefined) schema.description = node.description;
  if (node.v3OneOfTypes) schema.oneOf = node.v3OneOfTypes.map((type) => ({ type }));
  else if (node.type !== undefined) schema.type = node.type;
  if (node.format !== undefined) schema.format = node.format;
  if (node.items) schema.items = v3Schema(node.items);
  if (node.additionalProperties) schema.additionalProperties = v3Schema(node.additionalProperties);
  if (node.properties) {
    const properties: JsonObject = {};
    for (const [name, property] of Object.entries(node.properties)) properties[name] = v3Schema(property);
    schema.properties = properties;
  }
  if (node.required) schema.required = [...node.required];
  for (const [name, value] of Object.entries(node.extensions ?? {})) schema[name] = value;
  return schema;
}

function v3Parameter(parameter: Parameter): JsonObject {
  return {
    name: parameter.name,
    in: parameter.in,
    description: parameter.description,
    ...(parameter.required ? { required: true } : {}),
    schema: { type: parameter.type, uniqueItems: true },
  };
}

function content(mediaTypes: readonly string[], ref: string): JsonObject {
  const result: JsonObject = {};
  for (const mediaType of mediaTypes) result[mediaType] = { schema: refTo(ref) };
  return result;
}

function v3Operation(operation: Operation): JsonObject {
  const responses: JsonObject = {};
  for (const response of operation.responses) {
    responses[response.code] = {
      description: response.description,
      ...(response.ref === undefined ? {} : { content: content(RESPONSE_MEDIA_TYPES, response.ref) }),
    };
  }
  const result: JsonObject = {
    tags: [operation.tag],
    description: operation.description,
    operationId: operation.operationId,
    parameters: operation.parameters.map(v3Parameter),
  };
  if (operation.body) {
    result.requestBody = {
      content: content(operation.body.patch ? V3_PATCH_MEDIA_TYPES : ['*/*'], operation.body.ref),
      required: operation.method !== 'delete',
    };
  }
  result.responses = responses;
  result['x-kubernetes-action'] = operation.action;
  result['x-kubernetes-group-version-kind'] = { group: operation.gvk.group, kind: operation.gvk.kind, version: operation.gvk.version };
  return result;
}

/** The v3 document of one group-version; `definitions` must hold every schema it reaches. */
export function renderV3(
  api: GroupVersionApi,
  definitions: ReadonlyMap<string, SchemaNode>,
  info: { title: string; version: string },
): JsonObject {
  const paths: JsonObject = {};
  for (const { path, operations } of api.paths) {
    const item: JsonObject = {};
    for (const operation of operations) item[operation.method] = v3Operation(operation);
    paths[path] = item;
  }
  const schemas: JsonObject = {};
  for (const [name, node] of [...definitions].sort(([a], [b]) => a.localeCompare(b))) schemas[name] = v3Schema(node);
  const document: { [key: string]: Json } = { openapi: '3.0.0', info, paths, components: { schemas } };
  return document;
}
