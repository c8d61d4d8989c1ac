// OpenAPI documents for kubectl: v3 (index + one document per group-version, used by kubectl
// 1.29+ for validation and `explain`) and v2 (JSON and the protobuf form kubectl 1.27/1.28
// require).
//
// Schemas come from the installed `kubernetes-types` package, parsed on first use (see
// catalog.ts); the operations from the resource table. Each document is built once, on first
// request, and cached with its hash.
import { createHash } from 'node:crypto';
import type { ResourceInfo } from '../../api/resources.js';
import { installedCatalog, installedTypesVersion } from './catalog.js';
import { encodeV2Protobuf } from './encode-v2-protobuf.js';
import { groupVersionApis, type GroupVersionApi } from './operations.js';
import { renderV2 } from './render-v2.js';
import { renderV3 } from './render-v3.js';
import { closure, type Catalog, type SchemaNode } from './schema-node.js';

export interface OpenApiDocument {
  body: Buffer;
  /** Content hash; `/openapi/v3/<gv>?hash=H` is cached by kubectl as immutable. */
  hash: string;
  contentType: string;
}

export interface OpenApiService {
  /** `GET /openapi/v3`: `{"paths":{"api/v1":{"serverRelativeURL":"/openapi/v3/api/v1?hash=H"},…}}`. */
  v3Index(): OpenApiDocument;
  /** `GET /openapi/v3/<path>` where path is "api/v1" or "apis/<group>/<version>". */
  v3Document(path: string): OpenApiDocument | undefined;
  /** `GET /openapi/v2` as JSON. */
  v2Json(): OpenApiDocument;
  /** `GET /openapi/v2` as `application/com.github.proto-openapi.spec.v2.v1.0+protobuf`. */
  v2Protobuf(): OpenApiDocument;
}

export const V2_PROTOBUF_CONTENT_TYPE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

/** Upper-case hex SHA-512, as Kubernetes hashes its OpenAPI documents. */
function documentOf(body: Buffer, contentType: string): OpenApiDocument {
  return { body, contentType, hash: createHash('sha512').update(body).digest('hex').toUpperCase() };
}

function jsonDocument(value: unknown): OpenApiDocument {
  return documentOf(Buffer.from(JSON.stringify(value)), 'application/json');
}

interface Model {
  apis: GroupVersionApi[];
  /** Catalog definitions plus placeholders for kinds `kubernetes-types` does not declare. */
  definitions: ReadonlyMap<string, SchemaNode>;
  info: { title: string; version: string };
}

function buildModel(resources: readonly ResourceInfo[], catalog: Catalog): Model {
  const placeholders = new Map<string, SchemaNode>();
  const apis = groupVersionApis(resources, catalog, placeholders);
  const definitions = new Map([...catalog.definitions, ...placeholders]);
  return { apis, definitions, info: { title: 'Kubernetes', version: `v${installedTypesVersion()}` } };
}

function pick(definitions: ReadonlyMap<string, SchemaNode>, roots: Iterable<string>): Map<string, SchemaNode> {
  return new Map(closure(definitions, roots).map((name) => [name, definitions.get(name) as SchemaNode]));
}

/**
 * Builds (lazily, then caches) the documents for these resources. `extend` adds definitions
 * `kubernetes-types` does not have (custom resources' schemas) to the installed catalog.
 */
export function createOpenApi(resources: readonly ResourceInfo[], extend: (base: Catalog) => Catalog = (base) => base): OpenApiService {
  let model: Model | undefined;
  let v3: { index: OpenApiDocument; documents: Map<string, OpenApiDocument> } | undefined;
  let v2: SwaggerCache | undefined;

  const getModel = (): Model => (model ??= buildModel(resources, extend(installedCatalog())));

  const getV3 = (): NonNullable<typeof v3> => {
    if (v3) return v3;
    const { apis, definitions, info } = getModel();
    const documents = new Map<string, OpenApiDocument>();
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const api of apis) {
      const document = jsonDocument(renderV3(api, pick(definitions, api.roots), info));
      documents.set(api.key, document);
      paths[api.key] = { serverRelativeURL: `/openapi/v3/${api.key}?hash=${document.hash}` };
    }
    v3 = { index: jsonDocument({ paths }), documents };
    return v3;
  };

  const getV2 = (): SwaggerCache => {
    if (v2) return v2;
    const { apis, definitions, info } = getModel();
    const roots = apis.flatMap((api) => [...api.roots]);
    v2 = { swagger: renderV2(apis, pick(definitions, roots), info) };
    return v2;
  };

  return {
    v3Index: () => getV3().index,
    v3Document: (path) => getV3().documents.get(path.replace(/^\/+|\/+$/g, '')),
    v2Json: () => {
      const cache = getV2();
      cache.json ??= jsonDocument(cache.swagger);
      return cache.json;
    },
    v2Protobuf: () => {
      const cache = getV2();
      cache.protobuf ??= documentOf(Buffer.from(encodeV2Protobuf(cache.swagger)), V2_PROTOBUF_CONTENT_TYPE);
      return cache.protobuf;
    },
  };
}

interface SwaggerCache {
  swagger: ReturnType<typeof renderV2>;
  json?: OpenApiDocument;
  protobuf?: OpenApiDocument;
}
