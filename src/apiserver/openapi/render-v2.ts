// Swagger 2.0 rendering (`GET /openapi/v2`), shaped like Kubernetes': `#/definitions/<name>`
// references (with sibling descriptions), inline parameters, vendor extensions on operations
// and definitions. The same typed document is encoded as JSON and as gnostic protobuf.
import type { Json } from '../../api/object.js';
import type { GroupVersionApi, Operation, Parameter } from './operations.js';
import type { SchemaNode } from './schema-node.js';

type Extensions = { [key: `x-${string}`]: Json };

export type SwaggerSchema = Extensions & {
  $ref?: string;
  description?: string;
  type?: string;
  format?: string;
  items?: SwaggerSchema;
  additionalProperties?: SwaggerSchema;
  properties?: Record<string, SwaggerSchema>;
  required?: string[];
};

export type SwaggerParameter =
  | { in: 'body'; name: string; required: boolean; schema: SwaggerSchema; description?: string }
  | { in: 'query' | 'path'; name: string; type: string; uniqueItems: boolean; required?: boolean; description: string };

export type SwaggerOperation = Extensions & {
  description: string;
  consumes: string[];
  produces: string[];
  schemes: string[];
  tags: string[];
  operationId: string;
  parameters: SwaggerParameter[];
  responses: Record<string, { description: string; schema?: SwaggerSchema }>;
};

export type SwaggerPathItem = Partial<Record<Operation['method'], SwaggerOperation>>;

export interface SwaggerDocument {
  swagger: '2.0';
  info: { title: string; version: string };
  paths: Record<string, SwaggerPathItem>;
  definitions: Record<string, SwaggerSchema>;
}

/** Media types a PATCH accepts, Kubernetes' order. */
export const PATCH_MEDIA_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
] as const;
const PRODUCES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];

export function v2Schema(node: SchemaNode): SwaggerSchema {
  const schema: SwaggerSchema = {};
  if (node.ref !== undefined) schema.$ref = `#/definitions/${node.ref}`;
  if (node.description !== undefined) schema.description = node.description;
  if (node.type !== undefined) schema.type = node.type;
  if (node.format !== undefined) schema.format = node.format;
  if (node.items) schema.items = v2Schema(node.items);
  if (node.additionalProperties) schema.additionalProperties = v2Schema(node.additionalProperties);
  if (node.properties) {
    schema.properties = {};
    for (const [name, property] of Object.entries(node.properties)) schema.properties[name] = v2Schema(property);
  }
  if (node.required) schema.required = [...node.required];
  for (const [name, value] of Object.entries(node.extensions ?? {})) schema[`x-${name.slice(2)}`] = value;
  return schema;
}

function v2Parameter(parameter: Parameter): SwaggerParameter {
  return {
    in: parameter.in,
    name: parameter.name,
    type: parameter.type,
    uniqueItems: true,
    ...(parameter.required ? { required: true } : {}),
    description: parameter.description,
  };
}

function v2Operation(operation: Operation): SwaggerOperation {
  const parameters = operation.parameters.map(v2Parameter);
  if (operation.body) {
    parameters.push({ in: 'body', name: 'body', required: operation.method !== 'delete', schema: { $ref: `#/definitions/${operation.body.ref}` } });
  }
  const responses: SwaggerOperation['responses'] = {};
  for (const response of operation.responses) {
    responses[response.code] = {
      description: response.description,
      ...(response.ref === undefined ? {} : { schema: { $ref: `#/definitions/${response.ref}` } }),
    };
  }
  return {
    description: operation.description,
    consumes: operation.body?.patch
      ? PATCH_MEDIA_TYPES.filter((t) => operation.body?.strategic !== false || t !== 'application/strategic-merge-patch+json')
      : ['*/*'],
    produces: PRODUCES,
    schemes: ['https'],
    tags: [operation.tag],
    operationId: operation.operationId,
    parameters,
    responses,
    'x-kubernetes-action': operation.action,
    'x-kubernetes-group-version-kind': { group: operation.gvk.group, kind: operation.gvk.kind, version: operation.gvk.version },
  };
}

/** One Swagger document for all group-versions; `definitions` lists what their operations reach. */
export function renderV2(
  apis: readonly GroupVersionApi[],
  definitions: ReadonlyMap<string, SchemaNode>,
  info: { title: string; version: string },
): SwaggerDocument {
  const document: SwaggerDocument = { swagger: '2.0', info, paths: {}, definitions: {} };
  for (const api of apis) {
    for (const { path, operations } of api.paths) {
      const item: SwaggerPathItem = {};
      for (const operation of operations) item[operation.method] = v2Operation(operation);
      document.paths[path] = item;
    }
  }
  for (const [name, node] of [...definitions].sort(([a], [b]) => a.localeCompare(b))) document.definitions[name] = v2Schema(node);
  return document;
}
