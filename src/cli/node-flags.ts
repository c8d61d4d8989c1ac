// Node flags `k8ts server` and `k8ts agent` share, checked before anything starts:
// `--eviction-hard` (the kubelet's hard eviction thresholds, in the kubelet's own syntax),
// `--allowed-unsafe-sysctls` and `--container-runtime-endpoint` (a containerd someone else runs).
import { isValidSysctlName, normalizeSysctlName } from '../api/validation/sysctls.js';
import { parseEvictionHard } from '../kubelet/eviction/thresholds.js';

export const ALLOWED_UNSAFE_SYSCTLS_FLAG = {
  type: 'string',
  placeholder: 'LIST',
  description: "Sysctls pods may set beyond the safe set, comma-separated names or prefix* patterns (e.g. 'kernel.msg*,net.core.somaxconn')",
} as const;

/** The flag's names and patterns, or what is wrong with one of them. */
export function parseAllowedUnsafeSysctls(raw: string | undefined): { ok: true; list: string[] | undefined } | { ok: false; problem: string } {
  if (raw === undefined) return { ok: true, list: undefined };
  const list = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const entry of list) {
    const name = entry.endsWith('*') ? entry.slice(0, -1).replace(/[./]$/, '') : entry;
    if (!isValidSysctlName(name)) return { ok: false, problem: `--allowed-unsafe-sysctls: "${entry}" is neither a sysctl name nor a prefix* pattern` };
  }
  return { ok: true, list: list.map((e) => (e.endsWith('*') ? `${normalizeSysctlName(e.slice(0, -1))}*` : normalizeSysctlName(e))) };
}

export const EVICTION_HARD_FLAG = {
  type: 'string',
  placeholder: 'THRESHOLDS',
  description: "Hard eviction thresholds, as the kubelet's (default memory.available<100Mi,nodefs.available<10%,nodefs.inodesFree<5%,imagefs.available<15%,imagefs.inodesFree<5%; '' for none)",
} as const;

function evictionHardProblem(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  try {
    parseEvictionHard(raw);
    return undefined;
  } catch (err) {
    return `--eviction-hard: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** The kubelet flags both commands take. */
export const KUBELET_FLAGS = {
  'eviction-hard': EVICTION_HARD_FLAG,
  'allowed-unsafe-sysctls': ALLOWED_UNSAFE_SYSCTLS_FLAG,
} as const;

/** The kubelet options those flags give (only those set), or what is wrong with one. */
export function kubeletFlagOptions(flags: {
  'eviction-hard'?: string;
  'allowed-unsafe-sysctls'?: string;
}): { ok: true; options: { evictionHard?: string; allowedUnsafeSysctls?: string[] } } | { ok: false; problem: string } {
  const eviction = evictionHardProblem(flags['eviction-hard']);
  if (eviction) return { ok: false, problem: eviction };
  const sysctls = parseAllowedUnsafeSysctls(flags['allowed-unsafe-sysctls']);
  if (!sysctls.ok) return sysctls;
  return {
    ok: true,
    options: {
      ...(flags['eviction-hard'] !== undefined ? { evictionHard: flags['eviction-hard'] } : {}),
      ...(sysctls.list ? { allowedUnsafeSysctls: sysctls.list } : {}),
    },
  };
}

export const CONTAINER_RUNTIME_ENDPOINT_FLAG = {
  type: 'string',
  placeholder: 'SOCKET',
  description: 'Use the containerd at this CRI socket (unix:///path or a path) instead of starting one; implies --runtime containerd',
} as const;

/** What is wrong with giving `--container-runtime-endpoint` along with `--runtime`, if anything. */
export function runtimeEndpointProblem(runtime: string | undefined, endpoint: string | undefined): string | undefined {
  if (endpoint === undefined || runtime === undefined || runtime === 'containerd') return undefined;
  return `--container-runtime-endpoint is for --runtime containerd, not "${runtime}"`;
}
