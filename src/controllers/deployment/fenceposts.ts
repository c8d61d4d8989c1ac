// maxSurge / maxUnavailable as numbers of pods (Kubernetes' ResolveFenceposts): percentages of
// spec.replicas, surge rounded up and unavailability down; if both come out 0, one pod may be
// unavailable so a rollout can progress at all.
import type { Deployment } from 'kubernetes-types/apps/v1.js';

type IntOrPercent = number | string;

/** An int as is; "N%" of `total`, rounded up or down. Throws on anything else. */
export function scaledValue(value: IntOrPercent, total: number, options: { roundUp: boolean }): number {
  if (typeof value === 'number') return value;
  const m = /^(-?\d+)%$/.exec(value);
  if (!m) throw new Error(`invalid value for IntOrString: invalid value ${JSON.stringify(value)}: must be an integer or a percentage`);
  const scaled = (Number(m[1]) * total) / 100;
  return options.roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

export function resolveFenceposts(
  maxSurge: IntOrPercent | undefined,
  maxUnavailable: IntOrPercent | undefined,
  desired: number,
): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge ?? 0, desired, { roundUp: true });
  let unavailable = scaledValue(maxUnavailable ?? 0, desired, { roundUp: false });
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function isRollingUpdate(d: Deployment): boolean {
  return d.spec?.strategy?.type === 'RollingUpdate';
}

export function desiredReplicas(d: Deployment): number {
  return d.spec?.replicas ?? 1;
}

/** Pods allowed above spec.replicas (0 for Recreate). */
export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, desiredReplicas(d)).surge;
}

/** Pods allowed below spec.replicas (0 for Recreate or 0 replicas; never above spec.replicas). */
export function maxUnavailable(d: Deployment): number {
  const replicas = desiredReplicas(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  return Math.min(replicas, resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicas).unavailable);
}
