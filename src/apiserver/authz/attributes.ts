// What a request asks to do, as Kubernetes' authorizer.Attributes (built from its RequestInfo):
// a verb on a resource (group, resource, subresource, namespace, name) or a verb on a
// non-resource path. Authorizers decide on these alone.
import type { ResourceRoute } from '../routing.js';

export interface ResourceAttributes {
  kind: 'resource';
  verb: string;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  /** '' at the cluster scope. */
  namespace: string;
  /** '' when the request names no object (list, create, deletecollection). */
  name: string;
}

export interface NonResourceAttributes {
  kind: 'nonResource';
  verb: string;
  path: string;
}

export type RequestAttributes = ResourceAttributes | NonResourceAttributes;

/** The verb of an HTTP method, as Kubernetes' RequestInfo names it before list/watch/deletecollection are told apart. */
export function methodVerb(method: string): string {
  switch (method) {
    case 'GET':
    case 'HEAD':
      return 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    default:
      return method.toLowerCase();
  }
}

const NAME_SELECTOR = /^metadata\.name==?([^,]*)$/;

/**
 * The attributes of a request on a resource path. As Kubernetes: a GET without a name is a
 * list (or a watch with `watch=true` or the `/watch/` prefix), and a list or watch whose field
 * selector pins `metadata.name` is authorized for that name; a DELETE without a name is a
 * deletecollection; a request on a namespace object is in that namespace.
 */
export function resourceAttributes(method: string, route: ResourceRoute, query: URLSearchParams): ResourceAttributes {
  let verb = methodVerb(method);
  let name = route.name ?? '';
  if (route.watchPath) verb = 'watch';
  else if (verb === 'get' && name === '') {
    const watch = query.get('watch');
    verb = watch === 'true' || watch === '1' ? 'watch' : 'list';
  } else if (verb === 'delete' && name === '') verb = 'deletecollection';
  if ((verb === 'list' || verb === 'watch') && name === '') {
    const m = NAME_SELECTOR.exec(query.get('fieldSelector') ?? '');
    if (m?.[1]) name = m[1];
  }
  const resource = route.resource.plural;
  const namespace = route.namespace ?? (resource === 'namespaces' && route.group === '' ? name : '');
  return {
    kind: 'resource',
    verb,
    apiGroup: route.group,
    apiVersion: route.version,
    resource,
    subresource: route.subresource ?? '',
    namespace,
    name,
  };
}

export function nonResourceAttributes(method: string, path: string): NonResourceAttributes {
  return { kind: 'nonResource', verb: methodVerb(method), path };
}

/** The resource with its subresource, `pods/log`, as RBAC rules and messages name it. */
export function combinedResource(a: ResourceAttributes): string {
  return a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
}

