// A service backend → the address of one ready endpoint, round robin per service port. The
// service port is found by number or name; its endpoints are the EndpointSlice endpoints
// carrying that port's name (TCP). For pods on the process runtime those addresses are the
// node's own, so nothing here depends on the runtime.
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { ServiceBackend } from './routes.js';

export interface BackendView {
  service(namespace: string, name: string): Service | undefined;
  slices(namespace: string, service: string): readonly EndpointSlice[];
}

export type Resolved = { ok: true; host: string; port: number } | { ok: false; reason: 'no-service' | 'no-port' | 'no-endpoints' };

export class BackendPicker {
  private readonly next = new Map<string, number>();

  constructor(private readonly view: BackendView) {}

  pick(b: ServiceBackend): Resolved {
    const svc = this.view.service(b.namespace, b.service);
    if (!svc) return { ok: false, reason: 'no-service' };
    const sp = (svc.spec?.ports ?? []).find((p) => (typeof b.port === 'number' ? p.port === b.port : p.name === b.port));
    if (!sp || (sp.protocol ?? 'TCP') !== 'TCP') return { ok: false, reason: 'no-port' };
    const portName = sp.name ?? '';
    const candidates: { host: string; port: number }[] = [];
    for (const slice of this.view.slices(b.namespace, b.service)) {
      if (slice.addressType === 'FQDN') continue;
      const port = (slice.ports ?? []).find((p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP') === 'TCP')?.port;
      if (port === undefined) continue;
      for (const ep of slice.endpoints ?? []) {
        const addr = ep.addresses[0];
        if (addr && (ep.conditions?.ready ?? true)) candidates.push({ host: addr, port });
      }
    }
    if (candidates.length === 0) return { ok: false, reason: 'no-endpoints' };
    candidates.sort((x, y) => (x.host === y.host ? x.port - y.port : x.host < y.host ? -1 : 1));
    const key = `${b.namespace}/${b.service}:${portName}`;
    const i = (this.next.get(key) ?? 0) % candidates.length;
    this.next.set(key, i + 1);
    const chosen = candidates[i] ?? candidates[0];
    return chosen ? { ok: true, ...chosen } : { ok: false, reason: 'no-endpoints' };
  }
}
