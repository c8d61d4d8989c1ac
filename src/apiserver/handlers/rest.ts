// The resource verbs over HTTP: maps method + path + query to the registry and writes the
// answer. Subresources and create-only kinds are delegated to their own handlers.
import { converterFor } from '../../api/conversion/conversion.js';
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { isPlainObject } from '../../api/object.js';
import type { Verb } from '../../api/resources.js';
import { methodNotAllowed, sendJson, setWarnings, successStatus } from '../http/respond.js';
import { negotiate } from '../http/negotiate.js';
import { returnsDeletedObject } from '../registry/kinds.js';
import type { DeleteOptions, DeleteResult, WriteContext } from '../registry/types.js';
import type { ResourceRoute } from '../routing.js';
import { formatApiVersion } from '../../api/object.js';
import { jsonEncoder, objectEncoder, serveWatch } from '../watch/stream.js';
import type { RequestContext } from './context.js';
import { readObjectBody, readOptionalJson, readPatchBody } from './decode.js';
import { dryRun, fieldManager, fieldValidation, isWatch, listQuery, optionalInt } from './query.js';
import { formContentType, sendList, sendObject, sendStored, type RenderOptions } from './render.js';
import { handleSubresource } from './subresources.js';
import { parseIncludeObject, toTable } from './table.js';
import { handleVirtualCreate } from './virtual.js';
import { isCrdResource, prepareCrdDeletion } from '../crd/controller.js';
import { serveCustomScale } from '../crd/scale.js';
import { mediaType } from '../http/body.js';

