// spec.securityContext.sysctls (Kubernetes v1.33 validateSysctls / IsValidSysctlName): each
// name a dot- or slash-separated sequence of lowercase alphanumeric segments (`_` and `-` only
// inside one), at most 253 characters, unique; no net.* with hostNetwork nor IPC sysctls with
// hostIPC, since those would change the node's own value.
import type { PodSpec } from 'kubernetes-types/core/v1.js';
import type { FieldError } from '../errors.js';
import { duplicate, invalid, required } from './field.js';

const SYSCTL_MAX_LENGTH = 253;
const SEGMENT = '[a-z0-9]([-_a-z0-9]*[a-z0-9])?';
/** Printed in the error exactly as Go's regexp.String() renders the pattern. */
const SYSCTL_PATTERN = `^(${SEGMENT}[\\./])*${SEGMENT}$`;
const SYSCTL_RE = new RegExp(SYSCTL_PATTERN);

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

export function isValidSysctlName(name: string): boolean {
  return name.length <= SYSCTL_MAX_LENGTH && SYSCTL_RE.test(name);
}

/**
 * The namespace a sysctl (dot form) lives in, where a pod sharing the node's would change the
 * node's value: IPC (kernel.sem, kernel.shm*, kernel.msg*, fs.mqueue.*) or network (net.*).
 */
export function sysctlNamespace(dotted: string): 'ipc' | 'net' | undefined {
  if (dotted === 'kernel.sem' || /^(kernel\.shm|kernel\.msg|fs\.mqueue\.)/.test(dotted)) return 'ipc';
  return dotted.startsWith('net.') ? 'net' : undefined;
}

export function validateSysctls(spec: PodSpec, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (spec.securityContext?.sysctls ?? []).forEach((s, i) => {
    const field = `${path}[${i}].name`;
    if (!s.name) errs.push(required(field));
    else if (!isValidSysctlName(s.name)) errs.push(invalid(field, s.name, `must have at most ${SYSCTL_MAX_LENGTH} characters and match regex ${SYSCTL_PATTERN}`));
    else if (seen.has(s.name)) errs.push(duplicate(field, s.name));
    // Kubernetes names the namespace by the dot form of the name.
    const dotted = normalizeSysctlName(s.name);
    if (spec.hostNetwork === true && sysctlNamespace(dotted) === 'net') errs.push(invalid(field, s.name, "may not be specified when 'hostNetwork' is true"));
    else if (spec.hostIPC === true && sysctlNamespace(dotted) === 'ipc') errs.push(invalid(field, s.name, "may not be specified when 'hostIPC' is true"));
    seen.add(s.name);
  });
  return errs;
}
