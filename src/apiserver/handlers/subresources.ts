// Subresources: status, namespaces/finalize, scale, pods/binding, pods/eviction,
// serviceaccounts/token, the kubelet-backed streams (log, exec, attach, portforward) and
// the proxy of nodes, pods and services (resource-proxy.ts).
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { deepCopy, isPlainObject } from '../../api/object.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from '../../api/patch/patch.js';
import { findResource } from '../../api/resources.js';
import { methodNotAllowed, notFoundPath, sendBytes, sendJson, setWarnings, successStatus } from '../http/respond.js';
import { meta, rfc3339 } from '../registry/meta.js';
import { applyScale, toScale } from '../registry/scale.js';
import { fromObject } from '../registry/stored.js';
import type { DeleteOptions, PatchType } from '../registry/types.js';
import type { ResourceRoute } from '../routing.js';
import type { RequestContext } from './context.js';
import { EXTENDED_EXPIRATION_SECONDS, WARN_ONLY_EXPIRATION_SECONDS } from '../authn/service-account-tokens.js';
import { readObjectBody, readOptionalJson, readPatchBody } from './decode.js';
import { proxyPodLog, rejectNonUpgradeStream } from './kubelet-proxy.js';
import { proxyResource } from './resource-proxy.js';
import { takeDisruption } from './eviction-budget.js';
import { fieldValidation } from './query.js';
import { renderOptions, requireVerb, writeContext } from './rest.js';
import { sendObject, sendStored } from './render.js';

export async function handleSubresource(ctx: RequestContext, route: ResourceRoute): Promise<void> {
  const sub = route.subresource ?? '';
  const info = route.resource.subresources.find((s) => s.name === sub);
  if (!info || route.name === undefined) throw notFoundPath();
  const method = ctx.req.method ?? 'GET';
  switch (sub) {
    case 'status':
      return statusLike(ctx, route, 'status');
    case 'finalize':
      if (method !== 'PUT') throw methodNotAllowed();
      return statusLike(ctx, route, 'finalize');
    case 'ephemeralcontainers':
      return statusLike(ctx, route, 'ephemeralcontainers');
    case 'scale':
      return scale(ctx, route);
    case 'binding':
      if (method !== 'POST') throw methodNotAllowed();
      return bind(ctx, route.namespace, route.name, await readBindingBody(ctx, route));
    case 'eviction':
      if (method !== 'POST') throw methodNotAllowed();
      return evict(ctx, route);
    case 'token':
      if (method !== 'POST') throw methodNotAllowed();
      return token(ctx, route);
    case 'log':
      if (method !== 'GET') throw methodNotAllowed();
      return proxyPodLog(ctx, route);
    case 'exec':
    case 'attach':
    case 'portforward':
      return rejectNonUpgradeStream(sub);
    case 'proxy':
      return proxyResource(ctx, route);
    default:
      throw notFoundPath();
  }
}

/** A subresource that is the object itself, of which a write changes one part (status, spec.finalizers, spec.ephemeralContainers). */
async function statusLike(ctx: RequestContext, route: ResourceRoute, sub: 'status' | 'finalize' | 'ephemeralcontainers'): Promise<void> {
  const reg = ctx.server.registries.for(route.resource);
  const method = ctx.req.method ?? 'GET';
  const name = route.name ?? '';
  if (method === 'GET') {
    sendObject(ctx.res, 200, route.resource, await reg.get(route.namespace, name), renderOptions(ctx, route));
    return;
  }
  const wctx = writeContext(ctx);
  const check = { resource: route.resource, version: route.version, validation: fieldValidation(ctx.url.searchParams), warnings: wctx.warnings };
  if (method === 'PUT') {
    const body = await readObjectBody(ctx, check);
    const stored = await reg.update(route.namespace, name, body, wctx, { subresource: sub, servedVersion: route.version, bodyOwned: true });
    setWarnings(ctx.res, wctx.warnings);
    sendStored(ctx.res, 200, stored, route);
    return;
  }
  if (method === 'PATCH' && sub !== 'finalize') {
    const { type, body } = await readPatchBody(ctx, check);
    const force = ctx.url.searchParams.get('force') === 'true';
    const { stored } = await reg.patch(route.namespace, name, { type, body, force }, wctx, { subresource: sub, servedVersion: route.version });
    setWarnings(ctx.res, wctx.warnings);
    sendStored(ctx.res, 200, stored, route);
    return;
  }
  throw methodNotAllowed();
}

