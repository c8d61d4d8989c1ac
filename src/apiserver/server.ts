// The Kubernetes API server over HTTP(S): authentication, routing to discovery, OpenAPI,
// health and the resource handlers, and Status answers for every failure.
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ApiError } from '../api/errors.js';
import { PROMETHEUS_TEXT_TYPE } from '../api/prometheus-text.js';
import { findResource } from '../api/resources.js';
import type { Storage } from '../storage/storage.js';
import { allowsAnonymous, authenticate } from './authn/authenticate.js';
import { ServiceAccountTokens } from './authn/service-account-tokens.js';
import { watchCacheLookup } from './authn/bound-objects.js';
import { tokenAuthenticator } from './authn/token-authenticator.js';
import type { UserInfo } from './authn/user.js';
import { ANONYMOUS, SYSTEM_APISERVER } from './authn/user.js';
import { impersonate, wantsImpersonation } from './authn/impersonate.js';
import { nonResourceAttributes, resourceAttributes, type RequestAttributes } from './authz/attributes.js';
import { alwaysAllow, isSuperuser, RbacAuthorizer, type AuthorizationMode, type Authorizer } from './authz/authorizer.js';
import { ensureBootstrapPolicy } from './authz/bootstrap-policy.js';
import { forbidden } from './authz/forbidden.js';
import { EscalationCheck } from './authz/escalation.js';
import { RbacIndex } from './authz/rbac-index.js';
import { Dispatcher } from './flow-control/dispatcher.js';
import { classify } from './flow-control/levels.js';
import { DEFAULT_TUNING, type RequestContext, type ServerContext, type ServerTuning } from './handlers/context.js';
import { Discovery } from './handlers/discovery.js';
import { serveHealth, serveVersion, type HealthCheck } from './handlers/health.js';
import { proxyUpgrade, type KubeletClientOptions } from './handlers/kubelet-proxy.js';
import { servePodLogWebSocket } from './handlers/pod-log-websocket.js';
import { proxyResourceUpgrade } from './handlers/resource-proxy.js';
import { isWatch } from './handlers/query.js';
import { handleResource } from './handlers/rest.js';
import { IssuerDiscovery, isIssuerDiscoveryPath, JWKS_PATH, OPENID_CONFIGURATION_PATH } from './handlers/issuer-discovery.js';
import { serveOpenApi } from './handlers/openapi.js';
import { notFoundPath, sendBytes, sendError, sendJson } from './http/respond.js';
import { UnknownFieldChecker } from './http/unknown-fields.js';
import { requestUrl } from './http/request-url.js';
import { createOpenApi, type OpenApiService } from './openapi/openapi.js';
import { Registries } from './registry/registries.js';
import { ServiceAllocator } from './registry/ipallocator/service-allocator.js';
import { DEFAULT_NODE_PORT_RANGE, DEFAULT_SERVICE_CIDR, firstServiceIp } from './registry/ipallocator/ranges.js';
import { isPod, isService } from './registry/kinds.js';
import { runtimeClassAdmission } from './admission/runtime-class.js';
import { serviceAccountAdmission } from './admission/service-account.js';
import { storedServiceAccounts } from './admission/service-account-lookup.js';
import { storedRuntimeClasses } from './admission/runtime-class-lookup.js';
import { chainHooks } from './admission/chain-hooks.js';
import { ResourceQuotaAdmission } from './admission/resource-quota.js';
import { storedQuotas } from './admission/resource-quota-store.js';
import { limitRangerHooks } from './admission/limit-ranger.js';
import { cachedLimitRanges } from './admission/limit-ranger-lookup.js';
import { priorityHooks } from './admission/priority.js';
import { WebhookAdmission } from './admission/webhook/admission.js';
import { cachedPriorityClasses } from './admission/priority-lookup.js';
import { ensureSystemPriorityClasses } from './system-priority-classes.js';
import { defaultAdvertiseAddress, reconcileKubernetesService, removeFromKubernetesEndpoints, type KubernetesServiceOptions } from './kubernetes-service.js';
import { ApiServerMetrics } from './metrics.js';
import { DEFAULT_COMPACTION_INTERVAL_MS, storageCompactor } from './compaction.js';
import { isHealthPath, parseRoute } from './routing.js';
import { WebSocketAcceptor } from '../streaming/websocket-upgrade.js';
import { ResourceCatalog } from './crd/catalog.js';
import { CrdController } from './crd/controller.js';
import { CustomResourceFieldChecker } from './crd/field-checker.js';
import { withCustomResources } from './crd/openapi.js';
import { Aggregator } from './aggregator/aggregator.js';
import type { ProxyClientCert } from './aggregator/backend.js';
import { createIfMissing } from './registry/system-writes.js';