export async function handleResource(ctx: RequestContext, route: ResourceRoute): Promise<void> {
  const { req, url } = ctx;
  const method = req.method ?? 'GET';
  if (route.resource.custom) {
    // Custom resources have no strategic merge schema: Kubernetes refuses those patches (415).
    if (method === 'PATCH' && route.subresource !== 'scale' && mediaType(req.headers['content-type']) === 'application/strategic-merge-patch+json') {
      throw new ApiError('UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`);
    }
    if (route.subresource === 'scale' && route.name !== undefined) return serveCustomScale(ctx, route);
  }
  if (route.subresource !== undefined) return handleSubresource(ctx, route);
  if (route.resource.virtual) {
    if (method !== 'POST' || route.name !== undefined) throw methodNotAllowed();
    return handleVirtualCreate(ctx, route);
  }
  const q = url.searchParams;
  switch (method) {
    case 'GET':
    case 'HEAD':
      if (route.watchPath || isWatch(q)) return watch(ctx, route);
      if (route.name !== undefined) return get(ctx, route);
      return list(ctx, route);
    case 'POST':
      if (route.name !== undefined) throw methodNotAllowed();
      return create(ctx, route);
    case 'PUT':
      if (route.name === undefined) throw methodNotAllowed();
      return update(ctx, route);
    case 'PATCH':
      if (route.name === undefined) throw methodNotAllowed();
      return patch(ctx, route);
    case 'DELETE':
      if (route.name !== undefined) return remove(ctx, route);
      return deleteCollection(ctx, route);
    default:
      throw methodNotAllowed();
  }
}

export function requireVerb(route: ResourceRoute, verb: Verb): void {
  if (!route.resource.verbs.includes(verb)) throw methodNotAllowed();
}

export function renderOptions(ctx: RequestContext, route: ResourceRoute): RenderOptions {
  const converter = converterFor(route.resource, route.version);
  return {
    form: negotiate(ctx.req.headers.accept, { table: true }),
    includeObject: parseIncludeObject(ctx.url.searchParams.get('includeObject')),
    now: ctx.server.registries.now(),
    ...(converter ? { served: { version: route.version, converter } } : {}),
  };
}

export function writeContext(ctx: RequestContext): WriteContext {
  const q = ctx.url.searchParams;
  return { user: ctx.user, dryRun: dryRun(q), fieldManager: fieldManager(q, ctx.req), warnings: [] };
}

function registry(ctx: RequestContext, route: ResourceRoute) {
  return ctx.server.registries.for(route.resource);
}

async function get(ctx: RequestContext, route: ResourceRoute): Promise<void> {
  requireVerb(route, 'get');
  const stored = await registry(ctx, route).get(route.namespace, route.name ?? '');
  sendObject(ctx.res, 200, route.resource, stored, renderOptions(ctx, route));
}

async function list(ctx: RequestContext, route: ResourceRoute): Promise<void> {
  requireVerb(route, 'list');
  const page = await registry(ctx, route).list(route.namespace, listQuery(ctx.url.searchParams, route.resource));
  sendList(ctx.res, route.resource, page, renderOptions(ctx, route));
}

async function watch(ctx: RequestContext, route: ResourceRoute): Promise<void> {
  requireVerb(route, 'watch');
  const q = ctx.url.searchParams;
  const query = listQuery(q, route.resource, route.name);
  const render = renderOptions(ctx, route);
  const converter = render.served?.converter;
  const { registries, tuning } = ctx.server;
  const timeoutSeconds = optionalInt(q, 'timeoutSeconds');
  const sendInitial = q.get('sendInitialEvents');
  const resource = route.resource;
  const form = render.form;
  const encoder =
    form.kind === 'table'
      ? objectEncoder((obj) => toTable(resource, [obj], { version: form.version, includeObject: render.includeObject, listMeta: { resourceVersion: obj.metadata?.resourceVersion ?? '' }, now: registries.now() }))
      : form.kind === 'partial'
        ? objectEncoder((obj) => ({ kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${form.version}`, metadata: obj.metadata ?? {} }))
        : converter
          ? objectEncoder((obj) => converter.fromStorage(obj))
          : jsonEncoder;
  await serveWatch(ctx.res, {
    resource,
    cache: registries.cache(resource),
    storage: registries.storage,
    filter: { namespace: route.namespace, labels: query.labels, fields: query.fields },
    resourceVersion: query.resourceVersion ?? '',
    sendInitialEvents: sendInitial === null ? undefined : sendInitial === 'true',
    allowBookmarks: q.get('allowWatchBookmarks') === 'true',
    timeoutMs: timeoutSeconds !== undefined && timeoutSeconds > 0 ? timeoutSeconds * 1000 : tuning.watchTimeoutMs(),
    bookmarkIntervalMs: tuning.bookmarkIntervalMs,
    maxBacklogBytes: tuning.maxWatchBacklogBytes,
    encoder,
    contentType: form.kind === 'json' ? 'application/json' : formContentType(form),
  });
}

async function create(ctx: RequestContext, route: ResourceRoute): Promise<void> {
  requireVerb(route, 'create');
  const wctx = writeContext(ctx);
  const body = await readObjectBody(ctx, {
    resource: route.resource,
    version: route.version,
    validation: fieldValidation(ctx.url.searchParams),
    warnings: wctx.warnings,
  });
  const stored = await registry(ctx, route).create(route.namespace, body, wctx, { servedVersion: route.version, bodyOwned: true });
  setWarnings(ctx.res, wctx.warnings);
  sendStored(ctx.res, 201, stored, route);
}

async function update(ctx: RequestContext, route: ResourceRoute): Promise<void> {
  requireVerb(route, 'update');
  const wctx = writeContext(ctx);
  const body = await readObjectBody(ctx, {
    resource: route.resource,
    version: route.version,
    validation: fieldValidation(ctx.url.searchParams),
    warnings: wctx.warnings,
  });
  const stored = await registry(ctx, route).update(route.namespace, route.name ?? '', body, wctx, { servedVersion: route.version, bodyOwned: true });
  setWarnings(ctx.res, wctx.warnings);
  sendStored(ctx.res, 200, stored, route);
}

async function patch(ctx: RequestContext, route: ResourceRoute): Promise<void> {
  requireVerb(route, 'patch');
  const wctx = writeContext(ctx);
  const q = ctx.url.searchParams;
  const { type, body } = await readPatchBody(ctx, {
    resource: route.resource,
    version: route.version,
    validation: fieldValidation(q),
    warnings: wctx.warnings,
  });
  const force = q.get('force') === 'true';
  if (q.has('force') && type !== 'apply') throw ApiError.badRequest('force: Forbidden: may not be specified for non-apply patch');
  const { stored, created } = await registry(ctx, route).patch(
    route.namespace,
    route.name ?? '',
    { type, body, force },
    wctx,
    { servedVersion: route.version },
  );
  setWarnings(ctx.res, wctx.warnings);
  sendStored(ctx.res, created ? 201 : 200, stored, route);
}

/** DeleteOptions from the body and/or the query, as Kubernetes accepts both. */
export async function deleteOptions(ctx: RequestContext): Promise<DeleteOptions> {
  const body = await readOptionalJson(ctx);
  const q = ctx.url.searchParams;
  const out: DeleteOptions = {};
  const grace = body?.['gracePeriodSeconds'] ?? optionalInt(q, 'gracePeriodSeconds');
  if (grace !== undefined && grace !== null) {
    if (typeof grace !== 'number' || !Number.isInteger(grace)) throw ApiError.badRequest('gracePeriodSeconds must be an integer');
    out.gracePeriodSeconds = grace;
  }
  const policy = body?.['propagationPolicy'] ?? q.get('propagationPolicy');
  if (policy !== undefined && policy !== null && policy !== '') {
    if (policy !== 'Foreground' && policy !== 'Background' && policy !== 'Orphan') {
      throw ApiError.invalid('DeleteOptions', '', [
        { type: 'FieldValueNotSupported', field: 'propagationPolicy', value: policy, detail: 'supported values: "Foreground", "Background", "Orphan"' },
      ]);
    }
    out.propagationPolicy = policy;
  }
  const orphan = body?.['orphanDependents'] ?? (q.has('orphanDependents') ? q.get('orphanDependents') === 'true' : undefined);
  if (typeof orphan === 'boolean') out.orphanDependents = orphan;
  const pre = body?.['preconditions'];
  if (isPlainObject(pre)) {
    out.preconditions = {};
    if (typeof pre['uid'] === 'string') out.preconditions.uid = pre['uid'];
    if (typeof pre['resourceVersion'] === 'string') out.preconditions.resourceVersion = pre['resourceVersion'];
  }
  const bodyDryRun = body?.['dryRun'];
  if (Array.isArray(bodyDryRun) && bodyDryRun.includes('All')) ctx.url.searchParams.set('dryRun', 'All');
  return out;
}

async function remove(ctx: RequestContext, route: ResourceRoute): Promise<void> {
  requireVerb(route, 'delete');
  const options = await deleteOptions(ctx);
  const wctx = writeContext(ctx);
  if (isCrdResource(route.resource)) await prepareCrdDeletion(ctx.server.registries, route.name ?? '', wctx);
  const result = await registry(ctx, route).delete(route.namespace, route.name ?? '', options, wctx);
  sendDeleteResult(ctx, route, result, options);
}

export function sendDeleteResult(ctx: RequestContext, route: ResourceRoute, result: DeleteResult, options: DeleteOptions): void {
  if (result.kind === 'pending') {
    // Kubernetes answers 202 only when the client explicitly asked not to orphan.
    sendStored(ctx.res, options.orphanDependents === false ? 202 : 200, result.stored, route);
    return;
  }
  if (returnsDeletedObject(route.resource)) {
    sendStored(ctx.res, 200, result.stored, route);
    return;
  }
  const m = result.stored.obj.metadata ?? {};
  sendJson(ctx.res, 200, successStatus({
    name: m.name ?? '',
    ...(route.resource.group ? { group: route.resource.group } : {}),
    kind: route.resource.plural,
    uid: m.uid ?? '',
  }));
}

async function deleteCollection(ctx: RequestContext, route: ResourceRoute): Promise<void> {
  requireVerb(route, 'deletecollection');
  const options = await deleteOptions(ctx);
  const wctx = writeContext(ctx);
  const query = listQuery(ctx.url.searchParams, route.resource);
  const results = await registry(ctx, route).deleteCollection(route.namespace, query, options, wctx);
  const converter = converterFor(route.resource, route.version);
  const items: KubeObject[] = results.map((r) => (converter ? converter.fromStorage(r.stored.obj) : r.stored.obj));
  const resource = route.resource;
  sendJson(ctx.res, 200, {
    kind: resource.listKind,
    apiVersion: formatApiVersion(resource.group, route.version),
    metadata: {},
    items,
  });
}
