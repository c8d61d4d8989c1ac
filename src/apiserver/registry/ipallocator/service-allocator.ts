// Cluster IPs and node ports for Services, allocated inside the API server's write path as
// kube-apiserver does. Storage is the truth: each allocated item is a record created only if
// absent (records.ts), so restarts and several API servers sharing a store stay consistent.
// The in-memory sets are hints that let dynamic allocation skip items known to be taken.
import type { Service } from 'kubernetes-types/core/v1.js';
import { ApiError, type FieldError } from '../../../api/errors.js';
import type { KubeObject } from '../../../api/object.js';
import { storageKey, storagePrefix } from '../../../api/resources.js';
import type { Storage } from '../../../storage/storage.js';
import type { HookContext, HookTransaction, WriteHooks } from '../hooks.js';
import { AllocationRecords as Records, type Owner, type StoredRecord } from './records.js';
import {
  inRange, ipToNumber, numberToIp, parsePortRange, parseServiceCidr, staticBandSize, staticPortBandSize,
  type IPv4Range, type PortRange,
} from './ranges.js';
import { allocatesNodePorts, heldClusterIps, heldNodePorts, needsClusterIp, needsHealthCheckNodePort } from './service-fields.js';

export const SERVICE_IP_PREFIX = '/registry/k8ts/serviceips/';
export const NODE_PORT_PREFIX = '/registry/k8ts/servicenodeports/';

const SERVICES = { group: '', plural: 'services', namespaced: true } as const;

export interface ServiceAllocatorOptions {
  storage: Storage;
  /** IPv4 CIDR, e.g. "10.43.0.0/16". */
  clusterIpRange: string;
  /** "min-max", e.g. "30000-32767". */
  nodePortRange: string;
  now?: () => number;
  random?: () => number;
  log?: (line: string) => void;
  /**
   * A record whose Service does not hold its item is freed only once it is this old: younger
   * ones may belong to a Service another API server is storing right now. Default 60 s.
   */
  staleAfterMs?: number;
}

/** Items one write claimed, so a failed write can give them back. */
class Claims {
  readonly ips: string[] = [];
  readonly ports: number[] = [];
}

export class ServiceAllocator implements WriteHooks {
  readonly ipRange: IPv4Range;
  readonly portRange: PortRange;
  private readonly ips: Records;
  private readonly ports: Records;
  private readonly knownIps = new Set<number>();
  private readonly knownPorts = new Set<number>();
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly log: (line: string) => void;
  private readonly staleAfterMs: number;

  constructor(private readonly options: ServiceAllocatorOptions) {
    this.ipRange = parseServiceCidr(options.clusterIpRange);
    this.portRange = parsePortRange(options.nodePortRange);
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.log = options.log ?? (() => undefined);
    this.staleAfterMs = options.staleAfterMs ?? 60_000;
    this.ips = new Records(options.storage, SERVICE_IP_PREFIX, this.now);
    this.ports = new Records(options.storage, NODE_PORT_PREFIX, this.now);
  }

  async beforeCreate(obj: KubeObject, ctx: HookContext): Promise<HookTransaction> {
    return this.allocate(undefined, obj as Service, ctx);
  }

  async beforeUpdate(old: KubeObject, next: KubeObject, ctx: HookContext): Promise<HookTransaction> {
    return this.allocate(old as Service, next as Service, ctx);
  }

