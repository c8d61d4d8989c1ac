// URL paths of the Kubernetes REST API, parsed into what they address.
import { findResource, type ResourceInfo } from '../api/resources.js';

export type Route =
  | { kind: 'apiVersions' } // /api
  | { kind: 'apiGroupList' } // /apis
  | { kind: 'apiGroup'; group: string } // /apis/{g}
  | { kind: 'resourceList'; group: string; version: string } // /api/v1, /apis/{g}/{v}
  | ResourceRoute
  | { kind: 'notFound' };

export interface ResourceRoute {
  kind: 'resource';
  group: string;
  version: string;
  resource: ResourceInfo;
  /** Set for namespaced paths (`namespaces/{ns}/…`); undefined lists across namespaces. */
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  /** Legacy `/watch/` path prefix. */
  watchPath: boolean;
  /** For `…/{name}/proxy/{path}`: the path to forward, `/` when none. */
  proxyPath?: string;
}

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

const HEALTH_PATH = /^\/(healthz|livez|readyz)(\/|$)/;

/** `/healthz`, `/livez`, `/readyz` and their individual checks (`/readyz/etcd`). */
export function isHealthPath(pathname: string): boolean {
  return HEALTH_PATH.test(pathname);
}

/** How a route finds the resource of a path: the built-in table unless told otherwise (a catalog with custom resources). */
export type ResourceLookup = (group: string, version: string, plural: string) => ResourceInfo | undefined;

export function parseRoute(pathname: string, lookup: ResourceLookup = findResource): Route {
  const seg: string[] = [];
  for (const part of pathname.split('/')) {
    if (part === '') continue;
    // Most segments hold no escapes: only those with a '%' are decoded.
    const decoded = part.includes('%') ? safeDecode(part) : part;
    if (decoded === undefined) return { kind: 'notFound' };
    seg.push(decoded);
  }
  let group: string;
  let version: string | undefined;
  let rest: string[];
  if (seg[0] === 'api') {
    if (seg.length === 1) return { kind: 'apiVersions' };
    group = '';
    version = seg[1];
    rest = seg.slice(2);
  } else if (seg[0] === 'apis') {
    if (seg.length === 1) return { kind: 'apiGroupList' };
    group = seg[1] ?? '';
    if (seg.length === 2) return { kind: 'apiGroup', group };
    version = seg[2];
    rest = seg.slice(3);
  } else {
    return { kind: 'notFound' };
  }
  if (!version) return { kind: 'notFound' };
  if (rest.length === 0) return { kind: 'resourceList', group, version };
  let watchPath = false;
  if (rest[0] === 'watch') {
    watchPath = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  // namespaces/{ns}/{plural}/… addresses a namespaced resource; namespaces/{name}[/status]
  // addresses the namespace itself.
  if (rest[0] === 'namespaces' && rest.length >= 3 && !NAMESPACE_SUBRESOURCES.has(rest[2] ?? '')) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, subresource, ...extra] = rest;
  if (!plural || (extra.length > 0 && subresource !== 'proxy')) return { kind: 'notFound' };
  const resource = lookup(group, version, plural);
  if (!resource) return { kind: 'notFound' };
  if (namespace !== undefined && !resource.namespaced) return { kind: 'notFound' };
  // A namespaced resource addressed by name needs its namespace.
  if (resource.namespaced && namespace === undefined && name !== undefined) return { kind: 'notFound' };
  const route: ResourceRoute = { kind: 'resource', group, version, resource, namespace, name, subresource, watchPath };
  if (subresource === 'proxy') route.proxyPath = `/${extra.map(encodeURIComponent).join('/')}`;
  return route;
}

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}
