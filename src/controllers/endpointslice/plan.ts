// Turns the endpoints a Service should have into slice writes (pure). Endpoints stay in the
// slice they are already in when they can, so a change to one pod rewrites one slice; new
// endpoints fill slices with room before new slices are made; a Service with no endpoints keeps
// one empty placeholder slice, as Kubernetes does.
import type { Endpoint, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { AddressType } from './pod-endpoint.js';

/** Endpoints sharing an address type and port set: they may share slices. */
export interface EndpointGroup {
  addressType: AddressType;
  ports: EndpointPort[];
  endpoints: Endpoint[];
}

export interface SlicePlan {
  /** New slices: address type, ports and endpoints (metadata is added by the caller). */
  create: { addressType: AddressType; ports: EndpointPort[]; endpoints: Endpoint[] }[];
  /** Existing slices with new endpoints (and new ports when one is reused for another port set). */
  update: { slice: EndpointSlice; endpoints: Endpoint[]; ports?: EndpointPort[] }[];
  /** Existing slices to keep as they are, except perhaps their labels. */
  keep: EndpointSlice[];
  delete: EndpointSlice[];
}

export function groupKey(addressType: string, ports: readonly EndpointPort[] | undefined | null): string {
  const keys = (ports ?? []).map((p) => `${p.name ?? ''}/${p.port ?? ''}/${p.protocol ?? 'TCP'}/${p.appProtocol ?? ''}`).sort();
  return `${addressType}|${keys.join(',')}`;
}

export function endpointKey(ep: Endpoint): string {
  return ep.targetRef?.uid ?? ep.addresses.join(',');
}

export function planSlices(groups: readonly EndpointGroup[], existing: readonly EndpointSlice[], options: { maxEndpointsPerSlice: number; placeholderType: AddressType }): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], keep: [], delete: [] };
  const total = groups.reduce((n, g) => n + g.endpoints.length, 0);
  if (total === 0) return planPlaceholder(existing, options.placeholderType);

  const byGroup = new Map<string, EndpointSlice[]>();
  for (const s of existing) {
    const k = groupKey(s.addressType, s.ports);
    byGroup.set(k, [...(byGroup.get(k) ?? []), s]);
  }
  const wanted = new Set<string>();
  for (const g of groups) {
    const key = groupKey(g.addressType, g.ports);
    wanted.add(key);
    const desired = new Map(g.endpoints.map((e) => [endpointKey(e), e]));
    const slots: { slice: EndpointSlice; endpoints: Endpoint[]; changed: boolean }[] = [];
    for (const slice of byGroup.get(key) ?? []) {
      const kept: Endpoint[] = [];
      let changed = false;
      for (const ep of slice.endpoints ?? []) {
        const want = desired.get(endpointKey(ep));
        if (!want) {
          changed = true;
          continue;
        }
        desired.delete(endpointKey(ep));
        if (canonical(want) !== canonical(ep)) changed = true;
        kept.push(want);
      }
      slots.push({ slice, endpoints: kept, changed });
    }
    const rest = [...desired.values()];
    for (const slot of slots) {
      while (rest.length > 0 && slot.endpoints.length < options.maxEndpointsPerSlice) {
        const next = rest.shift();
        if (next) slot.endpoints.push(next);
        slot.changed = true;
      }
    }
    for (let i = 0; i < rest.length; i += options.maxEndpointsPerSlice) {
      plan.create.push({ addressType: g.addressType, ports: g.ports, endpoints: rest.slice(i, i + options.maxEndpointsPerSlice) });
    }
    for (const slot of slots) {
      if (slot.endpoints.length === 0) plan.delete.push(slot.slice);
      else if (slot.changed) plan.update.push({ slice: slot.slice, endpoints: slot.endpoints });
      else plan.keep.push(slot.slice);
    }
  }
  for (const [key, slices] of byGroup) if (!wanted.has(key)) plan.delete.push(...slices);
  return reuseDeleted(plan);
}

/**
 * A slice that would be deleted while one of its address type is created is rewritten instead
 * (Kubernetes' reconciler does the same), so that a port change or the first endpoint of an
 * empty Service updates the slice clients already watch instead of replacing it.
 */
function reuseDeleted(plan: SlicePlan): SlicePlan {
  const create: SlicePlan['create'] = [];
  for (const c of plan.create) {
    const i = plan.delete.findIndex((s) => s.addressType === c.addressType);
    const [slice] = i >= 0 ? plan.delete.splice(i, 1) : [];
    if (slice) plan.update.push({ slice, endpoints: c.endpoints, ports: c.ports });
    else create.push(c);
  }
  plan.create = create;
  return plan;
}

function isPlaceholder(s: EndpointSlice, type: AddressType): boolean {
  return s.addressType === type && !s.ports?.length && !s.endpoints?.length;
}

function planPlaceholder(existing: readonly EndpointSlice[], type: AddressType): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], keep: [], delete: [] };
  const keep = existing.find((s) => isPlaceholder(s, type));
  if (keep) plan.keep.push(keep);
  else plan.create.push({ addressType: type, ports: [], endpoints: [] });
  plan.delete.push(...existing.filter((s) => s !== keep));
  return reuseDeleted(plan);
}

/** JSON with sorted keys and without empty arrays, so stored and computed objects compare by content. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) {
        const x = (v as Record<string, unknown>)[k];
        if (x === undefined || x === null || (Array.isArray(x) && x.length === 0)) continue;
        out[k] = x;
      }
      return out;
    }
    return v;
  });
}
