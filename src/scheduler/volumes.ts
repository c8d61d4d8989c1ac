// What the volume plugins read about storage: PersistentVolumeClaims, PersistentVolumes and
// StorageClasses, from the scheduler's informer caches (or nothing, for a scheduler without
// them: every claim is then "not found").
import type { PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';

export interface VolumeLister {
  claim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  volume(name: string): PersistentVolume | undefined;
  volumes(): readonly PersistentVolume[];
  storageClass(name: string): StorageClass | undefined;
}

export const NO_VOLUMES: VolumeLister = {
  claim: () => undefined,
  volume: () => undefined,
  volumes: () => [],
  storageClass: () => undefined,
};

/**
 * The claims a pod's volumes name: `persistentVolumeClaim.claimName`, and for a generic
 * ephemeral volume the claim the ephemeral-volume controller creates, `<pod>-<volume>`.
 */
export function podClaimNames(pod: Pod): string[] {
  const out: string[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    if (v.persistentVolumeClaim?.claimName) out.push(v.persistentVolumeClaim.claimName);
    else if (v.ephemeral) out.push(`${pod.metadata?.name ?? ''}-${v.name}`);
  }
  return out;
}

/** The StorageClass a claim asks for ('' = none: only PVs without a class bind to it). */
export function claimClassName(claim: PersistentVolumeClaim): string {
  return claim.spec?.storageClassName ?? claim.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? '';
}
