// The ingress controller of a node: informers for Ingresses, IngressClasses, Services,
// EndpointSlices and Secrets; an HTTP and an HTTPS listener routing by the current table; and
// status.loadBalancer.ingress = the node's address on every Ingress it serves. A watch event
// only marks the table stale (rebuilt at the next request) and the TLS contexts are looked up
// per handshake, so changes never restart a listener or drop a connection.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { Secret, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress, IngressClass } from 'kubernetes-types/networking/v1.js';
import type { ApiClient } from '../client/client.js';
import { objectKey, splitKey } from '../informer/cache.js';
import { SharedInformerFactory } from '../informer/shared.js';
import { runWorkers } from '../informer/workers.js';
import { WorkQueue } from '../informer/workqueue.js';
import type { Logger } from '../log.js';
import { createCertificate, generateKeys, privateKeyPem } from '../pki/certificates.js';
import { BackendPicker } from './backends.js';
import { createBackendAgent, forwardRequest, forwardUpgrade, type ForwardContext } from './forward.js';
import { buildRouteTable, hostOf, isOurs, matchRoute, ourClasses, tlsFor, type RouteTable } from './routes.js';

export interface IngressControllerOptions {
  client: ApiClient;
  /** 0 picks a free port. */
  httpPort: number;
  /** 0 picks a free port; undefined: no HTTPS listener. */
  httpsPort?: number;
  /** Default "0.0.0.0". */
  bindAddress?: string;
  /** The node's address, written to the served Ingresses' status. */
  address: string;
  /** Backend response timeout; default 60000 ms. */
  backendTimeoutMs?: number;
  log: Logger;
  signal: AbortSignal;
}

export interface RunningIngressController {
  httpPort: number;
  httpsPort: number | undefined;
  stop(): Promise<void>;
}

