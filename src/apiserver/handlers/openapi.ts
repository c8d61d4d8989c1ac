// /openapi/v2 (JSON, or gnostic protobuf for kubectl 1.27/1.28) and /openapi/v3[/<gv>].
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '../../api/errors.js';
import type { OpenApiService } from '../openapi/openapi.js';
import { notFoundPath, sendBytes } from '../http/respond.js';
import { parseAccept } from '../http/negotiate.js';
import type { RequestUrl } from '../http/request-url.js';

export function serveOpenApi(req: IncomingMessage, res: ServerResponse, url: RequestUrl, get: () => OpenApiService | undefined): void {
  const openapi = get();
  if (!openapi) throw new ApiError('ServiceUnavailable', 'OpenAPI documents are not available');
  const path = url.pathname;
  if (path === '/openapi/v2') {
    const wantsProtobuf = parseAccept(req.headers.accept).some((r) => r.type.startsWith('application/com.github.proto-openapi.spec.v2'));
    const d = wantsProtobuf ? openapi.v2Protobuf() : openapi.v2Json();
    res.setHeader('ETag', `"${d.hash}"`);
    sendBytes(res, 200, d.body, d.contentType);
    return;
  }
  if (path === '/openapi/v3' || path === '/openapi/v3/') {
    const d = openapi.v3Index();
    sendBytes(res, 200, d.body, d.contentType);
    return;
  }
  const d = openapi.v3Document(path.slice('/openapi/v3/'.length));
  if (!d) throw notFoundPath();
  res.setHeader('ETag', `"${d.hash}"`);
  // kubectl caches `?hash=` URLs forever; a matching hash is immutable content.
  if (url.searchParams.get('hash') === d.hash) res.setHeader('Cache-Control', 'public, immutable');
  else res.setHeader('Expires', new Date(0).toUTCString());
  res.writeHead(200, { 'Content-Type': d.contentType, 'Content-Length': d.body.length });
  res.end(d.body);
}
