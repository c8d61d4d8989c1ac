// Pod streams served by the kubelet of the pod's node: `log` over plain HTTP(S) proxying (its
// WebSocket form is pod-log-websocket.ts), `exec`/`attach`/`portforward` as a
// connection-upgrade pass-through (WebSocket or SPDY bytes are relayed untouched). The
// kubelet is found from the Node object: InternalIP and
// status.daemonEndpoints.kubeletEndpoint.Port, on the kubelet API paths
// (/containerLogs, /exec, /attach, /portForward).
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Duplex } from 'node:stream';
import { ApiError } from '../../api/errors.js';
import { findResource } from '../../api/resources.js';
import { isPlainObject } from '../../api/object.js';
import type { KubeObject } from '../../api/object.js';
import type { ResourceRoute } from '../routing.js';
import type { RequestContext, ServerContext } from './context.js';
import { spliceUpgrade } from './splice.js';

export interface KubeletEndpoint {
  scheme: 'http' | 'https';
  host: string;
  port: number;
}

/** How the API server reaches kubelets. */
export interface KubeletClientOptions {
  /** Default "https". Test doubles and in-process kubelets may use "http". */
  scheme?: 'http' | 'https';
  /** PEM client certificate and key presented to kubelets, and the CA their certs chain to. */
  cert?: string;
  key?: string;
  ca?: string;
}

export function rejectNonUpgradeStream(sub: string): never {
  throw ApiError.badRequest(`Upgrade request required: ${sub} needs a WebSocket or SPDY connection upgrade`);
}

async function podAndEndpoint(server: ServerContext, ns: string, podName: string, client: KubeletClientOptions): Promise<{ pod: KubeObject; endpoint: KubeletEndpoint }> {
  const pods = findResource('', 'v1', 'pods');
  if (!pods) throw ApiError.internal('pods are not served');
  const pod = (await server.registries.for(pods).get(ns, podName)).obj;
  const spec = isPlainObject(pod['spec']) ? pod['spec'] : {};
  const nodeName = spec['nodeName'];
  if (typeof nodeName !== 'string' || nodeName === '') {
    throw ApiError.badRequest(`pod ${podName} does not have a host assigned`);
  }
  return { pod, endpoint: await kubeletEndpoint(server, nodeName, client) };
}

/** Where the node's kubelet API listens, from its Node object. */
export async function kubeletEndpoint(server: ServerContext, nodeName: string, client: KubeletClientOptions): Promise<KubeletEndpoint> {
  const nodes = findResource('', 'v1', 'nodes');
  if (!nodes) throw ApiError.internal('nodes are not served');
  const node = (await server.registries.for(nodes).get(undefined, nodeName)).obj;
  const status = isPlainObject(node['status']) ? node['status'] : {};
  const addresses = Array.isArray(status['addresses']) ? status['addresses'].filter(isPlainObject) : [];
  const pick = (type: string): string | undefined => {
    const a = addresses.find((x) => x['type'] === type)?.['address'];
    return typeof a === 'string' ? a : undefined;
  };
  const host = pick('InternalIP') ?? pick('ExternalIP') ?? pick('Hostname');
  if (!host) throw new ApiError('ServiceUnavailable', `no address known for node ${nodeName}`);
  const de = isPlainObject(status['daemonEndpoints']) ? status['daemonEndpoints'] : {};
  const ke = isPlainObject(de['kubeletEndpoint']) ? de['kubeletEndpoint'] : {};
  const port = typeof ke['Port'] === 'number' && ke['Port'] > 0 ? ke['Port'] : 10250;
  return { scheme: client.scheme ?? 'https', host, port };
}

/** The container a request addresses: explicit, the default-container annotation, or the only one. */
function containerName(pod: KubeObject, requested: string | null): string {
  if (requested) return requested;
  const annotations = pod.metadata?.annotations ?? {};
  const annotated = annotations['kubectl.kubernetes.io/default-container'];
  if (annotated) return annotated;
  const spec = isPlainObject(pod['spec']) ? pod['spec'] : {};
  const names = (Array.isArray(spec['containers']) ? spec['containers'] : [])
    .map((c) => (isPlainObject(c) && typeof c['name'] === 'string' ? c['name'] : ''))
    .filter((n) => n !== '');
  if (names.length === 1 && names[0]) return names[0];
  throw ApiError.badRequest(`a container name must be specified for pod ${pod.metadata?.name ?? ''}, choose one of: [${names.join(' ')}]`);
}

function kubeletPath(sub: string, ns: string, pod: string, container: string, query: URLSearchParams): string {
  const q = new URLSearchParams(query);
  q.delete('container');
  const qs = q.toString();
  const tail = qs ? `?${qs}` : '';
  const e = encodeURIComponent;
  switch (sub) {
    case 'log':
      return `/containerLogs/${e(ns)}/${e(pod)}/${e(container)}${tail}`;
    case 'portforward':
      return `/portForward/${e(ns)}/${e(pod)}${tail}`;
    default:
      return `/${sub}/${e(ns)}/${e(pod)}/${e(container)}${tail}`;
  }
}

