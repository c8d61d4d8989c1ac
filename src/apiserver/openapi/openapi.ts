// OpenAPI documents for kubectl: v3 (index + one document per group-version, used by kubectl
// 1.29+ for validation and `explain`) and v2 (JSON and the protobuf form kubectl 1.27/1.28
// require).
import type { ResourceInfo } from '../../api/resources.js';

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

/** Builds (lazily, then caches) the documents for these resources. */
export function createOpenApi(_resources: readonly ResourceInfo[]): OpenApiService {
  throw new Error('not implemented');
}
