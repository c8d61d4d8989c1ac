// The effective Linux security settings the kubelet hands the runtime, merged as Kubernetes'
// kuberuntime does: container securityContext over the pod's for user and group, fsGroup then
// the pod's supplementalGroups as extra groups, no_new_privs from allowPrivilegeEscalation=false
// (never for a privileged container), and the sandbox privileged when any container is.
// seccompProfile, container over pod: RuntimeDefault, Unconfined, or Localhost — a file under
// `<kubelet root>/seccomp/`. runAsNonRoot is checked against runAsUser or the image's user.
import { join } from 'node:path';
import type { Container, Pod, SeccompProfile as ApiSeccompProfile } from 'kubernetes-types/core/v1.js';
import type { ContainerSecurity, ImageInfo, SandboxSecurity, SeccompProfile } from './runtime/runtime.js';
import { normalizeSysctlName } from '../api/validation/sysctls.js';

/** A seccomp profile for the runtime; none when the pod names none (the runtime runs unconfined). */
function seccomp(profile: ApiSeccompProfile | undefined, seccompDir: string): { seccomp: SeccompProfile } | Record<string, never> {
  switch (profile?.type) {
    case 'RuntimeDefault':
    case 'Unconfined':
      return { seccomp: { type: profile.type } };
    case 'Localhost':
      return { seccomp: { type: 'Localhost', localhostRef: join(seccompDir, profile.localhostProfile ?? '') } };
    default:
      return {};
  }
}

/** The container's user settings: its own over the pod's. */
function userOf(pod: Pod, c: Container): { runAsUser?: number; runAsGroup?: number; runAsNonRoot?: boolean } {
  const sc = c.securityContext;
  const podSc = pod.spec?.securityContext;
  return { runAsUser: sc?.runAsUser ?? podSc?.runAsUser, runAsGroup: sc?.runAsGroup ?? podSc?.runAsGroup, runAsNonRoot: sc?.runAsNonRoot ?? podSc?.runAsNonRoot };
}

/** Whether runAsNonRoot can only be checked against the image's user (no runAsUser is set). */
export function needsImageUser(pod: Pod, c: Container): boolean {
  const u = userOf(pod, c);
  return u.runAsNonRoot === true && u.runAsUser === undefined;
}

/**
 * Why the container may not run under runAsNonRoot (Kubernetes' verifyRunAsNonRoot), or
 * undefined: runAsUser 0, or no runAsUser and an image that runs as root (an image without a
 * USER does) or as a user name that cannot be checked.
 */
export function runAsNonRootViolation(pod: Pod, c: Container, image: ImageInfo | undefined): string | undefined {
  const { runAsNonRoot, runAsUser } = userOf(pod, c);
  if (runAsNonRoot !== true) return undefined;
  const who = `(pod: "${pod.metadata?.name ?? ''}_${pod.metadata?.namespace ?? ''}(${pod.metadata?.uid ?? ''})", container: ${c.name})`;
  if (runAsUser !== undefined) return runAsUser === 0 ? `container's runAsUser breaks non-root policy ${who}` : undefined;
  if (image?.uid === undefined && image?.username) return `container has runAsNonRoot and image has non-numeric user (${image.username}), cannot verify user is non-root ${who}`;
  return (image?.uid ?? 0) === 0 ? `container has runAsNonRoot and image will run as root ${who}` : undefined;
}

function podGroups(pod: Pod): number[] | undefined {
  const sc = pod.spec?.securityContext;
  const groups = [...(sc?.fsGroup !== undefined ? [sc.fsGroup] : []), ...(sc?.supplementalGroups ?? [])];
  return groups.length > 0 ? groups : undefined;
}

function allContainers(pod: Pod): Container[] {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
}

export function sandboxSecurity(pod: Pod, seccompDir: string): SandboxSecurity {
  const sc = pod.spec?.securityContext;
  const groups = podGroups(pod);
  return {
    ...seccomp(sc?.seccompProfile, seccompDir),
    ...(sc?.runAsUser !== undefined ? { runAsUser: sc.runAsUser } : {}),
    ...(sc?.runAsGroup !== undefined ? { runAsGroup: sc.runAsGroup } : {}),
    ...(groups ? { supplementalGroups: groups } : {}),
    ...(allContainers(pod).some((c) => c.securityContext?.privileged === true) ? { privileged: true } : {}),
  };
}

export function containerSecurity(pod: Pod, c: Container, seccompDir: string): ContainerSecurity {
  const podSc = pod.spec?.securityContext;
  const sc = c.securityContext;
  const { runAsUser, runAsGroup } = userOf(pod, c);
  const groups = podGroups(pod);
  const privileged = sc?.privileged === true;
  const noNewPrivileges = !privileged && sc?.allowPrivilegeEscalation === false;
  return {
    ...seccomp(sc?.seccompProfile ?? podSc?.seccompProfile, seccompDir),
    ...(runAsUser !== undefined ? { runAsUser } : {}),
    ...(runAsGroup !== undefined ? { runAsGroup } : {}),
    ...(groups ? { supplementalGroups: groups } : {}),
    ...(sc?.readOnlyRootFilesystem === true ? { readOnlyRootFilesystem: true } : {}),
    ...(noNewPrivileges ? { noNewPrivileges } : {}),
    ...(privileged ? { privileged } : {}),
    ...(sc?.capabilities?.add?.length ? { capabilitiesAdd: [...sc.capabilities.add] } : {}),
    ...(sc?.capabilities?.drop?.length ? { capabilitiesDrop: [...sc.capabilities.drop] } : {}),
  };
}

export function podSysctls(pod: Pod): Record<string, string> | undefined {
  const list = pod.spec?.securityContext?.sysctls ?? [];
  if (list.length === 0) return undefined;
  return Object.fromEntries(list.map((s) => [normalizeSysctlName(s.name), s.value]));
}
