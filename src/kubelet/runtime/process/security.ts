// The part of a container's securityContext a host process can honour: user, group, extra
// groups and no_new_privs, applied by prefixing the command with util-linux `setpriv` (it
// changes identity, then execs, so the main pid stays the command's). Capabilities and a
// read-only root need a container root filesystem, which this runtime does not have.
import type { ContainerSecurity } from '../runtime.js';

/** `setpriv …` arguments for `s`, or none when nothing is asked of the process identity. */
export function setprivPrefix(setpriv: string, s: ContainerSecurity | undefined): string[] {
  if (!s) return [];
  const args: string[] = [];
  if (s.runAsUser !== undefined) args.push(`--reuid=${s.runAsUser}`);
  if (s.runAsGroup !== undefined) args.push(`--regid=${s.runAsGroup}`);
  // A changed identity drops the runtime's own groups, as a container starts without them.
  if (s.supplementalGroups?.length) args.push(`--groups=${s.supplementalGroups.join(',')}`);
  else if (args.length > 0) args.push('--clear-groups');
  if (s.noNewPrivileges) args.push('--no-new-privs');
  return args.length > 0 ? [setpriv, ...args, '--'] : [];
}