export type { UserInfo } from './authn/user.js';
export { AUTHORIZATION_MODES, type AuthorizationMode } from './authz/authorizer.js';

export interface ApiServerOptions {
  storage: Storage;
  /** Default "127.0.0.1". */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** PEM strings. Omitted → plain HTTP (tests only). */
  tls?: { cert: string; key: string; clientCA: string };
  /** Bearer tokens → users (admin token, node join token …). */
  tokens?: ReadonlyMap<string, UserInfo>;
  /** Problems worth an operator's attention (internal errors, cache resets). */
  log?: (line: string) => void;
  /** One line per request (debug aid; off by default), through `requestLog` or else `log`. */
  logRequests?: boolean;
  requestLog?: (line: string) => void;
  /** How to reach kubelets for logs, exec, attach and port-forward. */
  kubelet?: KubeletClientOptions;
  /** PEM private key (RSA or ECDSA) signing service account tokens; a fresh RSA key per process when omitted. */
  serviceAccountKey?: string;
  /** Timeouts and limits; tests and benchmarks shorten them. */
  tuning?: Partial<ServerTuning>;
  /** Clock in ms since the epoch (tests). */
  now?: () => number;
  /** IPv4 CIDR Service cluster IPs come from (--service-cluster-ip-range); default 10.43.0.0/16. */
  serviceClusterIpRange?: string;
  /** Node ports for NodePort/LoadBalancer Services, "min-max" (--service-node-port-range); default 30000-32767. */
  serviceNodePortRange?: string;
  /**
   * Also serve on this Unix domain socket (plain HTTP, mode 0600), for clients on this machine:
   * a request there skips the TCP/IP stack (compare `bench/controllers.ts` with CONNECT=tcp).
   * The same handler answers: clients authenticate with a bearer token (no TLS, so no client
   * certificates there).
   */
  socketPath?: string;
  /** The address the `kubernetes` Endpoints name for this server; default the host's first non-internal IPv4. */
  advertiseAddress?: string;
  /** How often the `kubernetes` Service and Endpoints are checked (default 10 s) and allocations repaired (default 3 min). */
  kubernetesServiceIntervalMs?: number;
  allocationRepairIntervalMs?: number;
  /** How often the storage's history is compacted (default 5 min, as kube-apiserver); 0 never. */
  compactionIntervalMs?: number;
  /**
   * How requests are authorized (--authorization-mode): RBAC (default; members of
   * `system:masters` are always allowed) or AlwaysAllow (every authenticated request).
   */
  authorizationMode?: AuthorizationMode;
  /**
   * Kubernetes' ServiceAccount admission for new pods (default on, as in kube-apiserver). Only
   * test harnesses that run no serviceaccount controller turn it off: no `default` account ever
   * appears there, so every pod would be refused.
   */
  serviceAccountAdmission?: boolean;
  /**
   * The client certificate presented to extension API servers (kube-apiserver's
   * --proxy-client-cert-file/--proxy-client-key-file) and the CA that signed it
   * (--requestheader-client-ca-file, published in kube-system/extension-apiserver-authentication).
   */
  frontProxy?: ProxyClientCert & { caCert: string };
  /** How often every APIService's availability is checked again (default 30 s). */
  apiServiceCheckIntervalMs?: number;
}

export interface RunningApiServer {
  url: string;
  port: number;
  /** The Unix domain socket also served (ApiServerOptions.socketPath). */
  socketPath?: string;
  close(): Promise<void>;
  /** The registries, for in-process callers that bypass HTTP. */
  readonly registries: Registries;
  /** The HTTP request listener, for in-process clients (src/client/in-process.ts) that skip the socket. */
  handle(req: IncomingMessage, res: ServerResponse): void;
}

const BOOTSTRAP_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** How long an idle keep-alive connection stays open. */
const IDLE_CONNECTION_TIMEOUT_MS = 90_000;

