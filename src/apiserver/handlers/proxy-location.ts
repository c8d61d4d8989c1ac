// Where a `…/{name}/proxy/{path}` request goes: the backend (scheme, address, port, TLS) and the
// pieces of the request path, shared by nodes/proxy, pods/proxy and services/proxy.
import { isIP } from 'node:net';
import { ApiError } from '../../api/errors.js';
import type { ResourceRoute } from '../routing.js';

export interface ProxyTarget {
  scheme: 'http' | 'https';
  /** An IP address (or a host name). */
  host: string;
  port: number;
  /**
   * For https: the CA to verify the backend with and a client certificate to present (the
   * kubelet's). Without a CA the backend's certificate is not verified, as Kubernetes does for
   * pods and services.
   */
  tls?: { ca?: string; cert?: string; key?: string };
}

/** `host:port`, with brackets around an IPv6 address. */
export function hostPort(t: Pick<ProxyTarget, 'host' | 'port'>): string {
  return isIP(t.host) === 6 ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`;
}

/**
 * The name part of a proxy URL, `name`, `name:port` or `scheme:name:port` (scheme http or
 * https, port a number or a name), as Kubernetes splits it; anything else is a BadRequest
 * `invalid {kind} request "{id}"`.
 */
export function splitSchemeNamePort(id: string, kind: string): { scheme: 'http' | 'https' | ''; name: string; port: string } {
  const parts = id.split(':');
  const [a = '', b = '', c = ''] = parts;
  const split =
    parts.length === 1 ? { scheme: '', name: a, port: '' } : parts.length === 2 ? { scheme: '', name: a, port: b } : parts.length === 3 ? { scheme: a, name: b, port: c } : undefined;
  if (!split || split.name === '' || (split.scheme !== '' && split.scheme !== 'http' && split.scheme !== 'https')) {
    throw ApiError.badRequest(`invalid ${kind} request "${id}"`);
  }
  return { scheme: split.scheme as 'http' | 'https' | '', name: split.name, port: split.port };
}

/** A port written as a number (Go's strconv.ParseInt: digits with an optional sign). */
export function portNumber(port: string): number | undefined {
  return /^[+-]?\d+$/.test(port) ? Number(port) : undefined;
}

/**
 * The request path split after its `proxy` segment: `prefix` is everything up to and
 * including it, `rest` what follows, as the client sent it (escapes and a trailing slash
 * kept): "" for `…/proxy`, "/" for `…/proxy/`.
 */
export function splitProxyPath(pathname: string, route: ResourceRoute): { prefix: string; rest: string } {
  // The segments routing read before the path: api/v1 or apis/{g}/{v}, watch, namespaces/{ns},
  // then {plural}/{name}/proxy. Empty segments do not count (routing skips them too).
  const needed = (route.group === '' ? 2 : 3) + (route.watchPath ? 1 : 0) + (route.namespace !== undefined ? 2 : 0) + 3;
  let seen = 0;
  let i = 0;
  while (seen < needed && i < pathname.length) {
    while (pathname[i] === '/') i++;
    if (i >= pathname.length) break;
    const slash = pathname.indexOf('/', i);
    i = slash < 0 ? pathname.length : slash;
    seen++;
  }
  return { prefix: pathname.slice(0, i), rest: pathname.slice(i) };
}

/**
 * Whether a pod IP may be proxied to. Kubernetes allows only global unicast addresses ("address
 * not allowed" otherwise). Deviation: k8ts also allows loopback, because pods of the process
 * runtime share the host's network and report the node's address, which may be 127.0.0.1; the
 * unspecified, link-local, multicast and broadcast addresses stay refused.
 */
export function podAddressAllowed(ip: string): boolean {
  const family = isIP(ip);
  if (family === 4) {
    const [a = 0, b = 0] = ip.split('.').map(Number);
    if (ip === '0.0.0.0' || ip === '255.255.255.255') return false;
    if (a >= 224) return false;
    if (a === 169 && b === 254) return false;
    return a !== 0;
  }
  if (family === 6) {
    const lower = ip.toLowerCase();
    if (lower === '::') return false;
    if (lower.startsWith('ff')) return false;
    if (/^fe[89ab]/.test(lower)) return false;
    return true;
  }
  return false;
}
