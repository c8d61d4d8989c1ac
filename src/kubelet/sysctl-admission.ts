// Node-side sysctl admission (Kubernetes' kubelet sysctl allowlist, v1.33): a pod may set only
// the "safe" namespaced sysctls unless the node allows more; one asking for anything else is
// rejected with reason SysctlForbidden, and so is a net.* sysctl on a host-network pod or an
// IPC one on a host-IPC pod (it would change the node's own value).
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { AdmitResult } from './admission.js';
import { normalizeSysctlName, sysctlNamespace } from '../api/validation/sysctls.js';

export const SAFE_SYSCTLS: readonly string[] = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
  'net.ipv4.tcp_rmem',
  'net.ipv4.tcp_wmem',
];

/**
 * Checks one pod's sysctls against `allowed` (exact names, or `prefix*` patterns as the
 * kubelet's --allowed-unsafe-sysctls takes them) on top of the safe set.
 */
export function admitSysctls(pod: Pod, allowed: readonly string[] = []): AdmitResult {
  const exact = new Set([...SAFE_SYSCTLS, ...allowed.filter((a) => !a.endsWith('*'))]);
  const prefixes = allowed.filter((a) => a.endsWith('*')).map((a) => a.slice(0, -1));
  for (const s of pod.spec?.securityContext?.sysctls ?? []) {
    const name = normalizeSysctlName(s.name);
    let problem = `"${name}" not allowlisted`;
    if (exact.has(name) || prefixes.some((p) => name.startsWith(p))) {
      const ns = sysctlNamespace(name);
      if (ns === 'net' && pod.spec?.hostNetwork === true) problem = `"${name}" not allowed with host net enabled`;
      else if (ns === 'ipc' && pod.spec?.hostIPC === true) problem = `"${name}" not allowed with host ipc enabled`;
      else continue;
    }
    return { admit: false, reason: 'SysctlForbidden', message: `Pod was rejected: forbidden sysctl: ${problem}` };
  }
  return { admit: true };
}
