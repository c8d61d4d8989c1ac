// Which requests belong to an extension API server, and what they ask for authorization. The
// aggregator has no resource table for a backend's group, so, as Kubernetes' RequestInfo
// parser does, the path alone says the resource, namespace, name and subresource.
import { methodVerb, type RequestAttributes } from '../authz/attributes.js';

export interface AggregatedPath {
  group: string;
  version: string;
  /** The segments after `/apis/{group}/{version}` (decoded). */
  rest: string[];
}

/** `/apis/{group}/{version}[/…]`, split; undefined for any other path. */
export function splitApisPath(pathname: string): AggregatedPath | undefined {
  if (!pathname.startsWith('/apis/')) return undefined;
  const seg = pathname.split('/').filter((s) => s !== '');
  const [, group, version, ...rest] = seg;
  if (!group || !version) return undefined;
  try {
    return { group: decodeURIComponent(group), version: decodeURIComponent(version), rest: rest.map((s) => decodeURIComponent(s)) };
  } catch {
    return undefined;
  }
}

/** Subresources of a namespace object itself (`namespaces/{ns}/status`), as RequestInfo knows them. */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

const NAME_SELECTOR = /^metadata\.name==?([^,]*)$/;

/**
 * The authorization attributes of a request to an aggregated group/version: the discovery
 * document (`/apis/{g}/{v}`) is a non-resource path; anything below it a resource request.
 */
export function aggregatedAttributes(method: string, pathname: string, p: AggregatedPath, query: URLSearchParams): RequestAttributes {
  let parts = p.rest;
  if (parts.length === 0) return { kind: 'nonResource', verb: methodVerb(method), path: pathname };
  let verb = methodVerb(method);
  let watchPath = false;
  if (parts[0] === 'watch') {
    watchPath = true;
    parts = parts.slice(1);
  }
  let namespace = '';
  if (parts[0] === 'namespaces' && parts.length > 1) {
    namespace = parts[1] ?? '';
    if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2] ?? '')) parts = parts.slice(2);
  }
  const [resource = '', nameSeg = '', subresource = ''] = parts;
  let name = nameSeg;
  if (watchPath) verb = 'watch';
  else if (verb === 'get' && name === '') {
    const watch = query.get('watch');
    verb = watch === 'true' || watch === '1' ? 'watch' : 'list';
  } else if (verb === 'delete' && name === '') verb = 'deletecollection';
  if ((verb === 'list' || verb === 'watch') && name === '') name = NAME_SELECTOR.exec(query.get('fieldSelector') ?? '')?.[1] ?? '';
  return { kind: 'resource', verb, apiGroup: p.group, apiVersion: p.version, resource, subresource, namespace, name };
}
