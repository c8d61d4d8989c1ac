// kube-aggregator inside the API server: group/versions claimed by an APIService with a
// service are served by an extension API server, every request under `/apis/{g}/{v}` proxied
// to it once the caller is authenticated and authorized here; `/apis` and `/apis/{g}` list
// them from the catalog. The server asks `match` first, then `attributes`, then `serve`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { apiServiceName, type APIService } from '../../api/apiregistration.js';
import { storageKey } from '../../api/resources.js';
import type { UserInfo } from '../authn/user.js';
import type { RequestAttributes } from '../authz/attributes.js';
import type { ResourceCatalog } from '../crd/catalog.js';
import type { Registries } from '../registry/registries.js';
import { AvailabilityController } from './availability.js';
import { backendTls, resolveBackend, type ProxyClientCert } from './backend.js';
import { APISERVICES, registerBuiltInAPIServices, syncCustomAPIServices } from './local-apiservices.js';
import { proxyError, proxyRequest, proxyUpgradeRequest, type Backend } from './proxy.js';
import { publishRequestHeaderConfig, type RequestHeaderConfig } from './request-header.js';
import { aggregatedAttributes, splitApisPath, type AggregatedPath } from './request-info.js';

export interface AggregatorOptions {
  registries: Registries;
  catalog: ResourceCatalog;
  /** The front-proxy client certificate and its CA; without it backends get no client certificate and nothing is published. */
  frontProxy?: ProxyClientCert & { caCert: string };
  /** The CA of clients' certificates, published as `client-ca-file`. */
  clientCA?: string;
  log: (line: string) => void;
  /** How often every APIService is checked again (default 30 s). */
  checkIntervalMs?: number;
  now: () => number;
}

export class Aggregator {
  private readonly availability: AvailabilityController;
  private stopCatalogSync: (() => void) | undefined;
  private syncing: Promise<void> = Promise.resolve();

  constructor(private readonly o: AggregatorOptions) {
    this.availability = new AvailabilityController({
      registries: o.registries,
      catalog: o.catalog,
      proxyClient: o.frontProxy,
      log: o.log,
      intervalMs: o.checkIntervalMs ?? 30_000,
      now: o.now,
    });
  }

  async start(): Promise<void> {
    if (this.o.frontProxy) {
      const config: RequestHeaderConfig = { requestHeaderCA: this.o.frontProxy.caCert, ...(this.o.clientCA ? { clientCA: this.o.clientCA } : {}) };
      await publishRequestHeaderConfig(this.o.registries, config);
    }
    await this.o.registries.cache(APISERVICES).ready();
    await registerBuiltInAPIServices(this.o.registries);
    await syncCustomAPIServices(this.o.registries, this.o.catalog);
    this.stopCatalogSync = this.o.catalog.onChange(() => {
      this.syncing = this.syncing
        .then(() => syncCustomAPIServices(this.o.registries, this.o.catalog))
        .catch((err: unknown) => this.o.log(`apiservices of custom resources: ${String(err)}`));
    });
    await this.availability.start();
  }

  stop(): void {
    this.stopCatalogSync?.();
    this.availability.stop();
  }

  /** The aggregated group/version a path is under (`/apis/{g}/{v}[/…]`), if any. */
  match(pathname: string): AggregatedPath | undefined {
    if (!this.o.catalog.hasAggregated()) return undefined;
    const p = splitApisPath(pathname);
    return p && this.o.catalog.aggregated(p.group, p.version) ? p : undefined;
  }

  attributes(method: string, pathname: string, p: AggregatedPath, query: URLSearchParams): RequestAttributes {
    return aggregatedAttributes(method, pathname, p, query);
  }

  /** The backend for `p`, or undefined (503 "service unavailable") while its APIService is not Available or has no endpoint. */
  private backend(p: AggregatedPath): Backend | undefined {
    const key = storageKey(APISERVICES, '', apiServiceName(p.group, p.version));
    const s = this.o.registries.cache(APISERVICES).current(key)?.obj as APIService | undefined;
    const spec = s?.spec;
    if (!spec?.service) return undefined;
    if (s?.status?.conditions?.find((c) => c.type === 'Available')?.status !== 'True') return undefined;
    const resolved = resolveBackend(this.o.registries, spec.service);
    if (!resolved.ok) return undefined;
    return { host: resolved.host, port: resolved.port, tls: backendTls(spec, this.o.frontProxy) };
  }

  async serve(req: IncomingMessage, res: ServerResponse, user: UserInfo, p: AggregatedPath): Promise<void> {
    const backend = this.backend(p);
    if (!backend) return proxyError(res, 503, 'service unavailable');
    await proxyRequest(req, res, user, backend);
  }

  async serveUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, user: UserInfo, p: AggregatedPath): Promise<void> {
    const backend = this.backend(p);
    if (!backend) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 20\r\nConnection: close\r\n\r\nservice unavailable\n');
      return;
    }
    await proxyUpgradeRequest(req, socket, head, user, backend);
  }
}
