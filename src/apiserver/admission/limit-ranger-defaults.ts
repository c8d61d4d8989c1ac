// LimitRanger's mutation (Kubernetes' PodMutateLimitFunc): a LimitRange's Container item
// fills the limits (`default`) and requests (`defaultRequest`) a container or init container
// leaves out, and the pod is annotated with what was set. LimitRange defaulting has already
// made `default` fall back to `max`, and `defaultRequest` to `default`, then `min`.
import type { Container, LimitRange, Pod } from 'kubernetes-types/core/v1.js';
import type { Quantity } from 'kubernetes-types/api/resource.js';
import { quantity } from '../../api/quota/usage.js';
import { formatExactQuantity } from '../../api/validation/quantity.js';

export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

type ResourceList = Record<string, Quantity>;

interface Defaults {
  limits: ResourceList;
  requests: ResourceList;
}

/** The Container items' defaults (a later item overrides an earlier one), in canonical text. */
function containerDefaults(lr: LimitRange): Defaults {
  const out: Defaults = { limits: {}, requests: {} };
  const canonical = (v: unknown): string | undefined => {
    const q = quantity(v);
    return q ? formatExactQuantity(q) : undefined;
  };
  for (const item of lr.spec?.limits ?? []) {
    if (item.type !== 'Container') continue;
    for (const [k, v] of Object.entries(item.defaultRequest ?? {})) {
      const t = canonical(v);
      if (t !== undefined) out.requests[k] = t;
    }
    for (const [k, v] of Object.entries(item.default ?? {})) {
      const t = canonical(v);
      if (t !== undefined) out.limits[k] = t;
    }
  }
  return out;
}

/** Fills what `c` leaves out of `from` into `field`; the names set, sorted. */
function fill(c: Container, field: 'limits' | 'requests', from: ResourceList): string[] {
  const set: string[] = [];
  for (const [k, v] of Object.entries(from)) {
    const own = c.resources?.[field];
    if (own && k in own) continue;
    c.resources ??= {};
    (c.resources[field] ??= {})[k] = v;
    set.push(k);
  }
  return set.sort();
}

/** The annotation's parts for one container: `cpu, memory request for container app` etc. */
function mergeContainer(c: Container, d: Defaults, kind: 'container' | 'init container'): string[] {
  const limits = fill(c, 'limits', d.limits);
  const requests = fill(c, 'requests', d.requests);
  const parts: string[] = [];
  if (requests.length > 0) parts.push(`${requests.join(', ')} request for ${kind} ${c.name}`);
  if (limits.length > 0) parts.push(`${limits.join(', ')} limit for ${kind} ${c.name}`);
  return parts;
}

/**
 * Applies one LimitRange's container defaults to `pod` (in place). The annotation is set only
 * when something was filled in, so with several LimitRanges the last one that filled wins.
 */
export function applyLimitRangeDefaults(pod: Pod, lr: LimitRange): void {
  const spec = pod.spec;
  if (!spec) return;
  const d = containerDefaults(lr);
  const parts = [
    ...(spec.containers ?? []).flatMap((c) => mergeContainer(c, d, 'container')),
    ...(spec.initContainers ?? []).flatMap((c) => mergeContainer(c, d, 'init container')),
  ];
  if (parts.length === 0) return;
  pod.metadata ??= {};
  pod.metadata.annotations = { ...pod.metadata.annotations, [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${parts.join('; ')}` };
}
