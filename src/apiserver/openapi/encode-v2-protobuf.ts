// The Swagger document as the gnostic `openapi.v2.Document` protobuf message, the form kubectl
// 1.27/1.28 require for `/openapi/v2`
// (`application/com.github.proto-openapi.spec.v2.v1.0+protobuf`). Field numbers are those of
// `openapiv2/OpenAPIv2.proto` in github.com/google/gnostic (package openapi.v2, identical in
// gnostic-models v0.6, which client-go vendors). Vendor extension values are `Any.yaml`
// (field 2) holding JSON, which is valid YAML and is how kubectl reads them back.
import type { Json } from '../../api/object.js';
import { ProtoWriter } from './proto-writer.js';
import type { SwaggerDocument, SwaggerOperation, SwaggerParameter, SwaggerPathItem, SwaggerSchema } from './render-v2.js';

/** Field numbers of the messages used, from OpenAPIv2.proto. */
const F = {
  Document: { swagger: 1, info: 2, paths: 8, definitions: 9 },
  Info: { title: 1, version: 2 },
  Paths: { path: 2 },
  Named: { name: 1, value: 2 }, // NamedPathItem, NamedSchema, NamedAny, NamedResponseValue
  PathItem: { get: 2, put: 3, post: 4, delete: 5, patch: 8 },
  Operation: { tags: 1, description: 3, operationId: 5, produces: 6, consumes: 7, parameters: 8, responses: 9, schemes: 10, vendorExtension: 13 },
  ParametersItem: { parameter: 1 },
  Parameter: { bodyParameter: 1, nonBodyParameter: 2 },
  BodyParameter: { description: 1, name: 2, in: 3, required: 4, schema: 5 },
  NonBodyParameter: { queryParameterSubSchema: 3, pathParameterSubSchema: 4 },
  QueryParameterSubSchema: { required: 1, in: 2, description: 3, name: 4, type: 6, uniqueItems: 20 },
  PathParameterSubSchema: { required: 1, in: 2, description: 3, name: 4, type: 5, uniqueItems: 19 },
  Responses: { responseCode: 1 },
  ResponseValue: { response: 1 },
  Response: { description: 1, schema: 2 },
  SchemaItem: { schema: 1 },
  Schema: { ref: 1, format: 2, description: 4, required: 19, additionalProperties: 21, type: 22, items: 23, properties: 25, vendorExtension: 31 },
  AdditionalPropertiesItem: { schema: 1 },
  TypeItem: { value: 1 },
  ItemsItem: { schema: 1 },
  Properties: { additionalProperties: 1 },
  Definitions: { additionalProperties: 1 },
  Any: { yaml: 2 },
} as const;

function vendorExtensions(writer: ProtoWriter, field: number, source: object): void {
  for (const [name, value] of Object.entries(source)) {
    if (!name.startsWith('x-')) continue;
    writer.message(field, (named) => {
      named.string(F.Named.name, name);
      named.message(F.Named.value, (any) => any.string(F.Any.yaml, JSON.stringify(value as Json)));
    });
  }
}

function writeSchema(writer: ProtoWriter, schema: SwaggerSchema): void {
  writer.string(F.Schema.ref, schema.$ref);
  writer.string(F.Schema.format, schema.format);
  writer.string(F.Schema.description, schema.description);
  writer.strings(F.Schema.required, schema.required);
  const additional = schema.additionalProperties;
  if (additional) {
    writer.message(F.Schema.additionalProperties, (item) => item.message(F.AdditionalPropertiesItem.schema, (s) => writeSchema(s, additional)));
  }
  if (schema.type !== undefined) writer.message(F.Schema.type, (type) => type.strings(F.TypeItem.value, [schema.type as string]));
  const items = schema.items;
  if (items) writer.message(F.Schema.items, (item) => item.message(F.ItemsItem.schema, (s) => writeSchema(s, items)));
  const properties = schema.properties;
  if (properties) {
    writer.message(F.Schema.properties, (props) => {
      for (const [name, property] of Object.entries(properties)) {
        props.message(F.Properties.additionalProperties, (named) => {
          named.string(F.Named.name, name);
          named.message(F.Named.value, (s) => writeSchema(s, property));
        });
      }
    });
  }
  vendorExtensions(writer, F.Schema.vendorExtension, schema);
}