const SCALE_GVK = { group: 'autoscaling', version: 'v1', kind: 'Scale' };

async function scale(ctx: RequestContext, route: ResourceRoute): Promise<void> {
  const reg = ctx.server.registries.for(route.resource);
  const method = ctx.req.method ?? 'GET';
  const name = route.name ?? '';
  if (method === 'GET') {
    const stored = await reg.get(route.namespace, name);
    sendJson(ctx.res, 200, toScale(stored.obj));
    return;
  }
  const wctx = writeContext(ctx);
  const scaleResource = { ...route.resource, group: 'autoscaling', version: 'v1', kind: 'Scale' };
  const check = { resource: scaleResource, version: 'v1', validation: fieldValidation(ctx.url.searchParams), warnings: wctx.warnings };
  let compute: (cur: KubeObject, rv: number) => KubeObject;
  if (method === 'PUT') {
    const body = await readObjectBody(ctx, check);
    compute = (cur, rv) => applyScale(cur, body, rv, reg.qualified);
  } else if (method === 'PATCH') {
    const { type, body } = await readPatchBody(ctx, check);
    compute = (cur, rv) => applyScale(cur, patchScale(toScale(cur), type, body), rv, reg.qualified);
  } else {
    throw methodNotAllowed();
  }
  const stored = await reg.mutate(route.namespace, name, wctx, compute);
  setWarnings(ctx.res, wctx.warnings);
  sendJson(ctx.res, 200, toScale(stored.obj));
}

function patchScale(scale: KubeObject, type: PatchType, body: unknown): KubeObject {
  let out: unknown;
  if (type === 'json') out = applyJsonPatch(scale, body);
  else if (type === 'merge') out = applyMergePatch(scale, body);
  else if (type === 'strategic') out = applyStrategicMergePatch(scale, body, SCALE_GVK);
  else if (isPlainObject(body)) out = applyMergePatch(scale, body);
  if (!isPlainObject(out)) throw ApiError.badRequest('the patch did not produce a Scale');
  return out as KubeObject;
}

async function readBindingBody(ctx: RequestContext, route: ResourceRoute): Promise<KubeObject> {
  const bindings = findResource('', 'v1', 'bindings') ?? route.resource;
  return readObjectBody(ctx, { resource: bindings, version: 'v1', validation: fieldValidation(ctx.url.searchParams), warnings: [] });
}

/** Assigns a pod to a node (what the scheduler does): 409 if it is already assigned. */
export async function bind(ctx: RequestContext, ns: string | undefined, podName: string, binding: KubeObject): Promise<void> {
  const pods = findResource('', 'v1', 'pods');
  if (!pods) throw notFoundPath();
  const bm = meta(binding);
  if (bm.name && bm.name !== podName) {
    throw ApiError.badRequest(`the name of the object (${bm.name}) does not match the name on the URL (${podName})`);
  }
  const target = isPlainObject(binding['target']) ? binding['target'] : {};
  const node = target['name'];
  if (typeof node !== 'string' || node === '') {
    throw ApiError.invalid('Binding', podName, [{ type: 'FieldValueRequired', field: 'target.name', detail: '' }]);
  }
  const wctx = writeContext(ctx);
  const now = rfc3339(ctx.server.registries.now());
  await ctx.server.registries.for(pods).mutate(ns, podName, wctx, (pod) => {
    const m = meta(pod);
    const spec = isPlainObject(pod['spec']) ? pod['spec'] : {};
    if (m.deletionTimestamp) throw ApiError.conflict('pods', podName, `pod ${podName} is being deleted, cannot be assigned to a host`);
    if (typeof spec['nodeName'] === 'string' && spec['nodeName'] !== '') {
      throw ApiError.conflict('pods', podName, `pod ${podName} is already assigned to node "${spec['nodeName']}"`);
    }
    spec['nodeName'] = node;
    pod['spec'] = spec;
    if (bm.annotations) m.annotations = { ...(m.annotations ?? {}), ...bm.annotations };
    const status = isPlainObject(pod['status']) ? pod['status'] : {};
    const conditions = Array.isArray(status['conditions']) ? status['conditions'].filter((c) => !(isPlainObject(c) && c['type'] === 'PodScheduled')) : [];
    conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now });
    status['conditions'] = conditions;
    pod['status'] = status;
    return pod;
  }, { subresource: 'internal' });
  sendJson(ctx.res, 201, successStatus(undefined));
}

