// Request bodies as objects: content type → decoder, then unknown/duplicate field checks as
// `fieldValidation` asks (Strict → 400, Warn → warnings, Ignore → nothing).
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { isPlainObject } from '../../api/object.js';
import type { ResourceInfo } from '../../api/resources.js';
import { decodeBody, mediaType, readBody, type BodyEncoding } from '../http/body.js';
import type { PatchType } from '../registry/types.js';
import type { RequestContext } from './context.js';
import type { FieldValidation } from './query.js';

const OBJECT_TYPES: Record<string, BodyEncoding> = {
  '': 'json',
  'application/json': 'json',
  'application/yaml': 'yaml',
  'application/vnd.kubernetes.protobuf': 'protobuf',
};

const PATCH_TYPES: Record<string, { type: PatchType; encoding: BodyEncoding }> = {
  'application/json-patch+json': { type: 'json', encoding: 'json' },
  'application/merge-patch+json': { type: 'merge', encoding: 'json' },
  'application/strategic-merge-patch+json': { type: 'strategic', encoding: 'json' },
  'application/apply-patch+yaml': { type: 'apply', encoding: 'yaml' },
};

export interface BodyCheck {
  resource: ResourceInfo;
  version: string;
  validation: FieldValidation;
  warnings: string[];
}

/** A create/update body as an object (any kind; the registry checks it against the URL). */
export async function readObjectBody(ctx: RequestContext, check: BodyCheck): Promise<KubeObject> {
  const encoding = OBJECT_TYPES[mediaType(ctx.req.headers['content-type'])];
  const body = await readBody(ctx.req, ctx.server.tuning.maxBodyBytes);
  if (!encoding) throw unsupported(ctx.req.headers['content-type'], Object.keys(OBJECT_TYPES).filter((t) => t !== ''));
  if (body.length === 0) throw ApiError.badRequest('the request body is empty: expected an object');
  const decoded = decodeBody(body, encoding);
  const obj = asObject(decoded.value);
  checkFields(ctx, check, obj, decoded.duplicates);
  return obj;
}

export async function readPatchBody(ctx: RequestContext, check: BodyCheck): Promise<{ type: PatchType; body: unknown }> {
  const kind = PATCH_TYPES[mediaType(ctx.req.headers['content-type'])];
  const body = await readBody(ctx.req, ctx.server.tuning.maxBodyBytes);
  if (!kind) throw unsupported(ctx.req.headers['content-type'], Object.keys(PATCH_TYPES));
  if (body.length === 0) throw ApiError.badRequest('the patch body is empty');
  const decoded = decodeBody(body, kind.encoding);
  if (kind.type !== 'json') checkFields(ctx, check, asObject(decoded.value), decoded.duplicates);
  else if (!Array.isArray(decoded.value)) throw ApiError.badRequest('json patch must be an array of operations');
  return { type: kind.type, body: decoded.value };
}

/** Optional JSON body (DeleteOptions, Eviction): undefined when empty. */
export async function readOptionalJson(ctx: RequestContext): Promise<Record<string, unknown> | undefined> {
  const body = await readBody(ctx.req, ctx.server.tuning.maxBodyBytes);
  if (body.length === 0) return undefined;
  const type = mediaType(ctx.req.headers['content-type']);
  const encoding = OBJECT_TYPES[type] ?? (type.endsWith('json') ? 'json' : undefined);
  if (!encoding) throw unsupported(ctx.req.headers['content-type'], ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']);
  return asObject(decodeBody(body, encoding).value);
}

function asObject(value: unknown): KubeObject {
  if (!isPlainObject(value)) {
    const what = Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
    throw ApiError.badRequest(`the request body must be an object, not ${what}`);
  }
  return value as KubeObject;
}

function unsupported(contentType: string | undefined, accepted: string[]): ApiError {
  return new ApiError(
    'UnsupportedMediaType',
    `the body of the request was in an unknown format (${contentType ?? 'none'}) - accepted media types include: ${accepted.join(', ')}`,
  );
}

function checkFields(ctx: RequestContext, check: BodyCheck, obj: KubeObject, duplicates: string[]): void {
  if (check.validation === 'Ignore') return;
  const gvk = { group: check.resource.group, version: check.version, kind: check.resource.kind };
  const unknown = ctx.server.fieldChecker.unknownFields(gvk, obj, { skipDirectives: true }).map((p) => `unknown field "${p}"`);
  const problems = [...unknown, ...duplicates.map((p) => `duplicate field "${p}"`)];
  if (problems.length === 0) return;
  if (check.validation === 'Warn') {
    check.warnings.push(...problems);
    return;
  }
  const kind = check.resource.kind;
  throw ApiError.badRequest(`${kind} in version "${check.version}" cannot be handled as a ${kind}: strict decoding error: ${problems.join(', ')}`);
}
