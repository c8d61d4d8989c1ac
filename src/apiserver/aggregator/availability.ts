// The Available condition of every APIService, as kube-aggregator's availability controller
// settles it: True/Local for this server's own groups; for a backend, False with
// ServiceNotFound, ServicePortError, EndpointsNotFound or MissingEndpoints while no endpoint can
// be chosen, then a discovery check (GET /apis/{g}/{v} as system:kube-aggregator, 5 s): True/
// Passed on a 2xx answer, False/FailedDiscoveryCheck otherwise. The check runs when the
// APIService, its Service or its Endpoints change and again every `intervalMs`. It also keeps
// the catalog's aggregated entries: the group/version and what its discovery listed.
import { request as httpsRequest } from 'node:https';
import type { APIService, APIServiceCondition } from '../../api/apiregistration.js';
import type { KubeObject } from '../../api/object.js';
import { storageKey, type ResourceInfo } from '../../api/resources.js';
import type { AggregatedVersion, ResourceCatalog } from '../crd/catalog.js';
import { jsonEqual, rfc3339 } from '../registry/meta.js';
import type { Registries } from '../registry/registries.js';
import { backendTls, ENDPOINT_SLICES, ENDPOINTS, resolveBackend, SERVICES, type ProxyClientCert } from './backend.js';
import { resourcesFromDiscovery } from './discovery-resources.js';
import { backendHeaders } from './identity-headers.js';
import { APISERVICES } from './local-apiservices.js';
import { tlsOptions, type Backend } from './proxy.js';
import { systemWriteContext } from '../registry/system-writes.js';

const DISCOVERY_TIMEOUT_MS = 5_000;
/** Who the discovery check says it is (Kubernetes' aggregator identity). */
const CHECKER = { username: 'system:kube-aggregator', groups: ['system:masters'] };

export interface AvailabilityOptions {
  registries: Registries;
  catalog: ResourceCatalog;
  proxyClient: ProxyClientCert | undefined;
  log: (line: string) => void;
  intervalMs: number;
  now: () => number;
}

type Condition = Pick<APIServiceCondition, 'status' | 'reason' | 'message'>;

