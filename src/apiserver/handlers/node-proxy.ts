// `/api/v1/nodes/{name}/proxy/{path}`: a request forwarded to the node's kubelet API, as
// Kubernetes' API server does for `kubectl get --raw /api/v1/nodes/N/proxy/stats/summary`
// (also /metrics, /pods, /healthz). The method, query and body pass through; the answer's
// status, content type and body come back unchanged.
import type { ResourceRoute } from '../routing.js';
import type { RequestContext } from './context.js';
import { kubeletEndpoint, relayFromKubelet } from './kubelet-proxy.js';

export async function proxyNode(ctx: RequestContext, route: ResourceRoute): Promise<void> {
  const client = ctx.server.kubelet;
  const endpoint = await kubeletEndpoint(ctx.server, route.name ?? '', client);
  const path = `${route.proxyPath ?? '/'}${ctx.url.search}`;
  const method = ctx.req.method ?? 'GET';
  const headers: Record<string, string> = { accept: ctx.req.headers.accept ?? '*/*' };
  const type = ctx.req.headers['content-type'];
  if (type) headers['content-type'] = type;
  await relayFromKubelet(ctx, endpoint, client, {
    path,
    method,
    headers,
    unreachable: `error trying to reach the kubelet of node ${route.name ?? ''}`,
  });
}
