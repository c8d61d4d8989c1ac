// The effective Linux security settings the kubelet hands the runtime, merged as Kubernetes'
// kuberuntime does: container securityContext over the pod's for user and group, fsGroup then
// the pod's supplementalGroups as extra groups, no_new_privs from allowPrivilegeEscalation=false
// (never for a privileged container), and the sandbox privileged when any container is.
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerSecurity, SandboxSecurity } from './runtime/runtime.js';

function podGroups(pod: Pod): number[] | undefined {
  const sc = pod.spec?.securityContext;
  const groups = [...(sc?.fsGroup !== undefined ? [sc.fsGroup] : []), ...(sc?.supplementalGroups ?? [])];
  return groups.length > 0 ? groups : undefined;
}

function allContainers(pod: Pod): Container[] {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
}

export function sandboxSecurity(pod: Pod): SandboxSecurity {
  const sc = pod.spec?.securityContext;
  const groups = podGroups(pod);
  return {
    ...(sc?.runAsUser !== undefined ? { runAsUser: sc.runAsUser } : {}),
    ...(sc?.runAsGroup !== undefined ? { runAsGroup: sc.runAsGroup } : {}),
    ...(groups ? { supplementalGroups: groups } : {}),
    ...(allContainers(pod).some((c) => c.securityContext?.privileged === true) ? { privileged: true } : {}),
  };
}

export function containerSecurity(pod: Pod, c: Container): ContainerSecurity {
  const podSc = pod.spec?.securityContext;
  const sc = c.securityContext;
  const runAsUser = sc?.runAsUser ?? podSc?.runAsUser;
  const runAsGroup = sc?.runAsGroup ?? podSc?.runAsGroup;
  const groups = podGroups(pod);
  const privileged = sc?.privileged === true;
  const noNewPrivileges = !privileged && sc?.allowPrivilegeEscalation === false;
  return {
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

/**
 * A sysctl name in dot form: a name whose first separator is `/` has its `.` and `/` swapped
 * (`net/ipv4/conf/eth0.100/rp_filter` → `net.ipv4.conf.eth0/100.rp_filter`), as Kubernetes'
 * NormalizeName does, so runtimes that turn dots into path separators find the right file.
 */
export function normalizeSysctlName(name: string): string {
  const firstSep = name.search(/[./]/);
  if (firstSep < 0 || name[firstSep] === '.') return name;
  return name.replace(/[./]/g, (ch) => (ch === '.' ? '/' : '.'));
}

export function podSysctls(pod: Pod): Record<string, string> | undefined {
  const list = pod.spec?.securityContext?.sysctls ?? [];
  if (list.length === 0) return undefined;
  return Object.fromEntries(list.map((s) => [normalizeSysctlName(s.name), s.value]));
}