export class AvailabilityController {
  private readonly queue = new Set<string>();
  private running: Promise<void> | undefined;
  /** The group/version each APIService with a service has put into the catalog, by name. */
  private readonly claims = new Map<string, { group: string; version: string }>();
  private readonly unsubscribe: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly o: AvailabilityOptions) {}

  async start(): Promise<void> {
    const caches = [APISERVICES, SERVICES, ENDPOINTS, ENDPOINT_SLICES].map((r) => this.o.registries.cache(r));
    await Promise.all(caches.map((c) => c.ready()));
    const [apiservices, services, endpoints, slices] = caches;
    this.follow(apiservices, (o) => this.enqueue(o.metadata?.name ?? ''));
    this.follow(services, (o) => this.enqueueFor(o.metadata?.namespace, o.metadata?.name));
    this.follow(endpoints, (o) => this.enqueueFor(o.metadata?.namespace, o.metadata?.name));
    this.follow(slices, (o) => this.enqueueFor(o.metadata?.namespace, o.metadata?.labels?.['kubernetes.io/service-name']));
    this.timer = setInterval(() => this.enqueueAll(), this.o.intervalMs);
    this.timer.unref();
    // Routes first, checks after: a restarted server proxies (or answers 503) at once, and a
    // slow backend's check does not hold up the start.
    for (const s of this.apiServices()) if (s.spec?.service) this.claim(s.metadata?.name ?? '', s);
    this.enqueueAll();
  }

  /** Puts the APIService's group/version into the catalog as aggregated (keeping known resources). */
  private claim(name: string, s: APIService, resources?: readonly ResourceInfo[]): void {
    const spec = s.spec ?? {};
    const group = spec.group ?? '';
    const version = spec.version ?? '';
    const previous = this.o.catalog.aggregated(group, version);
    const entry: AggregatedVersion = {
      group,
      version,
      groupPriorityMinimum: spec.groupPriorityMinimum ?? 0,
      versionPriority: spec.versionPriority ?? 0,
      resources: resources ?? previous?.resources ?? [],
    };
    if (!previous || !jsonEqual(previous, entry)) this.o.catalog.setAggregated(group, version, entry);
    this.claims.set(name, { group, version });
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    for (const u of this.unsubscribe) u();
  }

  private follow(cache: ReturnType<Registries['cache']> | undefined, onChange: (o: KubeObject) => void): void {
    const u = cache?.subscribe({ onEvent: (ev) => onChange(ev.object.obj), onReset: () => this.enqueueAll() }, { kind: 'state' }, () => undefined);
    if (u) this.unsubscribe.push(u);
  }

  private apiServices(): APIService[] {
    return this.o.registries.cache(APISERVICES).snapshot().map((c) => c.obj as APIService);
  }

  private enqueueAll(): void {
    for (const s of this.apiServices()) this.enqueue(s.metadata?.name ?? '');
    for (const name of this.claims.keys()) this.enqueue(name);
  }

  /** A Service, its Endpoints or one of its EndpointSlices changed: recheck the APIServices that point at it. */
  private enqueueFor(ns: string | undefined, name: string | undefined): void {
    if (name === undefined) return;
    for (const s of this.apiServices()) {
      if (s.spec?.service?.namespace === ns && s.spec?.service?.name === name) this.enqueue(s.metadata?.name ?? '');
    }
  }

  private enqueue(name: string): void {
    if (this.stopped || name === '') return;
    this.queue.add(name);
    this.running ??= this.drain().finally(() => (this.running = undefined));
  }

  private async drain(): Promise<void> {
    while (this.queue.size > 0 && !this.stopped) {
      const name = this.queue.values().next().value as string;
      this.queue.delete(name);
      try {
        await this.reconcile(name);
      } catch (err) {
        this.o.log(`apiservice availability: ${name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  private release(name: string): void {
    const claim = this.claims.get(name);
    if (!claim) return;
    this.claims.delete(name);
    this.o.catalog.setAggregated(claim.group, claim.version, undefined);
  }

  private async reconcile(name: string): Promise<void> {
    const s = this.o.registries.cache(APISERVICES).current(storageKey(APISERVICES, '', name))?.obj as APIService | undefined;
    const spec = s?.spec ?? {};
    const group = spec.group ?? '';
    const version = spec.version ?? '';
    const claim = this.claims.get(name);
    if (!s || !spec.service || (claim && (claim.group !== group || claim.version !== version))) this.release(name);
    if (!s) return;
    if (!spec.service) {
      await this.setAvailable(name, s, { status: 'True', reason: 'Local', message: 'Local APIServices are always available' });
      return;
    }
    this.claim(name, s);
    let resources: readonly ResourceInfo[] | undefined;
    let condition: Condition;
    const resolved = resolveBackend(this.o.registries, spec.service);
    if (!resolved.ok) condition = { status: 'False', reason: resolved.reason, message: resolved.message };
    else {
      const backend: Backend = { host: resolved.host, port: resolved.port, tls: backendTls(spec, this.o.proxyClient) };
      const check = await discoveryCheck(backend, group, version);
      if (check.ok) {
        condition = { status: 'True', reason: 'Passed', message: 'all checks passed' };
        resources = resourcesFromDiscovery(group, version, check.body);
      } else condition = { status: 'False', reason: 'FailedDiscoveryCheck', message: check.message };
    }
    this.claim(name, s, resources);
    await this.setAvailable(name, s, condition);
  }

  /** Writes the Available condition through the status subresource when it changed. */
  private async setAvailable(name: string, s: APIService, c: Condition): Promise<void> {
    const old = s.status?.conditions?.find((x) => x.type === 'Available');
    if (old && old.status === c.status && old.reason === c.reason && old.message === c.message) return;
    const ctx = systemWriteContext('kube-apiserver');
    await this.o.registries.for(APISERVICES).mutate(undefined, name, ctx, (cur) => {
      const status = (cur['status'] ?? {}) as NonNullable<APIService['status']>;
      const conditions = (status.conditions ?? []).filter((x) => x.type !== 'Available');
      const prior = status.conditions?.find((x) => x.type === 'Available');
      const lastTransitionTime = prior && prior.status === c.status && prior.lastTransitionTime ? prior.lastTransitionTime : rfc3339(this.o.now());
      conditions.push({ type: 'Available', status: c.status, lastTransitionTime, reason: c.reason, message: c.message });
      return { ...cur, status: { ...status, conditions } };
    }, { subresource: 'status' });
  }
}

type CheckResult = { ok: true; body: unknown } | { ok: false; message: string };

/** GET /apis/{g}/{v} from the backend: a 2xx answer passes (its body is the discovery list). */
function discoveryCheck(backend: Backend, group: string, version: string): Promise<CheckResult> {
  const path = `/apis/${group}/${version}`;
  const url = `https://${backend.host.includes(':') ? `[${backend.host}]` : backend.host}:${backend.port}${path}`;
  const fail = (why: string): CheckResult => ({ ok: false, message: `failing or missing response from ${url}: ${why}` });
  return new Promise((resolve) => {
    const headers = backendHeaders({ accept: 'application/json' }, CHECKER, { keepUpgrade: false, clientAddress: undefined });
    const req = httpsRequest({ ...tlsOptions(backend), method: 'GET', path, headers, agent: false, timeout: DISCOVERY_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => resolve(fail(err.message)));
      res.on('end', () => {
        const code = res.statusCode ?? 0;
        if (code < 200 || code >= 300) return resolve(fail(`bad status from ${url}: ${code}`));
        try {
          resolve({ ok: true, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
        } catch {
          resolve({ ok: true, body: undefined });
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('Client.Timeout exceeded while awaiting headers')));
    req.on('error', (err) => resolve(fail(`Get "${url}": ${err.message}`)));
    req.end();
  });
}
