// Storage kinds: PersistentVolume, PersistentVolumeClaim (v1) and StorageClass
// (storage.k8s.io/v1), as Kubernetes v1.33 validates them.
import type { PersistentVolume, PersistentVolumeClaim, PersistentVolumeClaimSpec } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import type { FieldError } from '../errors.js';
import { isPlainObject } from '../object.js';
import { list, readQuantities } from './container.js';
import { jsonEqual } from './equal.js';
import { forbidden, IMMUTABLE, invalid, key, notSupported, required } from './field.js';
import { formatExactQuantity } from './quantity.js';
import { isDNS1123Subdomain, isQualifiedName } from './names.js';

const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const VOLUME_MODES = ['Block', 'Filesystem'];

function validateAccessModes(modes: string[], path: string, requiredDetail: string): FieldError[] {
  const errs: FieldError[] = [];
  if (modes.length === 0) errs.push(required(path, requiredDetail));
  for (const m of modes) if (!ACCESS_MODES.includes(m)) errs.push(notSupported(path, m, ACCESS_MODES));
  if (modes.includes('ReadWriteOncePod') && modes.length > 1) errs.push(forbidden(path, 'may not use ReadWriteOncePod with other access modes'));
  return errs;
}

function validateClassName(name: string | undefined, path: string): FieldError[] {
  return name ? isDNS1123Subdomain(name).map((m) => invalid(path, name, m)) : [];
}

const PV_SOURCES = [
  'hostPath', 'gcePersistentDisk', 'awsElasticBlockStore', 'nfs', 'iscsi', 'glusterfs', 'rbd', 'flexVolume', 'cinder',
  'cephfs', 'flocker', 'fc', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk',
  'portworxVolume', 'scaleIO', 'local', 'storageos', 'csi',
] as const;

export function validatePersistentVolume(pv: PersistentVolume): FieldError[] {
  const spec = pv.spec;
  if (!spec) return [required('spec')];
  const errs = validateAccessModes(list(spec.accessModes), 'spec.accessModes', '');
  const capacity = isPlainObject(spec.capacity) ? spec.capacity : undefined;
  if (!capacity || Object.keys(capacity).length === 0) errs.push(required('spec.capacity'));
  else {
    if (!Object.hasOwn(capacity, 'storage') || Object.keys(capacity).length > 1)
      errs.push(notSupported('spec.capacity', capacity, ['storage']));
    const q = readQuantities(capacity, 'spec.capacity', errs).get('storage');
    if (q && q.nanos <= 0n) errs.push(invalid(key('spec.capacity', 'storage'), formatExactQuantity(q), 'must be greater than zero'));
  }
  const rp = spec.persistentVolumeReclaimPolicy;
  if (rp && !['Delete', 'Recycle', 'Retain'].includes(rp)) errs.push(notSupported('spec.persistentVolumeReclaimPolicy', rp, ['Delete', 'Recycle', 'Retain']));
  if (spec.volumeMode && !VOLUME_MODES.includes(spec.volumeMode)) errs.push(notSupported('spec.volumeMode', spec.volumeMode, VOLUME_MODES));
  errs.push(...validateClassName(spec.storageClassName, 'spec.storageClassName'));
  const sources = PV_SOURCES.filter((s) => (spec as Record<string, unknown>)[s] !== undefined);
  if (sources.length === 0) errs.push(required('spec', 'must specify a volume type'));
  for (const extra of sources.slice(1)) errs.push(forbidden(`spec.${extra}`, 'may not specify more than 1 volume type'));
  if (spec.hostPath && !spec.hostPath.path) errs.push(required('spec.hostPath.path'));
  if (spec.local && !spec.local.path) errs.push(required('spec.local.path'));
  if (spec.nfs && !spec.nfs.server) errs.push(required('spec.nfs.server'));
  if (spec.csi && !spec.csi.driver) errs.push(required('spec.csi.driver'));
  return errs;
}

