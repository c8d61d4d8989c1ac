// The proxy subresource of nodes, pods and services: each kind finds its backend
// (node-proxy.ts, pod-proxy.ts, service-proxy.ts), then the request, or its connection
// upgrade, is forwarded there (proxy-forward.ts).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError } from '../../api/errors.js';
import { notFoundPath, sendJson } from '../http/respond.js';
import type { ResourceRoute } from '../routing.js';
import type { RequestContext, ServerContext } from './context.js';
import { nodeProxyTarget } from './node-proxy.js';
import { podProxyTarget } from './pod-proxy.js';
import { checkProxyMethod, forwardHttp, forwardUpgrade } from './proxy-forward.js';
import type { ProxyTarget } from './proxy-location.js';
import { serviceProxyTarget } from './service-proxy.js';

function proxyTarget(server: ServerContext, route: ResourceRoute): Promise<ProxyTarget> {
  if (route.group === '') {
    switch (route.resource.plural) {
      case 'nodes':
        return nodeProxyTarget(server, route);
      case 'pods':
        return podProxyTarget(server, route);
      case 'services':
        return serviceProxyTarget(server, route);
    }
  }
  throw notFoundPath();
}

export async function proxyResource(ctx: RequestContext, route: ResourceRoute): Promise<void> {
  checkProxyMethod(ctx.req.method ?? 'GET');
  try {
    const target = await proxyTarget(ctx.server, route);
    await forwardHttp(ctx, route, target);
  } catch (err) {
    // Kubernetes' proxy 503s ("no endpoints available…", "error trying to reach service…") carry
    // no Retry-After: with one (what k8ts adds to other 503s), kubectl would retry each ten times.
    if (!(err instanceof ApiError) || err.code !== 503 || ctx.res.headersSent) throw err;
    sendJson(ctx.res, 503, err.toStatus());
  }
}

export async function proxyResourceUpgrade(server: ServerContext, req: IncomingMessage, socket: Duplex, head: Buffer, route: ResourceRoute, url: URL): Promise<void> {
  checkProxyMethod(req.method ?? 'GET');
  const target = await proxyTarget(server, route);
  await forwardUpgrade(req, socket, head, route, url, target);
}
