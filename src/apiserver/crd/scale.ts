// The scale subresource of a custom resource (autoscaling/v1 Scale), read from and written to
// the paths its CRD names (specReplicasPath, statusReplicasPath, labelSelectorPath), as
// Kubernetes' CR scale storage does. The write goes through the custom resource's registry, so
// its schema validation applies to the new replicas.
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { isPlainObject } from '../../api/object.js';
import { applyJsonPatch, applyMergePatch } from '../../api/patch/patch.js';
import type { CustomResourceScale } from '../../api/custom/types.js';
import type { RequestContext } from '../handlers/context.js';
import { readObjectBody, readPatchBody } from '../handlers/decode.js';
import { fieldValidation } from '../handlers/query.js';
import { writeContext } from '../handlers/rest.js';
import { methodNotAllowed, sendJson, setWarnings } from '../http/respond.js';
import { meta } from '../registry/meta.js';
import { STALE_OBJECT } from '../registry/registry.js';
import type { ResourceRoute } from '../routing.js';

/** `.spec.replicas` → ["spec", "replicas"] (the simple JSONPaths CRDs may use here). */
function segments(path: string): string[] {
  return path.split('.').filter((s) => s !== '');
}

function read(obj: KubeObject, path: string | undefined): unknown {
  if (!path) return undefined;
  let cur: unknown = obj;
  for (const s of segments(path)) cur = isPlainObject(cur) ? cur[s] : undefined;
  return cur;
}

function write(obj: KubeObject, path: string, value: unknown): void {
  const segs = segments(path);
  let cur: Record<string, unknown> = obj;
  for (const s of segs.slice(0, -1)) {
    const next = cur[s];
    if (!isPlainObject(next)) cur[s] = {};
    cur = cur[s] as Record<string, unknown>;
  }
  const last = segs[segs.length - 1];
  if (last !== undefined) cur[last] = value;
}

export function toCustomScale(obj: KubeObject, paths: CustomResourceScale): KubeObject {
  const m = meta(obj);
  const scaleMeta: Record<string, unknown> = { name: m.name, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp };
  if (m.namespace) scaleMeta['namespace'] = m.namespace;
  const spec = read(obj, paths.specReplicasPath);
  const status = read(obj, paths.statusReplicasPath);
  const selector = read(obj, paths.labelSelectorPath);
  const scaleStatus: Record<string, unknown> = { replicas: typeof status === 'number' ? status : 0 };
  if (typeof selector === 'string' && selector !== '') scaleStatus['selector'] = selector;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: scaleMeta,
    spec: { replicas: typeof spec === 'number' ? spec : 0 },
    status: scaleStatus,
  };
}

function replicasOf(scale: KubeObject, name: string): number {
  const spec = isPlainObject(scale['spec']) ? scale['spec'] : {};
  const replicas = spec['replicas'] ?? 0;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw ApiError.invalid('Scale', name, [{ type: 'FieldValueInvalid', field: 'spec.replicas', value: replicas, detail: 'must be greater than or equal to 0' }], 'autoscaling');
  }
  return replicas;
}

export async function serveCustomScale(ctx: RequestContext, route: ResourceRoute): Promise<void> {
  const paths = route.resource.custom?.scale;
  if (!paths) throw methodNotAllowed();
  const reg = ctx.server.registries.for(route.resource);
  const method = ctx.req.method ?? 'GET';
  const name = route.name ?? '';
  if (method === 'GET') {
    sendJson(ctx.res, 200, toCustomScale((await reg.get(route.namespace, name)).obj, paths));
    return;
  }
  const wctx = writeContext(ctx);
  const scaleResource = { ...route.resource, group: 'autoscaling', version: 'v1', kind: 'Scale' };
  const check = { resource: scaleResource, version: 'v1', validation: fieldValidation(ctx.url.searchParams), warnings: wctx.warnings };
  let desired: (current: KubeObject) => KubeObject;
  if (method === 'PUT') {
    const body = await readObjectBody(ctx, check);
    desired = () => body;
  } else if (method === 'PATCH') {
    const { type, body } = await readPatchBody(ctx, check);
    desired = (current) => {
      const patched = type === 'json' ? applyJsonPatch(current, body) : applyMergePatch(current, body);
      if (!isPlainObject(patched)) throw ApiError.badRequest('the patch did not produce a Scale');
      return patched as KubeObject;
    };
  } else {
    throw methodNotAllowed();
  }
  const stored = await reg.mutate(route.namespace, name, wctx, (cur, rv) => {
    const scale = desired(toCustomScale(cur, paths));
    const sm = meta(scale);
    if (sm.name && sm.name !== name) throw ApiError.badRequest(`the name of the object (${sm.name}) does not match the name on the URL (${name})`);
    if (sm.resourceVersion && sm.resourceVersion !== String(rv)) throw ApiError.conflict(reg.qualified, name, STALE_OBJECT);
    write(cur, paths.specReplicasPath, replicasOf(scale, name));
    return cur;
  });
  setWarnings(ctx.res, wctx.warnings);
  sendJson(ctx.res, 200, toCustomScale(stored.obj, paths));
}
