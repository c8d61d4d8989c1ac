// `/api/v1/namespaces/{ns}/services/{[scheme:]name[:port]}/proxy/{path}`: where a service proxy
// request goes, as Kubernetes' service ResourceLocation decides. A port number is first turned
// into the name of the service port that has it (503 `no service port N found for service
// "NAME"` when none does); no port means the unnamed port. Then, from the Service's Endpoints,
// starting at a random subset, a subset with an endpoint port of that name and, at random, one
// of its ready addresses whose targetRef is a pod of this namespace that has that IP: the
// request goes to that IP and the endpoint port. No Endpoints object is NotFound; an empty one
// or no usable address is 503 `no endpoints available for service "…"`.
import { ApiError } from '../../api/errors.js';
import { isPlainObject, type KubeObject } from '../../api/object.js';
import { findResource } from '../../api/resources.js';
import type { ResourceRoute } from '../routing.js';
import type { ServerContext } from './context.js';
import { portNumber, splitSchemeNamePort, type ProxyTarget } from './proxy-location.js';

type Plain = Record<string, unknown>;

export async function serviceProxyTarget(server: ServerContext, route: ResourceRoute): Promise<ProxyTarget> {
  const id = route.name ?? '';
  const ns = route.namespace;
  const { scheme, name, port } = splitSchemeNamePort(id, 'service');
  let portName = port;
  const asNumber = portNumber(port);
  if (asNumber !== undefined) {
    const service = (await get(server, 'services', ns, name)).obj;
    const spec = isPlainObject(service['spec']) ? service['spec'] : {};
    const match = list(spec['ports']).find((p) => p['port'] === asNumber);
    if (!match) throw new ApiError('ServiceUnavailable', `no service port ${asNumber} found for service "${name}"`);
    portName = typeof match['name'] === 'string' ? match['name'] : '';
  }
  const endpoints = (await get(server, 'endpoints', ns, name)).obj;
  const subsets = list(endpoints['subsets']);
  if (subsets.length === 0) throw new ApiError('ServiceUnavailable', `no endpoints available for service "${name}"`);
  const first = Math.floor(Math.random() * subsets.length);
  for (let s = 0; s < subsets.length; s++) {
    const subset = subsets[(first + s) % subsets.length] ?? {};
    const addresses = list(subset['addresses']);
    if (addresses.length === 0) continue;
    for (const p of list(subset['ports'])) {
      if ((typeof p['name'] === 'string' ? p['name'] : '') !== portName || typeof p['port'] !== 'number') continue;
      const start = Math.floor(Math.random() * addresses.length);
      for (let a = 0; a < addresses.length; a++) {
        const address = addresses[(start + a) % addresses.length] ?? {};
        const ip = address['ip'];
        if (typeof ip !== 'string' || !(await isPodAddress(server, ns, address, ip))) continue;
        return { scheme: scheme === 'https' ? 'https' : 'http', host: ip, port: p['port'] };
      }
    }
  }
  throw new ApiError('ServiceUnavailable', `no endpoints available for service "${id}"`);
}

/**
 * Kubernetes only proxies to an endpoint address that names, in its targetRef, a pod of the
 * request's namespace that has that IP (so Endpoints written by hand cannot send the API
 * server anywhere).
 */
async function isPodAddress(server: ServerContext, ns: string | undefined, address: Plain, ip: string): Promise<boolean> {
  const ref = isPlainObject(address['targetRef']) ? address['targetRef'] : undefined;
  if (!ref || ref['namespace'] !== ns || typeof ref['name'] !== 'string') return false;
  let pod: KubeObject;
  try {
    pod = (await get(server, 'pods', ns, ref['name'])).obj;
  } catch (err) {
    if (err instanceof ApiError && err.reason === 'NotFound') return false;
    throw err;
  }
  const status = isPlainObject(pod['status']) ? pod['status'] : {};
  return list(status['podIPs']).some((p) => p['ip'] === ip);
}

function get(server: ServerContext, plural: string, ns: string | undefined, name: string): Promise<{ obj: KubeObject }> {
  const resource = findResource('', 'v1', plural);
  if (!resource) throw ApiError.internal(`${plural} are not served`);
  return server.registries.for(resource).get(ns, name);
}

function list(v: unknown): Plain[] {
  return Array.isArray(v) ? v.filter(isPlainObject) : [];
}
