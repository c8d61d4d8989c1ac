// `/api/v1/namespaces/{ns}/pods/{[scheme:]name[:port]}/proxy/{path}`: where a pod proxy
// request goes, as Kubernetes' pod ResourceLocation decides: the pod's primary IP
// (status.podIPs[0], else status.podIP) at the given port; with no port, the first port
// declared by any container, else the scheme's default (80, or 443 for https). https connects
// with TLS without checking the pod's certificate.
// Deviation: a port name is looked up among the pod's container ports. Kubernetes hands it to
// Go's dialer, which knows only /etc/services names; an unknown name fails the same way in
// both ("unknown port").
import { ApiError } from '../../api/errors.js';
import { isPlainObject, type KubeObject } from '../../api/object.js';
import { findResource } from '../../api/resources.js';
import type { ResourceRoute } from '../routing.js';
import type { ServerContext } from './context.js';
import { podAddressAllowed, portNumber, splitSchemeNamePort, type ProxyTarget } from './proxy-location.js';

export async function podProxyTarget(server: ServerContext, route: ResourceRoute): Promise<ProxyTarget> {
  const { scheme, name, port } = splitSchemeNamePort(route.name ?? '', 'pod');
  const pods = findResource('', 'v1', 'pods');
  if (!pods) throw ApiError.internal('pods are not served');
  const pod = (await server.registries.for(pods).get(route.namespace, name)).obj;
  const ports = containerPorts(pod);
  const chosen = port !== '' ? port : ports[0] !== undefined ? String(ports[0].port) : '';
  const ip = podIp(pod);
  if (!podAddressAllowed(ip)) throw ApiError.badRequest('address not allowed');
  const target: ProxyTarget = { scheme: scheme === 'https' ? 'https' : 'http', host: ip, port: 0 };
  if (chosen === '') target.port = target.scheme === 'https' ? 443 : 80;
  else target.port = portNumber(chosen) ?? ports.find((p) => p.name === chosen)?.port ?? unknownPort(chosen);
  if (target.port < 1 || target.port > 65535) throw new ApiError('ServiceUnavailable', `error trying to reach service: dial tcp: address ${chosen}: invalid port`);
  return target;
}

function unknownPort(name: string): never {
  throw new ApiError('ServiceUnavailable', `error trying to reach service: dial tcp: lookup tcp/${name}: unknown port`);
}

/** The pod's primary IP, "" when it has none yet. */
function podIp(pod: KubeObject): string {
  const status = isPlainObject(pod['status']) ? pod['status'] : {};
  const ips = Array.isArray(status['podIPs']) ? status['podIPs'].filter(isPlainObject) : [];
  const first = ips[0]?.['ip'];
  if (typeof first === 'string') return first;
  return typeof status['podIP'] === 'string' ? status['podIP'] : '';
}

/** Every container's ports in declaration order. */
function containerPorts(pod: KubeObject): { name: string | undefined; port: number }[] {
  const spec = isPlainObject(pod['spec']) ? pod['spec'] : {};
  const out: { name: string | undefined; port: number }[] = [];
  for (const c of Array.isArray(spec['containers']) ? spec['containers'].filter(isPlainObject) : []) {
    for (const p of Array.isArray(c['ports']) ? c['ports'].filter(isPlainObject) : []) {
      if (typeof p['containerPort'] !== 'number') continue;
      out.push({ name: typeof p['name'] === 'string' ? p['name'] : undefined, port: p['containerPort'] });
    }
  }
  return out;
}