async function evict(ctx: RequestContext, route: ResourceRoute): Promise<void> {
  const body = (await readOptionalJson(ctx)) ?? {};
  const em = isPlainObject(body['metadata']) ? body['metadata'] : {};
  if (typeof em['name'] === 'string' && em['name'] !== '' && em['name'] !== route.name) {
    throw ApiError.badRequest(`name in URL does not match name in Eviction object`);
  }
  const raw = isPlainObject(body['deleteOptions']) ? body['deleteOptions'] : {};
  const options: DeleteOptions = {};
  if (typeof raw['gracePeriodSeconds'] === 'number') options.gracePeriodSeconds = raw['gracePeriodSeconds'];
  if (isPlainObject(raw['preconditions'])) {
    const p = raw['preconditions'];
    options.preconditions = {
      ...(typeof p['uid'] === 'string' ? { uid: p['uid'] } : {}),
      ...(typeof p['resourceVersion'] === 'string' ? { resourceVersion: p['resourceVersion'] } : {}),
    };
  }
  const registry = ctx.server.registries.for(route.resource);
  const wctx = writeContext(ctx);
  if (!wctx.dryRun) {
    const now = rfc3339(ctx.server.registries.now());
    const pod = (await registry.get(route.namespace, route.name ?? '')).obj;
    await takeDisruption(ctx.server.registries, pod, wctx, now);
    // Kubernetes marks the pod (status) before deleting it, so its controllers can tell an
    // eviction from a failure; a uid precondition that no longer holds is a conflict.
    await registry.mutate(route.namespace, route.name ?? '', wctx, (current) => {
      const uid = options.preconditions?.uid;
      if (uid && meta(current).uid !== uid) {
        throw ApiError.conflict('pods', route.name ?? '', `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${meta(current).uid ?? ''}`);
      }
      return withDisruptionTarget(current, now);
    }, { subresource: 'status' });
  }
  await registry.delete(route.namespace, route.name ?? '', options, wctx);
  sendJson(ctx.res, 201, successStatus(undefined));
}

/** The pod with condition DisruptionTarget (EvictionByEvictionAPI), its transition time kept when already so. */
function withDisruptionTarget(pod: KubeObject, now: string): KubeObject {
  const status = isPlainObject(pod['status']) ? pod['status'] : {};
  const conditions = Array.isArray(status['conditions']) ? status['conditions'].filter(isPlainObject) : [];
  const old = conditions.find((c) => c['type'] === 'DisruptionTarget');
  const condition = {
    type: 'DisruptionTarget',
    status: 'True',
    lastProbeTime: null,
    lastTransitionTime: old?.['status'] === 'True' && typeof old['lastTransitionTime'] === 'string' ? old['lastTransitionTime'] : now,
    reason: 'EvictionByEvictionAPI',
    message: 'Eviction API: evicting',
  };
  status['conditions'] = old ? conditions.map((c) => (c === old ? condition : c)) : [...conditions, condition];
  pod['status'] = status;
  return pod;
}

/**
 * serviceaccounts/{name}/token (TokenRequest). As Kubernetes: audiences default to the API
 * server's; a bound object (Pod, Secret or Node) must exist, match a given uid and, for a pod,
 * run as this service account; a pod-bound token also names the pod's node. A pod-bound token
 * asked for exactly 3607 s with the API server's audiences (the kubelet's) lives a year and
 * carries `warnafter` (--service-account-extend-token-expiration, on by default); the answer's
 * expirationTimestamp stays the asked time.
 */
