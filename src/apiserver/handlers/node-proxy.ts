// `/api/v1/nodes/{name}/proxy/{path}`: a request forwarded to the node's kubelet API, as
// Kubernetes' API server does for `kubectl get --raw /api/v1/nodes/N/proxy/stats/summary`
// (also /metrics, /pods, /healthz). The method, query and body pass through; the answer's
// status, content type and body come back unchanged.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ApiError } from '../../api/errors.js';
import type { ResourceRoute } from '../routing.js';
import type { RequestContext } from './context.js';
import { kubeletEndpoint } from './kubelet-proxy.js';

export async function proxyNode(ctx: RequestContext, route: ResourceRoute): Promise<void> {
  const client = ctx.server.kubelet;
  const endpoint = await kubeletEndpoint(ctx.server, route.name ?? '', client);
  const path = `${route.proxyPath ?? '/'}${ctx.url.search}`;
  const method = ctx.req.method ?? 'GET';
  const headers: Record<string, string> = { accept: ctx.req.headers.accept ?? '*/*' };
  const type = ctx.req.headers['content-type'];
  if (type) headers['content-type'] = type;
  await new Promise<void>((resolve, reject) => {
    const options = { host: endpoint.host, port: endpoint.port, path, method, headers };
    const onResponse = (up: IncomingMessage): void => {
      const out: Record<string, string> = { 'Content-Type': up.headers['content-type'] ?? 'text/plain' };
      if (up.headers['content-length']) out['Content-Length'] = up.headers['content-length'];
      ctx.res.writeHead(up.statusCode ?? 502, out);
      up.pipe(ctx.res);
      up.on('end', resolve);
      up.on('error', () => {
        ctx.res.end();
        resolve();
      });
      ctx.res.on('close', () => {
        up.destroy();
        resolve();
      });
    };
    const upstream =
      endpoint.scheme === 'https'
        ? httpsRequest({ ...options, rejectUnauthorized: Boolean(client.ca), ca: client.ca, cert: client.cert, key: client.key }, onResponse)
        : httpRequest(options, onResponse);
    upstream.on('error', (err) => reject(new ApiError('ServiceUnavailable', `error trying to reach the kubelet of node ${route.name ?? ''}: ${err.message}`)));
    if (method === 'GET' || method === 'HEAD' || method === 'DELETE') upstream.end();
    else ctx.req.pipe(upstream);
  });
}