function writeParameter(writer: ProtoWriter, parameter: SwaggerParameter): void {
  writer.message(F.ParametersItem.parameter, (p) => {
    if (parameter.in === 'body') {
      p.message(F.Parameter.bodyParameter, (body) => {
        body.string(F.BodyParameter.description, parameter.description);
        body.string(F.BodyParameter.name, parameter.name);
        body.string(F.BodyParameter.in, parameter.in);
        body.bool(F.BodyParameter.required, parameter.required);
        body.message(F.BodyParameter.schema, (s) => writeSchema(s, parameter.schema));
      });
      return;
    }
    p.message(F.Parameter.nonBodyParameter, (nonBody) => {
      const fields = parameter.in === 'query' ? F.QueryParameterSubSchema : F.PathParameterSubSchema;
      const which = parameter.in === 'query' ? F.NonBodyParameter.queryParameterSubSchema : F.NonBodyParameter.pathParameterSubSchema;
      nonBody.message(which, (sub) => {
        sub.bool(fields.required, parameter.required);
        sub.string(fields.in, parameter.in);
        sub.string(fields.description, parameter.description);
        sub.string(fields.name, parameter.name);
        sub.string(fields.type, parameter.type);
        sub.bool(fields.uniqueItems, parameter.uniqueItems);
      });
    });
  });
}

function writeOperation(writer: ProtoWriter, operation: SwaggerOperation): void {
  writer.strings(F.Operation.tags, operation.tags);
  writer.string(F.Operation.description, operation.description);
  writer.string(F.Operation.operationId, operation.operationId);
  writer.strings(F.Operation.produces, operation.produces);
  writer.strings(F.Operation.consumes, operation.consumes);
  for (const parameter of operation.parameters) writer.message(F.Operation.parameters, (p) => writeParameter(p, parameter));
  writer.message(F.Operation.responses, (responses) => {
    for (const [code, response] of Object.entries(operation.responses)) {
      responses.message(F.Responses.responseCode, (named) => {
        named.string(F.Named.name, code);
        named.message(F.Named.value, (value) => value.message(F.ResponseValue.response, (r) => {
          r.string(F.Response.description, response.description);
          const schema = response.schema;
          if (schema) r.message(F.Response.schema, (item) => item.message(F.SchemaItem.schema, (s) => writeSchema(s, schema)));
        }));
      });
    }
  });
  writer.strings(F.Operation.schemes, operation.schemes);
  vendorExtensions(writer, F.Operation.vendorExtension, operation);
}

function writePathItem(writer: ProtoWriter, item: SwaggerPathItem): void {
  for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
    const operation = item[method];
    if (operation) writer.message(F.PathItem[method], (o) => writeOperation(o, operation));
  }
}

export function encodeV2Protobuf(document: SwaggerDocument): Uint8Array {
  const writer = new ProtoWriter();
  writer.string(F.Document.swagger, document.swagger);
  writer.message(F.Document.info, (info) => info.string(F.Info.title, document.info.title).string(F.Info.version, document.info.version));
  writer.message(F.Document.paths, (paths) => {
    for (const [path, item] of Object.entries(document.paths)) {
      paths.message(F.Paths.path, (named) => {
        named.string(F.Named.name, path);
        named.message(F.Named.value, (value) => writePathItem(value, item));
      });
    }
  });
  writer.message(F.Document.definitions, (definitions) => {
    for (const [name, schema] of Object.entries(document.definitions)) {
      definitions.message(F.Definitions.additionalProperties, (named) => {
        named.string(F.Named.name, name);
        named.message(F.Named.value, (s) => writeSchema(s, schema));
      });
    }
  });
  return writer.finish();
}