/** Where the kubelet serves a pods/log request: its endpoint and /containerLogs path. */
export async function podLogLocation(server: ServerContext, route: ResourceRoute, query: URLSearchParams): Promise<{ endpoint: KubeletEndpoint; path: string }> {
  const ns = route.namespace ?? '';
  const { pod, endpoint } = await podAndEndpoint(server, ns, route.name ?? '', server.kubelet);
  const container = containerName(pod, query.get('container'));
  return { endpoint, path: kubeletPath('log', ns, route.name ?? '', container, query) };
}

/** Starts one HTTP request to a kubelet, with the client credentials the API server holds. */
export function kubeletRequest(
  endpoint: KubeletEndpoint,
  client: KubeletClientOptions,
  o: { path: string; method: string; headers: Record<string, string> },
  onResponse: (res: IncomingMessage) => void,
): ClientRequest {
  const options = { host: endpoint.host, port: endpoint.port, path: o.path, method: o.method, headers: o.headers };
  return endpoint.scheme === 'https'
    ? httpsRequest({ ...options, rejectUnauthorized: Boolean(client.ca), ca: client.ca, cert: client.cert, key: client.key }, onResponse)
    : httpRequest(options, onResponse);
}

export async function proxyPodLog(ctx: RequestContext, route: ResourceRoute): Promise<void> {
  const kubeletClient = ctx.server.kubelet;
  const { endpoint, path } = await podLogLocation(ctx.server, route, ctx.url.searchParams);
  await relayFromKubelet(ctx, endpoint, kubeletClient, {
    path,
    method: 'GET',
    headers: { accept: '*/*' },
    // `kubectl logs -f` shows lines as they come: send the headers before the first one.
    flushHeaders: true,
    unreachable: "error talking to the kubelet of the pod's node",
  });
}

/**
 * One HTTP request to a kubelet, its answer streamed back to the client: status, content
 * type (and length, when the kubelet gave one) and body. A request body is piped up for
 * methods that carry one. The client going away aborts the upstream request.
 */
export function relayFromKubelet(
  ctx: RequestContext,
  endpoint: KubeletEndpoint,
  client: KubeletClientOptions,
  o: { path: string; method: string; headers: Record<string, string>; flushHeaders?: boolean; unreachable: string },
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onResponse = (up: IncomingMessage): void => {
      const out: Record<string, string> = { 'Content-Type': up.headers['content-type'] ?? 'text/plain' };
      if (up.headers['content-length']) out['Content-Length'] = up.headers['content-length'];
      ctx.res.writeHead(up.statusCode ?? 502, out);
      if (o.flushHeaders) ctx.res.flushHeaders();
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
    const upstream = kubeletRequest(endpoint, client, o, onResponse);
    upstream.on('error', (err) => reject(new ApiError('ServiceUnavailable', `${o.unreachable}: ${err.message}`)));
    if (o.method === 'GET' || o.method === 'HEAD' || o.method === 'DELETE') upstream.end();
    else ctx.req.pipe(upstream);
  });
}

/**
 * Relays an upgrade request (exec, attach, portforward) to the kubelet: the request line is
 * rewritten to the kubelet path, headers are forwarded, then bytes flow both ways untouched.
 */
export async function proxyUpgrade(server: ServerContext, req: IncomingMessage, socket: Duplex, head: Buffer, route: ResourceRoute, url: URL): Promise<void> {
  const ns = route.namespace ?? '';
  const sub = route.subresource ?? '';
  const kubeletClient = server.kubelet;
  const { pod, endpoint } = await podAndEndpoint(server, ns, route.name ?? '', kubeletClient);
  const container = sub === 'portforward' ? '' : containerName(pod, url.searchParams.get('container'));
  const path = kubeletPath(sub, ns, route.name ?? '', container, url.searchParams);
  const upstream: Socket = await new Promise((resolve, reject) => {
    const s =
      endpoint.scheme === 'https'
        ? tlsConnect({ host: endpoint.host, port: endpoint.port, rejectUnauthorized: Boolean(kubeletClient.ca), ca: kubeletClient.ca, cert: kubeletClient.cert, key: kubeletClient.key, servername: undefined }, () => resolve(s))
        : netConnect({ host: endpoint.host, port: endpoint.port }, () => resolve(s));
    s.once('error', (err) => reject(new ApiError('ServiceUnavailable', `error dialing the kubelet of the pod's node: ${err.message}`)));
  });
  const lines = [`${req.method ?? 'GET'} ${path} HTTP/1.1`];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] ?? '';
    const lower = name.toLowerCase();
    if (lower === 'authorization' || lower === 'host') continue;
    lines.push(`${name}: ${req.rawHeaders[i + 1] ?? ''}`);
  }
  lines.push(`Host: ${endpoint.host}:${endpoint.port}`);
  spliceUpgrade(upstream, socket, `${lines.join('\r\n')}\r\n\r\n`, head);
}
