// `/api/v1/nodes/{[scheme:]name[:port]}/proxy/{path}`: where a node proxy request goes, as
// Kubernetes' node ResourceLocation decides. With no port, or the kubelet's port, it is the
// node's kubelet API (its address and port from the Node object, the API server's kubelet
// client credentials), as for `kubectl get --raw /api/v1/nodes/N/proxy/stats/summary`; another
// port is that port on the node's address, over the scheme asked for (http by default),
// without credentials. proxy-forward.ts relays the request.
import type { ResourceRoute } from '../routing.js';
import type { ServerContext } from './context.js';
import { kubeletEndpoint } from './kubelet-proxy.js';
import { portNumber, splitSchemeNamePort, type ProxyTarget } from './proxy-location.js';
import { ApiError } from '../../api/errors.js';

export async function nodeProxyTarget(server: ServerContext, route: ResourceRoute): Promise<ProxyTarget> {
  const { scheme, name, port } = splitSchemeNamePort(route.name ?? '', 'node');
  const client = server.kubelet;
  const kubelet = await kubeletEndpoint(server, name, client);
  const requested = portNumber(port);
  if (port === '' || requested === kubelet.port) {
    return { ...kubelet, tls: { ca: client.ca, cert: client.cert, key: client.key } };
  }
  if (requested === undefined || requested < 1 || requested > 65535) {
    throw new ApiError('ServiceUnavailable', `error trying to reach service: dial tcp: lookup tcp/${port}: unknown port`);
  }
  return { scheme: scheme === 'https' ? 'https' : 'http', host: kubelet.host, port: requested };
}
