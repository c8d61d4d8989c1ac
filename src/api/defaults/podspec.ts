// PodSpec defaults shared by pods and every pod template (SetDefaults_PodSpec, _Container,
// _Probe, _Volume and friends in Kubernetes v1.33). Pod-only defaults live in pod.ts.
import type {
  Container, HTTPGetAction, Lifecycle, ObjectFieldSelector, PersistentVolumeClaimSpec, PodSpec, PodTemplateSpec, Probe,
  ResourceFieldSelector, Volume,
} from 'kubernetes-types/core/v1.js';

export const DEFAULT_FILE_MODE = 0o644;

/** `:latest` or untagged (and undigested) images are pulled every time. */
export function defaultImagePullPolicy(image: string | undefined): 'Always' | 'IfNotPresent' {
  if (!image) return 'Always';
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const lastSlash = name.lastIndexOf('/');
  const colon = name.indexOf(':', lastSlash + 1);
  const tag = colon >= 0 ? name.slice(colon + 1) : at >= 0 ? '' : 'latest';
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultHTTPGet(g: HTTPGetAction | undefined): void {
  if (!g) return;
  g.path ??= '/';
  if (!g.path) g.path = '/';
  g.scheme ??= 'HTTP';
}

function defaultProbe(p: Probe | undefined): void {
  if (!p) return;
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  defaultHTTPGet(p.httpGet);
  if (p.grpc) p.grpc.service ??= '';
}

function defaultLifecycle(lc: Lifecycle | undefined): void {
  defaultHTTPGet(lc?.postStart?.httpGet);
  defaultHTTPGet(lc?.preStop?.httpGet);
}

function defaultFieldRef(ref: ObjectFieldSelector | undefined): void {
  if (ref && !ref.apiVersion) ref.apiVersion = 'v1';
}

/** A Quantity is a value type in Kubernetes, so an unset divisor serializes as "0". */
function defaultResourceFieldRef(ref: ResourceFieldSelector | undefined): void {
  if (ref && ref.divisor === undefined) ref.divisor = '0';
}

export function defaultContainer(c: Container): void {
  if (!c.imagePullPolicy) c.imagePullPolicy = defaultImagePullPolicy(c.image);
  if (!c.terminationMessagePath) c.terminationMessagePath = '/dev/termination-log';
  if (!c.terminationMessagePolicy) c.terminationMessagePolicy = 'File';
  c.resources ??= {};
  for (const p of c.ports ?? []) if (!p.protocol) p.protocol = 'TCP';
  for (const e of c.env ?? []) {
    defaultFieldRef(e.valueFrom?.fieldRef);
    defaultResourceFieldRef(e.valueFrom?.resourceFieldRef);
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  defaultLifecycle(c.lifecycle);
}

const VOLUME_SOURCES = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi',
  'glusterfs', 'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc',
  'azureFile', 'configMap', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected',
  'portworxVolume', 'scaleIO', 'storageos', 'csi', 'ephemeral', 'image',
];

export function defaultClaimSpec(spec: PersistentVolumeClaimSpec | undefined): void {
  if (spec && !spec.volumeMode) spec.volumeMode = 'Filesystem';
}

export function defaultVolume(v: Volume): void {
  const source = v as unknown as Record<string, unknown>;
  if (!VOLUME_SOURCES.some((s) => source[s] !== undefined && source[s] !== null)) v.emptyDir = {};
  if (v.secret) v.secret.defaultMode ??= DEFAULT_FILE_MODE;
  if (v.configMap) v.configMap.defaultMode ??= DEFAULT_FILE_MODE;
  if (v.downwardAPI) {
    v.downwardAPI.defaultMode ??= DEFAULT_FILE_MODE;
    for (const it of v.downwardAPI.items ?? []) {
      defaultFieldRef(it.fieldRef);
      defaultResourceFieldRef(it.resourceFieldRef);
    }
  }
  if (v.projected) {
    v.projected.defaultMode ??= DEFAULT_FILE_MODE;
    for (const s of v.projected.sources ?? []) {
      if (s.serviceAccountToken) s.serviceAccountToken.expirationSeconds ??= 3600;
      for (const it of s.downwardAPI?.items ?? []) {
        defaultFieldRef(it.fieldRef);
        defaultResourceFieldRef(it.resourceFieldRef);
      }
    }
  }
  if (v.hostPath) v.hostPath.type ??= '';
  if (v.iscsi) v.iscsi.iscsiInterface ??= 'default';
  if (v.rbd) {
    v.rbd.pool ??= 'rbd';
    v.rbd.user ??= 'admin';
    v.rbd.keyring ??= '/etc/ceph/keyring';
  }
  if (v.azureDisk) {
    v.azureDisk.cachingMode ??= 'ReadWrite';
    v.azureDisk.fsType ??= 'ext4';
    v.azureDisk.readOnly ??= false;
    v.azureDisk.kind ??= 'Shared';
  }
  defaultClaimSpec(v.ephemeral?.volumeClaimTemplate?.spec);
}

/** The deprecated `serviceAccount` mirrors `serviceAccountName`, as v1 conversion keeps them. */
function syncServiceAccount(spec: PodSpec): void {
  if (!spec.serviceAccountName && spec.serviceAccount) spec.serviceAccountName = spec.serviceAccount;
  if (spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName;
}

export function defaultPodSpec(spec: PodSpec): void {
  if (!spec.dnsPolicy) spec.dnsPolicy = 'ClusterFirst';
  if (!spec.restartPolicy) spec.restartPolicy = 'Always';
  spec.securityContext ??= {};
  spec.terminationGracePeriodSeconds ??= 30;
  if (!spec.schedulerName) spec.schedulerName = 'default-scheduler';
  for (const c of spec.containers ?? []) defaultContainer(c);
  for (const c of spec.initContainers ?? []) defaultContainer(c);
  for (const c of spec.ephemeralContainers ?? []) defaultContainer(c as Container);
  for (const v of spec.volumes ?? []) defaultVolume(v);
  syncServiceAccount(spec);
}

/**
 * Defaults a pod template in a workload. Kubernetes serializes a template's zero creation
 * time as `creationTimestamp: null`; kubectl users see it, so it is kept.
 */
export function defaultPodTemplateSpec(template: PodTemplateSpec | undefined): void {
  if (!template) return;
  template.metadata ??= {};
  if (template.metadata.creationTimestamp === undefined) (template.metadata as { creationTimestamp?: string | null }).creationTimestamp = null;
  template.spec ??= { containers: [] };
  defaultPodSpec(template.spec);
}