async function token(ctx: RequestContext, route: ResourceRoute): Promise<void> {
  requireVerb(route, 'get');
  const namespace = route.namespace ?? '';
  const name = route.name ?? '';
  const sa = await ctx.server.registries.for(route.resource).get(route.namespace, name);
  const body = (await readOptionalJson(ctx)) ?? {};
  const spec = isPlainObject(body['spec']) ? deepCopy(body['spec']) : {};
  const issuer = ctx.server.serviceAccountTokens;
  const given = Array.isArray(spec['audiences']) ? spec['audiences'].filter((a): a is string => typeof a === 'string') : [];
  const audiences = given.length > 0 ? given : [...issuer.apiAudiences];
  const requested = typeof spec['expirationSeconds'] === 'number' ? spec['expirationSeconds'] : 3600;
  const invalid = requested < 600 ? 'may not specify a duration less than 10 minutes' : requested > 2 ** 32 ? 'may not specify a duration larger than 2^32 seconds' : undefined;
  if (invalid) {
    throw ApiError.invalid('TokenRequest', name, [
      { type: 'FieldValueInvalid', field: 'spec.expirationSeconds', value: requested, detail: invalid },
    ], 'authentication.k8s.io');
  }
  const bound = isPlainObject(spec['boundObjectRef']) ? await boundObject(ctx, namespace, name, spec['boundObjectRef']) : {};
  const extend = bound.pod !== undefined && requested === WARN_ONLY_EXPIRATION_SECONDS && audiences.every((a) => issuer.apiAudiences.includes(a));
  const now = ctx.server.registries.now();
  const issued = issuer.issue({
    namespace,
    serviceAccount: { name, uid: meta(sa.obj).uid ?? '' },
    audiences,
    expirationSeconds: extend ? EXTENDED_EXPIRATION_SECONDS : requested,
    nowMs: now,
    ...bound,
    ...(extend ? { warnAfterSeconds: requested } : {}),
  });
  const reply = {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name: route.name, namespace: route.namespace, creationTimestamp: null },
    spec: { ...spec, audiences, expirationSeconds: requested },
    status: { token: issued.token, expirationTimestamp: rfc3339(now + requested * 1000) },
  };
  const stored = fromObject(reply as unknown as KubeObject, 0);
  sendBytes(ctx.res, 201, stored.json);
}

type BoundRefs = Partial<Record<'pod' | 'secret' | 'node', { name: string; uid: string }>>;

/** The object a TokenRequest binds its token to, checked as Kubernetes' TokenRequest REST does. */
async function boundObject(ctx: RequestContext, namespace: string, saName: string, ref: Record<string, unknown>): Promise<BoundRefs> {
  const kind = typeof ref['kind'] === 'string' ? ref['kind'] : '';
  const apiVersion = typeof ref['apiVersion'] === 'string' ? ref['apiVersion'] : '';
  const name = typeof ref['name'] === 'string' ? ref['name'] : '';
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  const plural = group === '' ? { Pod: 'pods', Secret: 'secrets', Node: 'nodes' }[kind] : undefined;
  const resource = plural ? findResource('', 'v1', plural) : undefined;
  if (!resource) {
    const version = apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
    throw ApiError.badRequest(`cannot bind token to object of type ${group}/${version}, Kind=${kind}`);
  }
  const obj = (await ctx.server.registries.for(resource).get(resource.namespaced ? namespace : undefined, name)).obj;
  const uid = meta(obj).uid ?? '';
  if (kind === 'Pod') {
    const podSpec = isPlainObject(obj['spec']) ? obj['spec'] : {};
    if (podSpec['serviceAccountName'] !== saName) {
      throw ApiError.badRequest(`cannot bind token for serviceaccount "${saName}" to pod running with different serviceaccount name.`);
    }
  }
  if (typeof ref['uid'] === 'string' && ref['uid'] !== '' && ref['uid'] !== uid) {
    throw ApiError.conflict(kind, name, `the UID in the bound object reference (${ref['uid']}) does not match the UID in record. The object might have been deleted and then recreated`);
  }
  if (kind === 'Secret') return { secret: { name, uid } };
  if (kind === 'Node') return { node: { name, uid } };
  const nodeName = isPlainObject(obj['spec']) && typeof obj['spec']['nodeName'] === 'string' ? obj['spec']['nodeName'] : '';
  const nodes = findResource('', 'v1', 'nodes');
  // A node that cannot be read is left out of the token, as in Kubernetes.
  const node = nodeName && nodes ? await ctx.server.registries.for(nodes).get(undefined, nodeName).then((n) => n.obj, () => undefined) : undefined;
  return { pod: { name, uid }, ...(node ? { node: { name: nodeName, uid: meta(node).uid ?? '' } } : {}) };
}
