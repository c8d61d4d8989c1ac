// Pod volumes: unique DNS-label names, exactly one source each, and the per-source required
// fields and modes that ValidatePodSpec checks in Kubernetes v1.33.
import type { KeyToPath, Volume } from 'kubernetes-types/core/v1.js';
import type { FieldError } from '../errors.js';
import { isPlainObject } from '../object.js';
import { list, validateLocalDescendingPath } from './container.js';
import { duplicate, forbidden, invalid, required } from './field.js';
import { isConfigMapKey, isDNS1123Label } from './names.js';
import { parseQuantityExact, QUANTITY_SYNTAX_ERROR, quantityText } from './quantity.js';

const FILE_MODE_ERROR = 'must be a number between 0 and 0777 (octal), both inclusive';

/** Every volume source field a v1 Volume may carry; exactly one must be set. */
const SOURCES = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi',
  'glusterfs', 'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc',
  'azureFile', 'configMap', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected',
  'portworxVolume', 'scaleIO', 'storageos', 'csi', 'ephemeral', 'image',
] as const;

/** Validates the volumes and returns their names (for volumeMounts). */
export function validateVolumes(volumes: Volume[], path: string, errs: FieldError[]): Set<string> {
  const names = new Set<string>();
  volumes.forEach((v, i) => {
    const p = `${path}[${i}]`;
    if (!v.name) errs.push(required(`${p}.name`));
    else {
      for (const msg of isDNS1123Label(v.name)) errs.push(invalid(`${p}.name`, v.name, msg));
      if (names.has(v.name)) errs.push(duplicate(`${p}.name`, v.name));
      names.add(v.name);
    }
    errs.push(...validateVolumeSource(v, p));
  });
  return names;
}

function validateVolumeSource(v: Volume, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const set = SOURCES.filter((s) => (v as unknown as Record<string, unknown>)[s] !== undefined && (v as unknown as Record<string, unknown>)[s] !== null);
  if (set.length === 0) return [required(path, 'must specify a volume type')];
  for (const extra of set.slice(1)) errs.push(forbidden(`${path}.${extra}`, 'may not specify more than 1 volume type'));
  if (v.hostPath) {
    if (!v.hostPath.path) errs.push(required(`${path}.hostPath.path`));
    const types = ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'];
    if (v.hostPath.type !== undefined && !types.includes(v.hostPath.type))
      errs.push({ type: 'FieldValueNotSupported', field: `${path}.hostPath.type`, value: v.hostPath.type, detail: `supported values: ${types.map((t) => JSON.stringify(t)).join(', ')}` });
  }
  if (v.emptyDir) {
    if (v.emptyDir.medium && !['Memory', 'HugePages'].includes(v.emptyDir.medium) && !v.emptyDir.medium.startsWith('HugePages-'))
      errs.push({ type: 'FieldValueNotSupported', field: `${path}.emptyDir.medium`, value: v.emptyDir.medium, detail: 'supported values: "", "Memory", "HugePages"' });
    if (v.emptyDir.sizeLimit !== undefined) {
      const text = quantityText(v.emptyDir.sizeLimit);
      const q = text === undefined ? undefined : parseQuantityExact(text);
      if (!q) errs.push(invalid(`${path}.emptyDir.sizeLimit`, v.emptyDir.sizeLimit, QUANTITY_SYNTAX_ERROR));
      else if (q.nanos < 0n) errs.push(invalid(`${path}.emptyDir.sizeLimit`, text, 'must be greater than or equal to 0'));
    }
  }
  if (v.secret) {
    if (!v.secret.secretName) errs.push(required(`${path}.secret.secretName`));
    errs.push(...validateMode(v.secret.defaultMode, `${path}.secret.defaultMode`));
    errs.push(...validateItems(list(v.secret.items), `${path}.secret.items`));
  }
  if (v.configMap) {
    if (!v.configMap.name) errs.push(required(`${path}.configMap.name`));
    errs.push(...validateMode(v.configMap.defaultMode, `${path}.configMap.defaultMode`));
    errs.push(...validateItems(list(v.configMap.items), `${path}.configMap.items`));
  }
  if (v.persistentVolumeClaim && !v.persistentVolumeClaim.claimName) errs.push(required(`${path}.persistentVolumeClaim.claimName`));
  if (v.nfs) {
    if (!v.nfs.server) errs.push(required(`${path}.nfs.server`));
    if (!v.nfs.path) errs.push(required(`${path}.nfs.path`));
    else if (!v.nfs.path.startsWith('/')) errs.push(invalid(`${path}.nfs.path`, v.nfs.path, 'must be an absolute path'));
  }
  if (v.downwardAPI) {
    errs.push(...validateMode(v.downwardAPI.defaultMode, `${path}.downwardAPI.defaultMode`));
    list(v.downwardAPI.items).forEach((it, i) => {
      const ip = `${path}.downwardAPI.items[${i}]`;
      if (!it.path) errs.push(required(`${ip}.path`));
      else errs.push(...validateLocalDescendingPath(it.path, `${ip}.path`));
      errs.push(...validateMode(it.mode, `${ip}.mode`));
      if (!it.fieldRef && !it.resourceFieldRef) errs.push(required(ip, 'one of fieldRef and resourceFieldRef is required'));
    });
  }
  if (v.projected) {
    errs.push(...validateMode(v.projected.defaultMode, `${path}.projected.defaultMode`));
    list(v.projected.sources).forEach((src, i) => {
      const sp = `${path}.projected.sources[${i}]`;
      if (!isPlainObject(src) || Object.keys(src).length === 0) errs.push(required(sp, 'must specify exactly 1 source type'));
      if (src.secret) errs.push(...validateItems(list(src.secret.items), `${sp}.secret.items`));
      if (src.configMap) errs.push(...validateItems(list(src.configMap.items), `${sp}.configMap.items`));
      if (src.serviceAccountToken) {
        if (!src.serviceAccountToken.path) errs.push(required(`${sp}.serviceAccountToken.path`));
        const exp = src.serviceAccountToken.expirationSeconds;
        if (exp !== undefined && exp < 600) errs.push(invalid(`${sp}.serviceAccountToken.expirationSeconds`, exp, 'may not specify a duration less than 10 minutes'));
      }
    });
  }
  if (v.csi && !v.csi.driver) errs.push(required(`${path}.csi.driver`));
  if (v.ephemeral && !v.ephemeral.volumeClaimTemplate) errs.push(required(`${path}.ephemeral.volumeClaimTemplate`));
  return errs;
}

function validateMode(mode: number | undefined, path: string): FieldError[] {
  if (mode === undefined) return [];
  return Number.isInteger(mode) && mode >= 0 && mode <= 0o777 ? [] : [invalid(path, mode, FILE_MODE_ERROR)];
}

function validateItems(items: KeyToPath[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  items.forEach((it, i) => {
    const p = `${path}[${i}]`;
    if (!it.key) errs.push(required(`${p}.key`));
    else for (const msg of isConfigMapKey(it.key)) errs.push(invalid(`${p}.key`, it.key, msg));
    if (!it.path) errs.push(required(`${p}.path`));
    else errs.push(...validateLocalDescendingPath(it.path, `${p}.path`));
    errs.push(...validateMode(it.mode, `${p}.mode`));
  });
  return errs;
}
