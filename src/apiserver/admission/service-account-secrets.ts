// The secret checks of ServiceAccount admission: what a mirror pod may not reference, and, for
// an account annotated `kubernetes.io/enforce-mountable-secrets: "true"`, the secrets a pod
// may use (only those the account lists). Each returns Kubernetes' reason, or undefined.
import type { Container, EphemeralContainer, PodSpec, ServiceAccount, Volume } from 'kubernetes-types/core/v1.js';

export const ENFORCE_MOUNTABLE_SECRETS_ANNOTATION = 'kubernetes.io/enforce-mountable-secrets';

type AnyContainer = Container | EphemeralContainer;

function allContainers(spec: PodSpec): AnyContainer[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
}

/** Secret names a volume reads, as Kubernetes' VisitPodSecretNames finds them. */
function volumeSecrets(v: Volume): (string | undefined)[] {
  return [
    v.secret?.secretName,
    v.azureFile?.secretName,
    v.cephfs?.secretRef?.name,
    v.cinder?.secretRef?.name,
    v.flexVolume?.secretRef?.name,
    v.rbd?.secretRef?.name,
    v.scaleIO?.secretRef?.name,
    v.iscsi?.secretRef?.name,
    v.storageos?.secretRef?.name,
    v.csi?.nodePublishSecretRef?.name,
    ...(v.projected?.sources ?? []).map((s) => s.secret?.name),
  ];
}

function containerSecrets(c: AnyContainer): (string | undefined)[] {
  return [...(c.env ?? []).map((e) => e.valueFrom?.secretKeyRef?.name), ...(c.envFrom ?? []).map((e) => e.secretRef?.name)];
}

/** Why a mirror pod (a static pod's API copy) is refused: it may not depend on API credentials. */
export function mirrorPodProblem(spec: PodSpec): string | undefined {
  if (spec.serviceAccountName) return 'a mirror pod may not reference service accounts';
  const secrets = [
    ...(spec.imagePullSecrets ?? []).map((s) => s.name),
    ...allContainers(spec).flatMap(containerSecrets),
    ...(spec.volumes ?? []).flatMap(volumeSecrets),
  ];
  if (secrets.some((s) => s !== undefined)) return 'a mirror pod may not reference secrets';
  const projectsToken = (spec.volumes ?? []).some((v) => (v.projected?.sources ?? []).some((s) => s.serviceAccountToken !== undefined));
  if (projectsToken) return 'a mirror pod may not use ServiceAccountToken volume projections';
  return undefined;
}

function enforcesMountableSecrets(sa: ServiceAccount): boolean {
  // strconv.ParseBool's true spellings.
  return ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(sa.metadata?.annotations?.[ENFORCE_MOUNTABLE_SECRETS_ANNOTATION] ?? '');
}

function containerProblem(c: Container, what: string, allowed: ReadonlySet<string>, account: string): string | undefined {
  const suffix = `is not allowed because service account ${account} does not reference that secret`;
  for (const e of c.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef?.name;
    if (ref !== undefined && !allowed.has(ref)) return `${what} ${c.name} with envVar ${e.name} referencing secret.secretName="${ref}" ${suffix}`;
  }
  for (const e of c.envFrom ?? []) {
    const ref = e.secretRef?.name;
    if (ref !== undefined && !allowed.has(ref)) return `${what} ${c.name} with envFrom referencing secret.secretName="${ref}" ${suffix}`;
  }
  return undefined;
}

/** With enforcement on, a secret volume, env or envFrom reference, or pull secret the account does not list. */
export function mountableSecretsProblem(sa: ServiceAccount, spec: PodSpec): string | undefined {
  if (!enforcesMountableSecrets(sa)) return undefined;
  const account = sa.metadata?.name ?? '';
  const allowed = new Set((sa.secrets ?? []).map((s) => s.name ?? ''));
  for (const v of spec.volumes ?? []) {
    const name = v.secret?.secretName;
    if (v.secret && !allowed.has(name ?? '')) {
      return `volume with secret.secretName="${name ?? ''}" is not allowed because service account ${account} does not reference that secret`;
    }
  }
  for (const c of spec.initContainers ?? []) {
    const problem = containerProblem(c, 'init container', allowed, account);
    if (problem) return problem;
  }
  for (const c of spec.containers ?? []) {
    const problem = containerProblem(c, 'container', allowed, account);
    if (problem) return problem;
  }
  const pullable = new Set((sa.imagePullSecrets ?? []).map((s) => s.name ?? ''));
  const index = (spec.imagePullSecrets ?? []).findIndex((s) => !pullable.has(s.name ?? ''));
  if (index >= 0) {
    const name = spec.imagePullSecrets?.[index]?.name ?? '';
    return `imagePullSecrets[${index}].name="${name}" is not allowed because service account ${account} does not reference that imagePullSecret`;
  }
  return undefined;
}
