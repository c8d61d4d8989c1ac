// The ServiceAccount admission plugin (on by default in Kubernetes), for new pods: an empty
// spec.serviceAccountName becomes `default`; the account must exist (403 otherwise); unless
// automounting is switched off (pod first, then account), a projected `kube-api-access-*`
// volume (bound token, cluster CA, namespace) is mounted at the well-known path in every
// container and init container that has nothing there; the account's imagePullSecrets go to a
// pod without any. Mirror pods are not changed, only checked for what they may not reference.
import type { Container, LocalObjectReference, Pod, PodSpec, ServiceAccount, Volume, VolumeMount } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import type { WriteHooks } from '../registry/hooks.js';
import { generateSuffix } from '../registry/meta.js';
import { mirrorPodProblem, mountableSecretsProblem } from './service-account-secrets.js';
import { admissionForbidden, PODS } from './forbidden.js';

export const DEFAULT_SERVICE_ACCOUNT = 'default';
export const TOKEN_VOLUME_PREFIX = 'kube-api-access-';
export const TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
/** Kubernetes' bound-token lifetime for these volumes: just over an hour, so clients still using old tokens can be spotted. */
const TOKEN_EXPIRATION_SECONDS = 3607;
/** The projected volume's default mode, 0644 (Kubernetes sets it explicitly). */
const PROJECTED_DEFAULT_MODE = 420;

/** Reads a ServiceAccount, or undefined when there is none. */
export type ServiceAccountLookup = (namespace: string, name: string) => Promise<ServiceAccount | undefined>;

export interface ServiceAccountAdmissionOptions {
  lookup: ServiceAccountLookup;
  /**
   * How often `default` is looked up before the pod is refused: the serviceaccount controller
   * creates it moments after its namespace, and Kubernetes tries 10 times, 100–200 ms apart.
   */
  defaultAccountAttempts?: number;
  /** Waits between those attempts (tests pass one that does not wait). */
  sleep?: (ms: number) => Promise<void>;
  /** The random part of a new volume's name (Kubernetes' generateName suffix). */
  suffix?: () => string;
}

const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function findAccount(o: ServiceAccountAdmissionOptions, namespace: string, name: string): Promise<ServiceAccount | undefined> {
  const attempts = name === DEFAULT_SERVICE_ACCOUNT ? (o.defaultAccountAttempts ?? 10) : 1;
  const interval = 100 + Math.floor(Math.random() * 100);
  for (let i = 0; i < attempts; i++) {
    if (i > 0) await (o.sleep ?? wait)(interval);
    const sa = await o.lookup(namespace, name);
    if (sa) return sa;
  }
  return undefined;
}

/** Pod first, then account; mounting is the default. */
function shouldAutomount(sa: ServiceAccount, spec: PodSpec): boolean {
  return spec.automountServiceAccountToken ?? sa.automountServiceAccountToken ?? true;
}

/** The projected volume Kubernetes' TokenVolumeSource describes. */
function tokenVolume(name: string): Volume {
  return {
    name,
    projected: {
      defaultMode: PROJECTED_DEFAULT_MODE,
      sources: [
        { serviceAccountToken: { expirationSeconds: TOKEN_EXPIRATION_SECONDS, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

function mountToken(spec: PodSpec, suffix: () => string): void {
  // A volume already named like ours (a pod copied from another) is reused, not added twice.
  const existing = (spec.volumes ?? []).find((v) => v.name.startsWith(TOKEN_VOLUME_PREFIX));
  const volumeName = existing?.name ?? TOKEN_VOLUME_PREFIX + suffix();
  let mounted = false;
  // Ephemeral containers are not given the mount, as in Kubernetes.
  const containers: Container[] = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  for (const c of containers) {
    if ((c.volumeMounts ?? []).some((m) => m.mountPath === TOKEN_MOUNT_PATH)) continue;
    const mount: VolumeMount = { name: volumeName, readOnly: true, mountPath: TOKEN_MOUNT_PATH };
    c.volumeMounts = [...(c.volumeMounts ?? []), mount];
    mounted = true;
  }
  if (!existing && mounted) spec.volumes = [...(spec.volumes ?? []), tokenVolume(volumeName)];
}

/** Admits a new pod (changing it in place), or throws a 403 ApiError. */
export async function admitPodServiceAccount(pod: Pod, o: ServiceAccountAdmissionOptions): Promise<void> {
  const spec = pod.spec;
  if (!spec) return;
  if (pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) {
    // The kubelet deletes a mirror pod whose spec differs from its static pod, so none is changed.
    const problem = mirrorPodProblem(spec);
    if (problem) throw admissionForbidden(PODS, pod, problem);
    return;
  }
  const namespace = pod.metadata?.namespace ?? '';
  if (!spec.serviceAccountName) spec.serviceAccountName = DEFAULT_SERVICE_ACCOUNT;
  // The deprecated alias follows, as the v1 conversion keeps them equal.
  spec.serviceAccount = spec.serviceAccountName;
  const name = spec.serviceAccountName;
  const sa = await findAccount(o, namespace, name);
  if (!sa) throw admissionForbidden(PODS, pod, `error looking up service account ${namespace}/${name}: serviceaccount "${name}" not found`);
  if (shouldAutomount(sa, spec)) mountToken(spec, o.suffix ?? generateSuffix);
  if ((spec.imagePullSecrets ?? []).length === 0 && (sa.imagePullSecrets ?? []).length > 0) {
    spec.imagePullSecrets = (sa.imagePullSecrets ?? []).map((s): LocalObjectReference => ({ name: s.name ?? '' }));
  }
  const problem = mountableSecretsProblem(sa, spec);
  if (problem) throw admissionForbidden(PODS, pod, problem);
}

/** The plugin as a pods write hook (src/apiserver/registry/hooks.ts). */
export function serviceAccountAdmission(o: ServiceAccountAdmissionOptions): WriteHooks {
  return { admitCreate: (obj: KubeObject) => admitPodServiceAccount(obj as Pod, o) };
}