const INGRESSES = { group: 'networking.k8s.io', version: 'v1', plural: 'ingresses', namespaced: true } as const;
const CLASSES = { group: 'networking.k8s.io', version: 'v1', plural: 'ingressclasses', namespaced: false } as const;
const SERVICES = { group: '', version: 'v1', plural: 'services', namespaced: true } as const;
const SLICES = { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', namespaced: true } as const;
const SECRETS = { group: '', version: 'v1', plural: 'secrets', namespaced: true } as const;

export async function startIngressController(o: IngressControllerOptions): Promise<RunningIngressController> {
  const log = o.log;
  const stopped = new AbortController();
  const abort = (): void => stopped.abort();
  o.signal.addEventListener('abort', abort, { once: true });
  const informers = new SharedInformerFactory(o.client, { log: log.child('informers'), freeze: 'none' });
  const ingresses = informers.informerFor<Ingress>(INGRESSES);
  const classes = informers.informerFor<IngressClass>(CLASSES);
  const services = informers.informerFor<Service>(SERVICES);
  const secrets = informers.informerFor<Secret>(SECRETS);
  const slices = informers.informerFor<EndpointSlice>(SLICES, {
    indexers: {
      service: (s) => {
        const name = s.metadata?.labels?.['kubernetes.io/service-name'];
        return name ? [`${s.metadata?.namespace ?? ''}/${name}`] : [];
      },
    },
  });

  // Routing table: rebuilt lazily after any Ingress or IngressClass change.
  let table: RouteTable | undefined;
  const served = (): Ingress[] => {
    const cls = ourClasses(classes.cache.list());
    return ingresses.cache.list().filter((i) => isOurs(i, cls));
  };
  const currentTable = (): RouteTable => (table ??= buildRouteTable(served()));

  const statusQueue = new WorkQueue({ rateLimit: { baseDelayMs: 100, maxDelayMs: 30_000 } });
  const routingChanged = (): void => {
    table = undefined;
    for (const i of ingresses.cache.list()) statusQueue.add(objectKey(i));
  };
  ingresses.addEventHandler({ onAdd: routingChanged, onUpdate: routingChanged, onDelete: routingChanged });
  classes.addEventHandler({ onAdd: routingChanged, onUpdate: routingChanged, onDelete: routingChanged });

  const picker = new BackendPicker({
    service: (ns, name) => services.cache.get(`${ns}/${name}`),
    slices: (ns, svc) => slices.cache.byIndex('service', `${ns}/${svc}`),
  });

  // TLS contexts per Secret version; a self-signed certificate for unknown names (as other controllers do).
  const contexts = new Map<string, { version: string; context: SecureContext }>();
  const fallback = selfSignedContext();
  const contextFor = (serverName: string): SecureContext => {
    const entry = tlsFor(currentTable(), serverName);
    if (!entry) return fallback;
    const key = `${entry.namespace}/${entry.secretName}`;
    const secret = secrets.cache.get(key);
    const crt = secret?.data?.['tls.crt'];
    const pem = secret?.data?.['tls.key'];
    if (!secret || !crt || !pem) return fallback;
    const version = secret.metadata?.resourceVersion ?? '';
    const cached = contexts.get(key);
    if (cached?.version === version) return cached.context;
    try {
      const context = createSecureContext({ cert: Buffer.from(crt, 'base64'), key: Buffer.from(pem, 'base64') });
      contexts.set(key, { version, context });
      return context;
    } catch (err) {
      log.warn(`secret ${key}: not a usable TLS key pair: ${err instanceof Error ? err.message : String(err)}`);
      return fallback;
    }
  };

  const agent = createBackendAgent();
  /** Upgraded connections: no longer the HTTP server's, so stop() ends them itself. */
  const tunnels = new Set<Duplex>();
  const handler = (ctx: ForwardContext) => (req: IncomingMessage, res: ServerResponse) => {
    const target = route(req);
    if (!target.ok) {
      res.writeHead(target.status, { 'content-type': 'text/plain' }).end(`${target.message}\n`);
      return;
    }
    forwardRequest(req, res, target, ctx, { agent, timeoutMs: o.backendTimeoutMs ?? 60_000 });
  };
  const route = (req: IncomingMessage): { ok: true; host: string; port: number } | { ok: false; status: number; message: string } => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const backend = matchRoute(currentTable(), hostOf(req.headers.host), path);
    if (!backend) return { ok: false, status: 404, message: 'Not Found' };
    const r = picker.pick(backend);
    if (!r.ok) return { ok: false, status: 503, message: `Service Unavailable (${backend.namespace}/${backend.service}: ${r.reason})` };
    return r;
  };
  const onUpgrade = (ctx: ForwardContext) => (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const target = route(req);
    if (!target.ok) {
      socket.end(`HTTP/1.1 ${target.status} ${target.message}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    tunnels.add(socket);
    socket.once('close', () => tunnels.delete(socket));
    forwardUpgrade(req, socket, head, target, ctx);
  };

  informers.start(stopped.signal);
  const synced = await informers.waitForSync(stopped.signal);
  if (!synced) throw new Error('ingress controller stopped before its caches synced');

  const host = o.bindAddress ?? '0.0.0.0';
  const http = createHttpServer();
  let https: Server | undefined;
  let httpPort: number;
  let httpsPort: number | undefined;
  try {
    httpPort = await listen(http, host, o.httpPort);
    http.on('request', handler({ scheme: 'http', port: httpPort }));
    http.on('upgrade', onUpgrade({ scheme: 'http', port: httpPort }));
    if (o.httpsPort !== undefined) {
      const server = createHttpsServer({ SNICallback: (name, cb) => cb(null, contextFor(name)), ...fallback.pems });
      https = server;
      const port = await listen(server, host, o.httpsPort);
      httpsPort = port;
      server.on('request', handler({ scheme: 'https', port }));
      server.on('upgrade', onUpgrade({ scheme: 'https', port }));
    }
  } catch (err) {
    // A taken port: release what did start (the other listener, the watches), or the process
    // would never exit.
    o.signal.removeEventListener('abort', abort);
    stopped.abort();
    for (const s of [http, https]) if (s?.listening) s.close();
    agent.destroy();
    await informers.stopped();
    throw err;
  }

  const statusRun = runWorkers(
    statusQueue,
    async (key) => {
      const ing = ingresses.cache.get(key);
      if (!ing) return;
      const cls = ourClasses(classes.cache.list());
      const current = ing.status?.loadBalancer?.ingress ?? [];
      const mine = current.length === 1 && current[0]?.ip === o.address;
      const want = isOurs(ing, cls);
      if (want === mine) return;
      const { namespace, name } = splitKey(key);
      await o.client
        .resource<Ingress>(INGRESSES, namespace)
        .patch(name, 'merge', { status: { loadBalancer: { ingress: want ? [{ ip: o.address }] : null } } }, { subresource: 'status' });
    },
    { workers: 1, signal: stopped.signal, log },
  );
  for (const i of ingresses.cache.list()) statusQueue.add(objectKey(i));
  log.info(`ingress controller serving HTTP on ${host}:${httpPort}${httpsPort !== undefined ? `, HTTPS on ${host}:${httpsPort}` : ''}`);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      o.signal.removeEventListener('abort', abort);
      stopped.abort();
      await Promise.allSettled([informers.stopped(), statusRun]);
      for (const t of tunnels) t.destroy();
      for (const s of [http, https]) {
        if (!s) continue;
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
      agent.destroy();
    })());
  o.signal.addEventListener('abort', () => void stop(), { once: true });
  return { httpPort, httpsPort, stop };
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function selfSignedContext(): SecureContext & { pems: { cert: string; key: string } } {
  const keys = generateKeys();
  const cert = createCertificate({ subject: { commonName: 'k8ts ingress default certificate' }, keys, usage: 'server', altNames: ['ingress.local'], validDays: 365 });
  const key = privateKeyPem(keys.privateKey);
  return Object.assign(createSecureContext({ cert, key }), { pems: { cert, key } });
}
