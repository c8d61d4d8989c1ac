// Resource quantities as the scheduler counts them: CPU in milli-cores, everything else in whole
// units (bytes, counts), both rounded up as Kubernetes' MilliValue()/Value() do. Pod requests
// follow resourcehelper.PodRequests (v1.33): sum of containers, sidecars (restartable init
// containers) added, the largest init container step as a floor, then pod overhead.
import type { Container, PodSpec } from 'kubernetes-types/core/v1.js';
import type { Quantity } from 'kubernetes-types/api/resource.js';
import { parseQuantityExact, quantityText } from '../api/validation/quantity.js';

export const CPU = 'cpu';
export const MEMORY = 'memory';
export const EPHEMERAL_STORAGE = 'ephemeral-storage';
export const PODS = 'pods';

/** Used for scoring when a container states no request, so best-effort pods still spread. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

/** A resource vector. `scalar` holds extended resources, hugepages-* and the like. */
export interface Resources {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  scalar: Map<string, number>;
}

export function emptyResources(): Resources {
  return { milliCPU: 0, memory: 0, ephemeralStorage: 0, scalar: new Map() };
}

export function cloneResources(r: Resources): Resources {
  return { milliCPU: r.milliCPU, memory: r.memory, ephemeralStorage: r.ephemeralStorage, scalar: new Map(r.scalar) };
}

/** `into += r * sign`; scalar entries that reach zero are kept (cheap, and harmless to fits). */
export function addResources(into: Resources, r: Resources, sign: 1 | -1 = 1): void {
  into.milliCPU += sign * r.milliCPU;
  into.memory += sign * r.memory;
  into.ephemeralStorage += sign * r.ephemeralStorage;
  for (const [name, v] of r.scalar) into.scalar.set(name, (into.scalar.get(name) ?? 0) + sign * v);
}

const cache = new Map<string, { milli: number; value: number } | null>();

function parsed(q: Quantity | undefined): { milli: number; value: number } | undefined {
  const text = quantityText(q);
  if (text === undefined) return undefined;
  let hit = cache.get(text);
  if (hit === undefined) {
    const exact = parseQuantityExact(text);
    hit = exact
      ? { milli: Number(ceilDiv(exact.nanos, 1_000_000n)), value: Number(ceilDiv(exact.nanos, 1_000_000_000n)) }
      : null;
    if (cache.size < 10_000) cache.set(text, hit);
  }
  return hit ?? undefined;
}

function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b > 0n ? q + 1n : q;
}

/** Milli-units (`"250m"` → 250, `"2"` → 2000), rounded up; undefined when not a quantity. */
export function parseMilli(q: Quantity | undefined): number | undefined {
  return parsed(q)?.milli;
}

/** Whole units (`"1Ki"` → 1024, `"1.5"` → 2), rounded up; undefined when not a quantity. */
export function parseValue(q: Quantity | undefined): number | undefined {
  return parsed(q)?.value;
}

type ResourceList = Readonly<Record<string, Quantity>> | undefined;

/** Converts a ResourceList; unparsable entries count as zero (validation rejects them earlier). */
export function resourcesFromList(list: ResourceList): Resources {
  const r = emptyResources();
  if (!list) return r;
  for (const name in list) {
    const q = list[name];
    switch (name) {
      case CPU:
        r.milliCPU = parseMilli(q) ?? 0;
        break;
      case MEMORY:
        r.memory = parseValue(q) ?? 0;
        break;
      case EPHEMERAL_STORAGE:
        r.ephemeralStorage = parseValue(q) ?? 0;
        break;
      case PODS:
      case 'storage':
        break;
      default:
        r.scalar.set(name, parseValue(q) ?? 0);
    }
  }
  return r;
}

function maxInto(into: Resources, r: Resources): void {
  into.milliCPU = Math.max(into.milliCPU, r.milliCPU);
  into.memory = Math.max(into.memory, r.memory);
  into.ephemeralStorage = Math.max(into.ephemeralStorage, r.ephemeralStorage);
  for (const [name, v] of r.scalar) into.scalar.set(name, Math.max(into.scalar.get(name) ?? 0, v));
}

function containerRequests(c: Container, opts: { nonZero: boolean }): Resources {
  const requests = c.resources?.requests;
  const r = resourcesFromList(requests);
  if (opts.nonZero) {
    // Only an absent request is defaulted; an explicit zero stays zero.
    if (requests?.[CPU] === undefined) r.milliCPU = DEFAULT_MILLI_CPU_REQUEST;
    if (requests?.[MEMORY] === undefined) r.memory = DEFAULT_MEMORY_REQUEST;
  }
  return r;
}

/**
 * Effective requests of a pod. With `nonZero`, absent CPU/memory requests count as 100m/200Mi
 * per container (the figure scoring uses so best-effort pods do not all land on one node).
 */
export function podRequests(spec: PodSpec | undefined, opts: { nonZero: boolean }): Resources {
  const total = emptyResources();
  if (!spec) return total;
  for (const c of spec.containers ?? []) addResources(total, containerRequests(c, opts));
  const sidecars = emptyResources();
  const initMax = emptyResources();
  for (const c of spec.initContainers ?? []) {
    const r = containerRequests(c, opts);
    if (c.restartPolicy === 'Always') {
      addResources(total, r);
      addResources(sidecars, r);
      maxInto(initMax, sidecars);
    } else {
      addResources(r, sidecars);
      maxInto(initMax, r);
    }
  }
  maxInto(total, initMax);
  if (spec.overhead) addResources(total, resourcesFromList(spec.overhead));
  return total;
}
