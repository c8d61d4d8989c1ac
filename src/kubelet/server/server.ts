// The kubelet's HTTP(S) endpoint (port 10250 in Kubernetes): what the API server proxies
// `kubectl logs | exec | attach | port-forward` to, plus /healthz, /pods, /stats/summary and
// /metrics. Pods are looked up through callbacks so this file knows nothing of pod workers.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { ApiError } from '../../api/errors.js';
import { PROMETHEUS_TEXT_TYPE } from '../../api/prometheus-text.js';
import type { Logger } from '../../log.js';
import { WebSocketAcceptor } from '../../streaming/websocket-upgrade.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { logErrorToApiError, parseLogOptions, streamLogs, type ReadLogs } from './logs.js';
import { renderMetrics, RequestCounter } from './metrics.js';
import { parseKubeletPath, type KubeletRoute } from './paths.js';
import { rejectUpgrade, serveCommand, servePortForwardUpgrade, type StreamingContext } from './streams.js';

export type { ContainerLogRequest, LogOptions, ReadLogs } from './logs.js';
export { LogRequestError } from './logs.js';

/** What the kubelet knows of a pod it runs. */
export interface ResolvedPod {
  uid: string;
  sandboxId: string;
  /** Container name → id of its current (or most recent) container. */
  containers: ReadonlyMap<string, string>;
}

/** Who is calling: the TLS client certificate and/or bearer token. */
export interface KubeletCaller {
  method: string;
  path: string;
  /** Present when the client presented a certificate; `authorized` says it chains to clientCA. */
  certificate?: PeerCertificate;
  authorized: boolean;
  token?: string;
}

export interface KubeletServerOptions {
  runtime: ContainerRuntime;
  /** Default "0.0.0.0". */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** PEM strings; omitted → plain HTTP (tests, in-process clusters). */
  tls?: { cert: string; key: string; clientCA: string };
  /**
   * Decides whether a caller may use the API. Default: with TLS, a client certificate that
   * chains to clientCA; without TLS, everyone.
   */
  authorize?: (caller: KubeletCaller) => boolean | Promise<boolean>;
  /** The pod of this node with that name, if any. May throw LogRequestError / ApiError. */
  resolvePod: (namespace: string, name: string) => ResolvedPod | undefined | Promise<ResolvedPod | undefined>;
  readLogs: ReadLogs;
  /** This node's pods (served as a PodList at /pods). */
  listPods?: () => readonly unknown[] | Promise<readonly unknown[]>;
  /** The stats/v1alpha1 Summary served at /stats/summary. */
  statsSummary?: () => unknown;
  log: Logger;
  /** Default 30 s, as the kubelet's --streaming-connection... stream creation timeout. */
  streamCreationTimeoutMs?: number;
}

export interface RunningKubeletServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, err: ApiError): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJson(res, err.code, err.toStatus());
}