export function validatePersistentVolumeUpdate(pv: PersistentVolume, old: PersistentVolume): FieldError[] {
  const errs = validatePersistentVolume(pv);
  if ((pv.spec?.volumeMode ?? '') !== (old.spec?.volumeMode ?? '')) errs.push(invalid('spec.volumeMode', pv.spec?.volumeMode ?? '', IMMUTABLE));
  for (const s of PV_SOURCES) {
    const before = (old.spec as Record<string, unknown> | undefined)?.[s];
    if (before !== undefined && !jsonEqual((pv.spec as Record<string, unknown> | undefined)?.[s], before))
      errs.push(forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation'));
  }
  return errs;
}

function validateClaimSpec(spec: PersistentVolumeClaimSpec | undefined, path: string): FieldError[] {
  if (!spec) return [required(path)];
  const errs = validateAccessModes(list(spec.accessModes), `${path}.accessModes`, 'at least 1 access mode is required');
  const requests = readQuantities(spec.resources?.requests, `${path}.resources.requests`, errs);
  const storage = requests.get('storage');
  const storagePath = key(`${path}.resources`, 'storage');
  if (!isPlainObject(spec.resources?.requests) || !Object.hasOwn(spec.resources.requests, 'storage')) errs.push(required(storagePath));
  else if (storage && storage.nanos <= 0n) errs.push(invalid(storagePath, formatExactQuantity(storage), 'must be greater than zero'));
  errs.push(...validateClassName(spec.storageClassName, `${path}.storageClassName`));
  if (spec.volumeMode && !VOLUME_MODES.includes(spec.volumeMode)) errs.push(notSupported(`${path}.volumeMode`, spec.volumeMode, VOLUME_MODES));
  if (spec.selector && spec.selector.matchExpressions?.some((r) => !r.key)) errs.push(required(`${path}.selector`));
  return errs;
}

export function validatePersistentVolumeClaim(pvc: PersistentVolumeClaim): FieldError[] {
  return validateClaimSpec(pvc.spec, 'spec');
}

export const PVC_SPEC_IMMUTABLE = 'spec is immutable after creation except resources.requests for bound claims';

export function validatePersistentVolumeClaimUpdate(pvc: PersistentVolumeClaim, old: PersistentVolumeClaim): FieldError[] {
  const errs = validatePersistentVolumeClaim(pvc);
  const now = structuredClone(pvc.spec ?? {});
  const before = structuredClone(old.spec ?? {});
  // The volume binder sets volumeName once.
  if (!before.volumeName) before.volumeName = now.volumeName;
  const bound = old.status?.phase === 'Bound';
  if (bound) {
    const scratch: FieldError[] = [];
    const newStorage = readQuantities(now.resources?.requests, 'spec.resources.requests', scratch).get('storage');
    const oldStorage = readQuantities(before.resources?.requests, 'spec.resources.requests', scratch).get('storage');
    if (newStorage && oldStorage && newStorage.nanos < oldStorage.nanos)
      errs.push(forbidden('spec.resources.requests.storage', 'field can not be less than previous value'));
    now.resources = { ...now.resources, requests: before.resources?.requests };
  }
  if (!jsonEqual(now, before)) errs.push(forbidden('spec', PVC_SPEC_IMMUTABLE));
  return errs;
}

export function validateStorageClass(sc: StorageClass): FieldError[] {
  const errs: FieldError[] = [];
  if (!sc.provisioner) errs.push(required('provisioner'));
  else for (const msg of isQualifiedName(sc.provisioner.toLowerCase())) errs.push(invalid('provisioner', sc.provisioner, msg));
  if (sc.reclaimPolicy && !['Delete', 'Retain'].includes(sc.reclaimPolicy)) errs.push(notSupported('reclaimPolicy', sc.reclaimPolicy, ['Delete', 'Retain']));
  const vbm = sc.volumeBindingMode;
  if (vbm && !['Immediate', 'WaitForFirstConsumer'].includes(vbm)) errs.push(notSupported('volumeBindingMode', vbm, ['Immediate', 'WaitForFirstConsumer']));
  if (Object.keys(sc.parameters ?? {}).length > 512) errs.push(invalid('parameters', '', 'can have at most 512 parameters'));
  return errs;
}

export function validateStorageClassUpdate(sc: StorageClass, old: StorageClass): FieldError[] {
  const errs = validateStorageClass(sc);
  if (!jsonEqual(sc.parameters, old.parameters)) errs.push(forbidden('parameters', 'updates to parameters are forbidden.'));
  if (sc.provisioner !== old.provisioner) errs.push(forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (sc.reclaimPolicy !== old.reclaimPolicy) errs.push(forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  if (sc.volumeBindingMode !== old.volumeBindingMode) errs.push(invalid('volumeBindingMode', sc.volumeBindingMode ?? '', IMMUTABLE));
  return errs;
}