  /** Frees what a deleted Service held. A failure is logged, not raised: the delete has happened and repair frees the rest. */
  async afterDelete(obj: KubeObject): Promise<void> {
    const svc = obj as Service;
    const uid = svc.metadata?.uid ?? '';
    try {
      for (const ip of heldClusterIps(svc)) await this.releaseIp(ip, uid);
      for (const port of heldNodePorts(svc)) await this.releasePort(port, uid);
    } catch (err) {
      this.log(`releasing the allocations of service ${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Fills in and reserves what `next` needs beyond what `old` (the stored version) holds. */
  private async allocate(old: Service | undefined, next: Service, ctx: HookContext): Promise<HookTransaction> {
    const owner = ownerOf(next);
    const claims = new Claims();
    const errors: FieldError[] = [];
    const revert = async (): Promise<void> => {
      if (ctx.dryRun) return;
      for (const ip of claims.ips) await this.releaseIp(ip, owner.uid);
      for (const port of claims.ports) await this.releasePort(port, owner.uid);
    };
    try {
      await this.allocateClusterIp(old, next, owner, claims, errors, ctx);
      await this.allocateNodePorts(old, next, owner, claims, errors, ctx);
    } catch (err) {
      await revert();
      throw err;
    }
    if (errors.length > 0) {
      await revert();
      throw ApiError.invalid('Service', owner.name, errors);
    }
    return {
      revert,
      commit: async () => {
        if (ctx.dryRun || !old) return;
        const keepIps = new Set(heldClusterIps(next));
        for (const ip of heldClusterIps(old)) if (!keepIps.has(ip)) await this.releaseIp(ip, owner.uid);
        const keepPorts = heldNodePorts(next);
        for (const port of heldNodePorts(old)) if (!keepPorts.has(port)) await this.releasePort(port, owner.uid);
      },
    };
  }

  private async allocateClusterIp(old: Service | undefined, svc: Service, owner: Owner, claims: Claims, errors: FieldError[], ctx: HookContext): Promise<void> {
    const spec = svc.spec;
    if (!spec || !needsClusterIp(svc)) return;
    (spec.ipFamilies ?? []).forEach((family, i) => {
      if (family !== 'IPv4') errors.push({ type: 'FieldValueInvalid', field: `spec.ipFamilies[${i}]`, value: family, detail: 'not configured on this cluster' });
    });
    if (spec.ipFamilyPolicy === 'RequireDualStack') {
      errors.push({ type: 'FieldValueInvalid', field: 'spec.ipFamilyPolicy', value: spec.ipFamilyPolicy, detail: 'this cluster is not configured for dual-stack services' });
    }
    if (errors.length > 0) return;
    const requested = heldClusterIps(svc);
    const held = new Set(old ? heldClusterIps(old) : []);
    if (requested.length === 0) {
      const ip = await this.pickIp(owner, claims, ctx);
      if (!ip) throw ApiError.internal('failed to allocate a serviceIP: range is full');
      spec.clusterIP = ip;
      spec.clusterIPs = [ip];
      return;
    }
    for (const ip of requested) {
      if (held.has(ip)) continue;
      const problem = !inRange(this.ipRange, ip)
        ? `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${this.ipRange.cidr}`
        : (await this.claimRequested(this.ips, ip, owner, svc, ctx))
          ? undefined
          : 'provided IP is already allocated';
      if (problem) {
        errors.push({ type: 'FieldValueInvalid', field: 'spec.clusterIPs', value: spec.clusterIPs ?? requested, detail: `failed to allocate IP ${ip}: ${problem}` });
        return;
      }
      if (!ctx.dryRun) claims.ips.push(ip);
      this.knownIps.add(ipToNumber(ip) ?? -1);
    }
  }

  private async allocateNodePorts(old: Service | undefined, svc: Service, owner: Owner, claims: Claims, errors: FieldError[], ctx: HookContext): Promise<void> {
    const spec = svc.spec;
    if (!spec) return;
    const held = old ? heldNodePorts(old) : new Set<number>();
    const requestPort = async (port: number, field: string, prefix: string): Promise<void> => {
      if (held.has(port) || claims.ports.includes(port)) return;
      const problem = port < this.portRange.min || port > this.portRange.max
        ? `provided port is not in the valid range. The range of valid ports is ${this.portRange.text}`
        : (await this.claimRequested(this.ports, String(port), owner, svc, ctx))
          ? undefined
          : 'provided port is already allocated';
      if (problem) errors.push({ type: 'FieldValueInvalid', field, value: port, detail: prefix + problem });
      else {
        if (!ctx.dryRun) claims.ports.push(port);
        this.knownPorts.add(port);
      }
    };
    const ports = spec.ports ?? [];
    // Ports with the same number (TCP and UDP of one service) share one node port, as in Kubernetes.
    const byServicePort = new Map<number, number>();
    for (const [i, p] of ports.entries()) {
      if (!p.nodePort) continue;
      await requestPort(p.nodePort, `spec.ports[${i}].nodePort`, '');
      byServicePort.set(p.port, p.nodePort);
    }
    if (allocatesNodePorts(svc)) {
      for (const p of ports) {
        if (p.nodePort) continue;
        const shared = byServicePort.get(p.port);
        const port = shared ?? (await this.pickPort(owner, claims, ctx));
        if (port === undefined) throw ApiError.internal('failed to allocate a nodePort: range is full');
        p.nodePort = port;
        byServicePort.set(p.port, port);
      }
    }
    if (needsHealthCheckNodePort(svc)) {
      if (spec.healthCheckNodePort) {
        await requestPort(spec.healthCheckNodePort, 'spec.healthCheckNodePort', `failed to allocate requested HealthCheck NodePort ${spec.healthCheckNodePort}: `);
      } else {
        const port = await this.pickPort(owner, claims, ctx);
        if (port === undefined) throw ApiError.internal('failed to allocate a nodePort: range is full');
        spec.healthCheckNodePort = port;
      }
    }
  }

  /**
   * Claims an item the client asked for by value. A record left behind by a Service that no
   * longer holds the item (a crash between reserving and storing) is taken over once stale.
   */
  private async claimRequested(records: Records, item: string, owner: Owner, svc: Service, ctx: HookContext): Promise<boolean> {
    if (ctx.dryRun) {
      const current = await records.get(item);
      return !current || current.record.owner.uid === owner.uid || !(await this.stillHeld(records, current));
    }
    const first = await records.claim(item, owner);
    if (first.kind !== 'taken') return true;
    if (await this.stillHeld(records, first.current)) return false;
    this.log(`reclaiming ${records.prefix}${item} from ${first.current.record.owner.namespace}/${first.current.record.owner.name}, which no longer holds it (for ${ownerOf(svc).namespace}/${ownerOf(svc).name})`);
    if (!(await records.remove(first.current))) return false;
    return (await records.claim(item, owner)).kind !== 'taken';
  }

  /** Whether a record's owner Service still holds its item; young records always count as held. */
  private async stillHeld(records: Records, rec: StoredRecord): Promise<boolean> {
    if (this.now() - rec.record.allocatedAtMs < this.staleAfterMs) return true;
    const { owner } = rec.record;
    const { kv } = await this.options.storage.get(storageKey(SERVICES, owner.namespace, owner.name));
    const svc = kv ? parseService(kv.value) : undefined;
    if (!svc || svc.metadata?.uid !== owner.uid) return false;
    return records === this.ips ? heldClusterIps(svc).includes(rec.item) : heldNodePorts(svc).has(Number(rec.item));
  }

  private async pickIp(owner: Owner, claims: Claims, ctx: HookContext): Promise<string | undefined> {
    const { first, last } = this.ipRange;
    const band = staticBandSize(this.ipRange);
    const n = await this.pick({ bands: [[first + band, last], [first, first + band - 1]], known: this.knownIps, item: numberToIp, records: this.ips, owner, ctx });
    if (n === undefined) return undefined;
    const ip = numberToIp(n);
    if (!ctx.dryRun) claims.ips.push(ip);
    return ip;
  }

  private async pickPort(owner: Owner, claims: Claims, ctx: HookContext): Promise<number | undefined> {
    const { min, max } = this.portRange;
    const band = staticPortBandSize(this.portRange);
    const port = await this.pick({ bands: [[min + band, max], [min, min + band - 1]], known: this.knownPorts, item: String, records: this.ports, owner, ctx });
    if (port === undefined) return undefined;
    if (!ctx.dryRun) claims.ports.push(port);
    return port;
  }

  /** Tries free-looking candidates from a random start in each band in turn until one is claimed. */
  private async pick(o: {
    bands: [number, number][];
    known: Set<number>;
    item: (n: number) => string;
    records: Records;
    owner: Owner;
    ctx: HookContext;
  }): Promise<number | undefined> {
    for (const [lo, hi] of o.bands) {
      if (lo > hi) continue;
      const size = hi - lo + 1;
      const start = Math.floor(this.random() * size);
      for (let i = 0; i < size; i++) {
        const n = lo + ((start + i) % size);
        if (o.known.has(n)) continue;
        const ok = o.ctx.dryRun ? !(await o.records.get(o.item(n))) : (await o.records.claim(o.item(n), o.owner)).kind === 'claimed';
        if (ok) {
          if (!o.ctx.dryRun) o.known.add(n);
          return n;
        }
        o.known.add(n);
      }
    }
    return undefined;
  }

  private async releaseIp(ip: string, uid: string): Promise<void> {
    await this.ips.release(ip, uid);
    const n = ipToNumber(ip);
    if (n !== undefined) this.knownIps.delete(n);
  }

  private async releasePort(port: number, uid: string): Promise<void> {
    await this.ports.release(String(port), uid);
    this.knownPorts.delete(port);
  }

  /**
   * Rebuilds the records from the stored Services (kube-apiserver's repair loop): records no
   * Service holds are freed once stale, and items Services hold without a record (a store
   * written before records existed) get one. Refreshes the in-memory hints.
   */
  async repair(): Promise<void> {
    const heldIps = new Map<string, Owner>();
    const heldPorts = new Map<string, Owner>();
    for (const svc of await this.listServices()) {
      const owner = ownerOf(svc);
      for (const ip of heldClusterIps(svc)) {
        if (!inRange(this.ipRange, ip)) {
          this.log(`service ${owner.namespace}/${owner.name}: cluster IP ${ip} is not in the range ${this.ipRange.cidr}`);
          continue;
        }
        const other = heldIps.get(ip);
        if (other) this.log(`cluster IP ${ip} is held by both ${other.namespace}/${other.name} and ${owner.namespace}/${owner.name}`);
        else heldIps.set(ip, owner);
      }
      for (const port of heldNodePorts(svc)) if (!heldPorts.has(String(port))) heldPorts.set(String(port), owner);
    }
    this.knownIps.clear();
    this.knownPorts.clear();
    await this.repairRecords(this.ips, heldIps, (item) => this.knownIps.add(ipToNumber(item) ?? -1));
    await this.repairRecords(this.ports, heldPorts, (item) => this.knownPorts.add(Number(item)));
  }

  private async repairRecords(records: Records, held: Map<string, Owner>, remember: (item: string) => void): Promise<void> {
    const seen = new Set<string>();
    for (const rec of await records.list()) {
      seen.add(rec.item);
      const holder = held.get(rec.item);
      const young = this.now() - rec.record.allocatedAtMs < this.staleAfterMs;
      if (holder?.uid === rec.record.owner.uid || young) {
        remember(rec.item);
        continue;
      }
      if (!(await records.remove(rec))) remember(rec.item);
      else if (holder) seen.delete(rec.item);
    }
    for (const [item, owner] of held) {
      if (seen.has(item)) continue;
      const res = await records.claim(item, owner);
      if (res.kind === 'taken') this.log(`${records.prefix}${item} is held by ${owner.namespace}/${owner.name} but recorded for ${res.current.record.owner.namespace}/${res.current.record.owner.name}`);
      remember(item);
    }
  }

  private async listServices(): Promise<Service[]> {
    const prefix = storagePrefix(SERVICES);
    const out: Service[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.options.storage.list(prefix, { limit: 500, after });
      for (const kv of page.kvs) {
        const svc = parseService(kv.value);
        if (svc) out.push(svc);
      }
      const last = page.kvs[page.kvs.length - 1];
      if (!page.more || !last) return out;
      after = last.key;
    }
  }
}

function ownerOf(svc: Service): Owner {
  return { namespace: svc.metadata?.namespace ?? '', name: svc.metadata?.name ?? '', uid: svc.metadata?.uid ?? '' };
}

function parseService(value: Uint8Array): Service | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value).toString('utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Service) : undefined;
  } catch {
    return undefined;
  }
}