export async function startApiServer(options: ApiServerOptions): Promise<RunningApiServer> {
  const log = options.log ?? (() => undefined);
  const allocator = new ServiceAllocator({
    storage: options.storage,
    clusterIpRange: options.serviceClusterIpRange ?? DEFAULT_SERVICE_CIDR,
    nodePortRange: options.serviceNodePortRange ?? DEFAULT_NODE_PORT_RANGE,
    now: options.now,
    log,
  });
  const serviceAccounts = options.serviceAccountAdmission === false ? undefined : serviceAccountAdmission({ lookup: storedServiceAccounts(options.storage) });
  const podAdmission = chainHooks(serviceAccounts, runtimeClassAdmission(storedRuntimeClasses(options.storage)));
  // Admission reads through the registries it is a hook of, hence the getters.
  const limitRanges = cachedLimitRanges(() => registries);
  const priorityClasses = cachedPriorityClasses(() => registries);
  // Quota admission charges quotas through the registries it is a hook of, hence the getter.
  const quotaAdmission = new ResourceQuotaAdmission(storedQuotas(options.storage, () => registries), log);
  const webhooks = new WebhookAdmission({ registries: () => registries, log });
  // RBAC's escalation check needs the index and authorizer built below, read at write time.
  const escalation = new EscalationCheck(() => (rbac ? { authorizer, index: rbac, registries } : undefined));
  const registries: Registries = new Registries({
    storage: options.storage,
    now: options.now,
    log,
    // Kubernetes' order: LimitRanger, Priority, kind-specific (RuntimeClass; RBAC's escalation
    // check, which Kubernetes makes in its RBAC storage), admission webhooks, quota last.
    hooks: (r) => chainHooks(
      limitRangerHooks(r, limitRanges),
      priorityHooks(r, priorityClasses),
      isService(r) ? allocator : isPod(r) ? podAdmission : undefined,
      escalation.hooksFor(r),
      webhooks.hooksFor(r),
      quotaAdmission.hooksFor(r),
    ),
  });
  // Built-in resources plus the custom resources of established CRDs (the CRD controller's).
  const catalog = new ResourceCatalog();
  const lookup = (group: string, version: string, plural: string) => catalog.find(group, version, plural);
  let openapi: OpenApiService | undefined;
  let openapiFailed = false;
  const getOpenApi = (): OpenApiService | undefined => {
    if (!openapi && !openapiFailed) {
      try {
        openapi = createOpenApi(catalog.all(), (base) => withCustomResources(base, catalog.custom()));
      } catch (err) {
        openapiFailed = true;
        log(`openapi unavailable: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return openapi;
  };
  const saTokens = new ServiceAccountTokens({ signingKey: options.serviceAccountKey });
  const authenticateToken = tokenAuthenticator({
    staticTokens: options.tokens ?? new Map<string, UserInfo>(),
    serviceAccountTokens: saTokens,
    objects: watchCacheLookup(registries),
    now: registries.now,
  });
  const advertised = options.advertiseAddress ?? defaultAdvertiseAddress(wildcardHost(options.host) ? '127.0.0.1' : (options.host ?? '127.0.0.1'));
  // Requests arrive only once `http` listens, so its port is known by then.
  const issuerDiscovery = new IssuerDiscovery(saTokens, () => hostPort(advertised, (http.address() as AddressInfo).port));
  const rbac = (options.authorizationMode ?? 'RBAC') === 'RBAC' ? new RbacIndex(registries, log) : undefined;
  const authorizer: Authorizer = rbac ? new RbacAuthorizer(rbac) : alwaysAllow;
  const server: ServerContext = {
    registries,
    authorizer,
    openapi: getOpenApi,
    fieldChecker: new UnknownFieldChecker(undefined),
    serviceAccountTokens: saTokens,
    authenticateToken,
    tuning: { ...DEFAULT_TUNING, ...options.tuning },
    kubelet: options.kubelet ?? {},
    log,
  };
  // The checker reads schemas lazily, so it can be built before OpenAPI is first used.
  server.fieldChecker = new CustomResourceFieldChecker({
    v3Index: () => mustOpenApi(getOpenApi).v3Index(),
    v3Document: (p) => getOpenApi()?.v3Document(p),
    v2Json: () => mustOpenApi(getOpenApi).v2Json(),
    v2Protobuf: () => mustOpenApi(getOpenApi).v2Protobuf(),
  }, catalog);
  const discovery = new Discovery(catalog);
  catalog.onChange((change) => {
    discovery.invalidate();
    // Only custom resources are in the OpenAPI documents (aggregated groups are not): rebuilt on
    // next use when one came or went.
    if (!change.added && !change.removed) return;
    openapi = undefined;
    openapiFailed = false;
  });
  const crds = new CrdController({ registries, catalog, log });
  const aggregator = new Aggregator({
    registries,
    catalog,
    ...(options.frontProxy ? { frontProxy: options.frontProxy } : {}),
    ...(options.tls ? { clientCA: options.tls.clientCA } : {}),
    log,
    checkIntervalMs: options.apiServiceCheckIntervalMs,
    now: registries.now,
  });
  const checks: HealthCheck[] = [
    { name: 'ping', check: async () => undefined },
    { name: 'etcd', check: async () => void (await options.storage.currentRevision()) },
  ];

  await allocator.repair();
  await bootstrap(registries);
  await crds.start();
  await ensureBootstrapPolicy(registries);
  await rbac?.start();
  await aggregator.start();
  /** Throws the 403 Kubernetes answers when `user` may not do `a`. */
  const authorize = (user: UserInfo, a: RequestAttributes): void => {
    const decision = authorizer.authorize(user, a);
    if (!decision.allowed) throw forbidden(user, a, decision.reason);
  };
  /** The user a request acts as: the authenticated one or, with Impersonate-* headers, the one it may impersonate. */
  const actingUser = (req: IncomingMessage, user: UserInfo | undefined): UserInfo => {
    if (!user) return ANONYMOUS;
    return wantsImpersonation(req) ? impersonate(req, user, authorize) : user;
  };
  await webhooks.start();

  const flowControl = new Dispatcher((err) => log(`starting a request failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`));
  const metrics = new ApiServerMetrics();
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const started = Date.now();
    const arrivedAt = performance.now();
    if (options.logRequests) {
      const requestLog = options.requestLog ?? log;
      res.on('finish', () => requestLog(`${req.method ?? '?'} ${req.url ?? ''} ${res.statusCode} ${Date.now() - started}ms`));
    }
    const admit = (user: UserInfo | undefined): void => flowControl.submit(classify(user, req.url ?? '/'), () => {
      // A client that hung up while its request waited gets no answer.
      if (req.socket?.destroyed) return;
      dispatch(req, res, user, arrivedAt).catch((err: unknown) => failRequest(res, err, log, req));
    });
    const user = authenticate(req, authenticateToken);
    if (user instanceof Promise) user.then(admit, (err: unknown) => failRequest(res, err, log, req));
    else admit(user);
  };

  const dispatch = async (req: IncomingMessage, res: ServerResponse, user: UserInfo | undefined, arrivedAt: number): Promise<void> => {
    const url = requestUrl(req.url ?? '/');
    const path = url.pathname;
    if (!user && !allowsAnonymous(path)) {
      throw new ApiError('Unauthorized', 'Unauthorized', {});
    }
    const actor = actingUser(req, user);
    const method = req.method ?? 'GET';
    // A group/version of an extension API server: authorized here, then proxied (kube-aggregator).
    const aggregated = aggregator.match(path);
    if (aggregated) {
      if (!isSuperuser(actor)) authorize(actor, aggregator.attributes(method, path, aggregated, url.searchParams));
      return aggregator.serve(req, res, actor, aggregated);
    }
    const route = parseRoute(path, lookup);
    // Members of system:masters skip building the attributes at all: the admin's fast path.
    if (!isSuperuser(actor)) {
      authorize(actor, route.kind === 'resource' ? resourceAttributes(method, route, url.searchParams) : nonResourceAttributes(method, path));
    }
    if (path === '/version' || path === '/version/') return serveVersion(res);
    if (isHealthPath(path)) return serveHealth(res, url, checks);
    if (path === '/metrics') {
      if (req.method !== 'GET') throw notFoundPath();
      return sendBytes(res, 200, Buffer.from(metrics.render(flowControl.stats())), PROMETHEUS_TEXT_TYPE);
    }
    if (path === '/openapi/v2' || path.startsWith('/openapi/v3')) return serveOpenApi(req, res, url, getOpenApi);
    if (isIssuerDiscoveryPath(path)) return issuerDiscovery.serve(req, res, path);
    if (path === '/' || path === '') {
      sendJson(res, 200, { paths: [OPENID_CONFIGURATION_PATH, '/api', '/api/v1', '/apis', '/healthz', '/livez', '/metrics', '/openapi/v2', '/openapi/v3', JWKS_PATH, '/readyz', '/version'] });
      return;
    }
    switch (route.kind) {
      case 'apiVersions':
      case 'apiGroupList':
        if (method !== 'GET') throw notFoundPath();
        return discovery.serveRoot(res, req.headers.accept, route.kind === 'apiVersions' ? 'api' : 'apis');
      case 'apiGroup':
        return discovery.serveGroup(res, route.group);
      case 'resourceList':
        return discovery.serveResourceList(res, route.group, route.version);
      case 'notFound':
        throw notFoundPath();
      case 'resource': {
        const end = metrics.begin(req, url, route, route.watchPath || isWatch(url.searchParams), arrivedAt);
        res.once('close', () => end(res.statusCode));
        const ctx: RequestContext = { req, res, url, user: user ? actor : SYSTEM_APISERVER, server };
        return handleResource(ctx, route);
      }
    }
  };

  // pods/log over WebSocket is served here; exec, attach and portforward upgrades go to the kubelet,
  // proxy upgrades (WebSocket through nodes/pods/services proxy) to the proxied backend.
  const webSockets = new WebSocketAcceptor();
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://apiserver');
      const user = await authenticate(req, authenticateToken);
      if (!user) throw new ApiError('Unauthorized', 'Unauthorized', {});
      const actor = actingUser(req, user);
      const aggregated = aggregator.match(url.pathname);
      if (aggregated) {
        if (!isSuperuser(actor)) authorize(actor, aggregator.attributes(req.method ?? 'GET', url.pathname, aggregated, url.searchParams));
        return aggregator.serveUpgrade(req, socket, head, actor, aggregated);
      }
      const route = parseRoute(url.pathname, lookup);
      if (route.kind !== 'resource' || !['exec', 'attach', 'portforward', 'log', 'proxy'].includes(route.subresource ?? '') || route.name === undefined) {
        throw notFoundPath();
      }
      if (!isSuperuser(actor)) {
        const a = resourceAttributes(req.method ?? 'GET', route, url.searchParams);
        authorize(actor, a);
        // As Kubernetes (1.31+): a WebSocket GET that opens exec, attach or portforward also needs `create`.
        if (a.verb === 'get' && route.subresource !== 'log') authorize(actor, { ...a, verb: 'create' });
      }
      if (!route.resource.subresources.some((s) => s.name === route.subresource)) throw notFoundPath();
      if (route.subresource === 'log') return servePodLogWebSocket(server, webSockets, req, socket, head, route, url);
      if (route.subresource === 'proxy') return proxyResourceUpgrade(server, req, socket, head, route, url);
      await webhooks.admitConnect({ resource: route.resource, subresource: route.subresource ?? '', namespace: route.namespace ?? '', name: route.name, user: actor, query: url.searchParams });
      await proxyUpgrade(server, req, socket, head, route, url);
    })().catch((err: unknown) => {
      const status = (err instanceof ApiError ? err : ApiError.internal(String(err))).toStatus();
      if (!(err instanceof ApiError)) log(`upgrade ${req.url ?? ''} failed: ${String(err)}`);
      const body = JSON.stringify(status);
      socket.end(
        `HTTP/1.1 ${status.code} ${status.reason ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    });
  };

  const http: Server = options.tls
    ? createHttpsServer(
        { cert: options.tls.cert, key: options.tls.key, ca: options.tls.clientCA, requestCert: true, rejectUnauthorized: false },
        onRequest,
      )
    : createHttpServer(onRequest);
  const sockets = new Set<Socket>();
  const serve = (server: Server): void => {
    // Idle keep-alive connections stay open as long as Kubernetes' API server keeps them (its
    // IdleTimeout, 90 s, matching Go clients' idle timeout), not node's 5 s: a client's
    // connections survive the pauses between its bursts, and a burst does not open new ones
    // (node accepts one new connection per event-loop turn).
    server.keepAliveTimeout = IDLE_CONNECTION_TIMEOUT_MS;
    server.on('upgrade', onUpgrade);
    server.on('clientError', (_err, socket: Duplex) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    const track = (s: Socket): void => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    };
    server.on('connection', track);
    server.on('secureConnection', track);
  };
  serve(http);

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  let local: Server | undefined;
  if (options.socketPath !== undefined) {
    local = createHttpServer(onRequest);
    serve(local);
    try {
      await listenOnSocket(local, options.socketPath);
    } catch (err) {
      crds.stop();
      aggregator.stop();
      http.close();
      registries.close();
      throw err;
    }
  }
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const kubernetesService: KubernetesServiceOptions = {
    registries,
    clusterIp: firstServiceIp(allocator.ipRange),
    address: advertised,
    port,
  };
  const compactionEveryMs = options.compactionIntervalMs ?? DEFAULT_COMPACTION_INTERVAL_MS;
  const compactor = storageCompactor(options.storage, log);
  const background = startBackground([
    { name: 'kubernetes service', everyMs: options.kubernetesServiceIntervalMs ?? 10_000, run: () => reconcileKubernetesService(kubernetesService) },
    { name: 'service allocation repair', everyMs: options.allocationRepairIntervalMs ?? 180_000, run: () => allocator.repair() },
    ...(compactionEveryMs > 0 ? [{ name: 'storage compaction', everyMs: compactionEveryMs, run: async () => void (await compactor.round()) }] : []),
  ], log);
  try {
    await reconcileKubernetesService(kubernetesService);
  } catch (err) {
    background.stop();
    crds.stop();
    aggregator.stop();
    http.close();
    local?.close();
    registries.close();
    throw err;
  }
  return {
    url: `${options.tls ? 'https' : 'http'}://${urlHost}:${port}`,
    port,
    ...(options.socketPath !== undefined ? { socketPath: options.socketPath } : {}),
    registries,
    handle: onRequest,
    close: async () => {
      background.stop();
      crds.stop();
      aggregator.stop();
      rbac?.close();
      await removeFromKubernetesEndpoints(kubernetesService).catch((err: unknown) => log(`removing this server from the kubernetes endpoints: ${String(err)}`));
      registries.close();
      const closed = [http, ...(local ? [local] : [])].map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
      for (const s of sockets) s.destroy();
      webSockets.close();
      await Promise.all(closed);
    },
  };
}

function wildcardHost(host: string | undefined): boolean {
  return host === '0.0.0.0' || host === '::';
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Listens on a Unix domain socket that only its owner may use. A socket file left by a server
 * that is gone is replaced; one a running server answers on is an error (EADDRINUSE).
 */
async function listenOnSocket(server: Server, path: string): Promise<void> {
  if (existsSync(path)) {
    const live = await new Promise<boolean>((resolve) => {
      const probe = connect(path);
      probe.once('connect', () => {
        probe.destroy();
        resolve(true);
      });
      probe.once('error', () => resolve(false));
    });
    if (live) throw Object.assign(new Error(`listen EADDRINUSE: another server answers on ${path}`), { code: 'EADDRINUSE' });
    unlinkSync(path);
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(path, 0o600);
}

/** Periodic upkeep that runs until stopped; failures are logged and retried at the next tick. */
function startBackground(tasks: { name: string; everyMs: number; run: () => Promise<void> }[], log: (line: string) => void): { stop(): void } {
  const timers = tasks.map((t) => {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      t.run()
        .catch((err: unknown) => log(`${t.name}: ${err instanceof Error ? err.message : String(err)}`))
        .finally(() => (running = false));
    }, t.everyMs);
    timer.unref();
    return timer;
  });
  return { stop: () => timers.forEach((t) => clearInterval(t)) };
}

function mustOpenApi(get: () => OpenApiService | undefined): OpenApiService {
  const o = get();
  if (!o) throw new ApiError('ServiceUnavailable', 'OpenAPI documents are not available');
  return o;
}

function failRequest(res: ServerResponse, err: unknown, log: (line: string) => void, req: IncomingMessage): void {
  let apiErr: ApiError;
  if (err instanceof ApiError) apiErr = err;
  else {
    log(`internal error serving ${req.method ?? '?'} ${req.url ?? ''}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    apiErr = ApiError.internal(err instanceof Error ? err.message : String(err));
  }
  if (res.headersSent) {
    res.end();
    return;
  }
  // A body we stopped reading (413) would otherwise keep the connection busy.
  if (apiErr.code === 413) res.setHeader('Connection', 'close');
  sendError(res, apiErr);
}

async function bootstrap(registries: Registries): Promise<void> {
  const namespaces = findResource('', 'v1', 'namespaces');
  if (!namespaces) return;
  const reg = registries.for(namespaces);
  for (const name of BOOTSTRAP_NAMESPACES) await createIfMissing(reg, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, undefined);
  await ensureSystemPriorityClasses(registries);
}