function bearerToken(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

/** The metric label for a request: the first path segment, as the kubelet reports it. */
function metricPath(route: KubeletRoute): string {
  return route.kind === 'statsSummary' ? 'stats' : route.kind;
}

export async function startKubeletServer(options: KubeletServerOptions): Promise<RunningKubeletServer> {
  const log = options.log;
  const acceptor = new WebSocketAcceptor();
  const requests = new RequestCounter();
  const streaming: StreamingContext = {
    runtime: options.runtime,
    acceptor,
    streamCreationTimeoutMs: options.streamCreationTimeoutMs ?? 30_000,
    log,
  };

  const authorize = async (req: IncomingMessage, path: string): Promise<ApiError | undefined> => {
    const socket = req.socket as Partial<TLSSocket>;
    const cert = options.tls && typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
    const caller: KubeletCaller = {
      method: req.method ?? 'GET',
      path,
      authorized: socket.authorized === true,
      ...(cert && Object.keys(cert).length > 0 ? { certificate: cert } : {}),
      ...(bearerToken(req) ? { token: bearerToken(req) } : {}),
    };
    const allowed = options.authorize ? await options.authorize(caller) : !options.tls || caller.authorized;
    if (allowed) return undefined;
    if (!caller.certificate && !caller.token) return new ApiError('Unauthorized', 'Unauthorized');
    return new ApiError('Forbidden', `Forbidden (user cannot ${caller.method} ${path})`);
  };

  const findPod = async (namespace: string, name: string, uid?: string): Promise<ResolvedPod> => {
    const pod = await options.resolvePod(namespace, name);
    if (!pod || (uid !== undefined && uid !== pod.uid)) throw new ApiError('NotFound', `pod "${name}" in namespace "${namespace}" not found`);
    return pod;
  };

  const containerOf = (pod: ResolvedPod, name: string, podName: string): string => {
    const id = pod.containers.get(name);
    if (!id) throw new ApiError('NotFound', `container "${name}" in pod "${podName}" not found`);
    return id;
  };

  const onRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://kubelet');
    const route = parseKubeletPath(url.pathname);
    requests.add(req.method ?? 'GET', metricPath(route));
    const denied = await authorize(req, url.pathname);
    if (denied) return sendError(res, denied);
    if (req.method !== 'GET' && req.method !== 'HEAD' && route.kind !== 'exec' && route.kind !== 'attach' && route.kind !== 'portForward') {
      return sendError(res, new ApiError('MethodNotAllowed', `${req.method ?? ''} is not supported on ${url.pathname}`));
    }
    switch (route.kind) {
      case 'healthz':
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('ok');
        return;
      case 'pods': {
        const items = options.listPods ? await options.listPods() : [];
        return sendJson(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items });
      }
      case 'statsSummary':
        if (!options.statsSummary) throw new ApiError('NotFound', 'stats are not available on this node');
        return sendJson(res, 200, await options.statsSummary());
      case 'metrics': {
        const text = await renderMetrics(options.runtime, requests);
        res.writeHead(200, { 'Content-Type': PROMETHEUS_TEXT_TYPE });
        res.end(text);
        return;
      }
      case 'containerLogs': {
        const logOptions = parseLogOptions(url.searchParams);
        const pod = await findPod(route.namespace, route.pod);
        const containerId = containerOf(pod, route.container, route.pod);
        const request = { ...logOptions, namespace: route.namespace, pod: route.pod, container: route.container, containerId, sandboxId: pod.sandboxId };
        return streamLogs(res, request, options.readLogs, (err) => sendError(res, err));
      }
      case 'exec':
      case 'attach':
      case 'portForward':
        throw ApiError.badRequest('Upgrade request required: use a WebSocket or SPDY/3.1 connection upgrade');
      case 'notFound':
        throw new ApiError('NotFound', `the server could not find the requested resource ${url.pathname}`);
    }
  };

  const onUpgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://kubelet');
    const route = parseKubeletPath(url.pathname);
    requests.add(req.method ?? 'GET', metricPath(route));
    const denied = await authorize(req, url.pathname);
    if (denied) return rejectUpgrade(socket, denied);
    switch (route.kind) {
      case 'exec':
      case 'attach': {
        const pod = await findPod(route.namespace, route.pod, route.uid);
        const containerId = containerOf(pod, route.container, route.pod);
        return serveCommand(streaming, req, socket, head, { kind: route.kind, containerId }, url.searchParams);
      }
      case 'portForward': {
        const pod = await findPod(route.namespace, route.pod, route.uid);
        return servePortForwardUpgrade(streaming, req, socket, head, { sandboxId: pod.sandboxId, describe: `${route.pod}, uid ${pod.uid}` });
      }
      default:
        return rejectUpgrade(socket, new ApiError('NotFound', `no upgrade is served at ${url.pathname}`));
    }
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    onRequest(req, res).catch((err: unknown) => {
      const apiErr = logErrorToApiError(err);
      if (apiErr.code >= 500) log.error(`${req.method ?? '?'} ${req.url ?? ''}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      sendError(res, apiErr);
    });
  };

  const http: Server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key, ca: options.tls.clientCA, requestCert: true, rejectUnauthorized: false }, handle)
    : createHttpServer(handle);
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    onUpgrade(req, socket, head).catch((err: unknown) => {
      const apiErr = logErrorToApiError(err);
      if (apiErr.code >= 500) log.error(`upgrade ${req.url ?? ''}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      if (socket.writable) rejectUpgrade(socket, apiErr);
      else socket.destroy();
    });
  });
  http.on('clientError', (_err, socket: Duplex) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  const sockets = new Set<Socket>();
  const track = (s: Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };
  http.on(options.tls ? 'secureConnection' : 'connection', track);

  const host = options.host ?? '0.0.0.0';
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  log.info(`serving the kubelet API on ${host}:${port}`);
  return {
    port,
    url: `${options.tls ? 'https' : 'http'}://${urlHost}:${port}`,
    close: async () => {
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      for (const s of sockets) s.destroy();
      acceptor.close();
      await closed;
    },
  };
}
