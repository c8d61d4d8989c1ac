// The identity of StatefulSet pods — `<set>-<ordinal>`, hostname and subdomain, the pod-name
// and pod-index labels — and the PersistentVolumeClaims bound to each ordinal.
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { deepCopy } from '../../api/object.js';
import { CONTROLLER_REVISION_HASH_LABEL } from '../history/revisions.js';
import { newControllerRef } from '../shared/ownership.js';
import { isPodReady, msUntilAvailable } from '../shared/pod-state.js';

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

export function podName(set: StatefulSet, ordinal: number): string {
  return `${set.metadata?.name ?? ''}-${ordinal}`;
}

/** The ordinal in a pod's name, or undefined when the name is not `<set>-<n>`. */
export function ordinalOf(set: StatefulSet, pod: Pod): number | undefined {
  const prefix = `${set.metadata?.name ?? ''}-`;
  const name = pod.metadata?.name ?? '';
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9][0-9]*)$/.test(rest) ? Number(rest) : undefined;
}

export function claimName(templateName: string, set: StatefulSet, ordinal: number): string {
  return `${templateName}-${set.metadata?.name ?? ''}-${ordinal}`;
}

export function controllerRef(set: StatefulSet): OwnerReference {
  return newControllerRef({ apiVersion: 'apps/v1', kind: 'StatefulSet' }, set);
}

/** The claims ordinal `ordinal` needs, one per volumeClaimTemplate. */
export function claimsFor(set: StatefulSet, ordinal: number): PersistentVolumeClaim[] {
  const whenDeleted = set.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted ?? 'Retain';
  return (set.spec?.volumeClaimTemplates ?? []).map((t) => {
    const { status: _status, ...rest } = deepCopy(t);
    const claim: PersistentVolumeClaim = { ...rest };
    const name = claimName(t.metadata?.name ?? '', set, ordinal);
    const owners: OwnerReference[] = [];
    // Retention Delete on set deletion: the garbage collector removes claims with the set.
    if (whenDeleted === 'Delete') owners.push({ ...controllerRef(set), controller: false });
    claim.apiVersion = 'v1';
    claim.kind = 'PersistentVolumeClaim';
    claim.metadata = {
      name,
      namespace: set.metadata?.namespace,
      labels: { ...(t.metadata?.labels ?? {}), ...(set.spec?.selector?.matchLabels ?? {}) },
      annotations: t.metadata?.annotations,
      ...(owners.length > 0 ? { ownerReferences: owners } : {}),
    };
    return claim;
  });
}

/** A pod for `ordinal` from `template`, labelled with `revision` (a revision name). */
export function newPod(set: StatefulSet, template: PodTemplateSpec, ordinal: number, revision: string): Pod {
  const t = deepCopy(template);
  const name = podName(set, ordinal);
  const spec = t.spec ?? { containers: [] };
  spec.hostname = name;
  if (set.spec?.serviceName) spec.subdomain = set.spec.serviceName;
  const claims = new Map((set.spec?.volumeClaimTemplates ?? []).map((c) => [c.metadata?.name ?? '', claimName(c.metadata?.name ?? '', set, ordinal)]));
  const volumes = (spec.volumes ?? []).filter((v) => !claims.has(v.name));
  for (const [volume, claim] of claims) volumes.push({ name: volume, persistentVolumeClaim: { claimName: claim } });
  if (volumes.length > 0) spec.volumes = volumes;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: set.metadata?.namespace,
      labels: { ...(t.metadata?.labels ?? {}), [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [CONTROLLER_REVISION_HASH_LABEL]: revision },
      annotations: t.metadata?.annotations,
      ownerReferences: [controllerRef(set)],
    },
    spec,
  };
}

export function podRevision(pod: Pod): string | undefined {
  return pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL];
}

export function isTerminating(pod: Pod): boolean {
  return pod.metadata?.deletionTimestamp != null;
}

export function isFinished(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

export function isRunningAndReady(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && isPodReady(pod);
}

/** Milliseconds until a running and ready pod counts as available (0: it is); undefined if not ready. */
export function untilAvailable(pod: Pod, minReadySeconds: number, now: number): number | undefined {
  return pod.status?.phase === 'Running' ? msUntilAvailable(pod, minReadySeconds, now) : undefined;
}
