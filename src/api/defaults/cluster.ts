// Defaults of cluster-scoped configuration kinds: PriorityClass, StorageClass, CSIDriver,
// VolumeAttachment, CustomResourceDefinition and APIService (Kubernetes v1.33).
import type { CustomResourceDefinition } from 'kubernetes-types/apiextensions/v1.js';
import type { APIService } from '../apiregistration.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import type { CSIDriver, StorageClass, VolumeAttachment } from 'kubernetes-types/storage/v1.js';

export function defaultPriorityClass(pc: PriorityClass): void {
  // Go decodes a missing value as 0 and always writes it back.
  (pc as { value?: number }).value ??= 0;
  pc.preemptionPolicy ??= 'PreemptLowerPriority';
}

export function defaultStorageClass(sc: StorageClass): void {
  sc.reclaimPolicy ??= 'Delete';
  sc.volumeBindingMode ??= 'Immediate';
}

/** Its status is a Go struct value whose `attached` is always written: `{"attached": false}` at first. */
export function defaultVolumeAttachment(va: VolumeAttachment): void {
  va.status ??= { attached: false };
  va.status.attached ??= false;
}

export function defaultCSIDriver(d: CSIDriver): void {
  d.spec ??= {};
  const s = d.spec;
  s.attachRequired ??= true;
  s.podInfoOnMount ??= false;
  s.storageCapacity ??= false;
  s.requiresRepublish ??= false;
  s.fsGroupPolicy ??= 'ReadWriteOnceWithFSType';
  s.volumeLifecycleModes ??= ['Persistent'];
  s.seLinuxMount ??= false;
}

export function defaultCustomResourceDefinition(crd: CustomResourceDefinition): void {
  const spec = crd.spec;
  if (!spec) return;
  spec.names ??= { kind: '', plural: '' };
  if (!spec.names.singular && spec.names.kind) spec.names.singular = spec.names.kind.toLowerCase();
  if (!spec.names.listKind && spec.names.kind) spec.names.listKind = `${spec.names.kind}List`;
  spec.conversion ??= { strategy: 'None' };
}

/** kube-aggregator's only defaulter: a backend Service's port is 443 unless given. */
export function defaultAPIService(s: APIService): void {
  const service = s.spec?.service;
  if (service) service.port ??= 443;
}
