// Mapping between the runtime contract (runtime.ts) and runtime.v1 messages. Pure functions.
import { totalmem } from 'node:os';
import type { ContainerConfig, ContainerResources, ContainerState, ContainerStatus, Mount, SandboxConfig, SandboxSecurity, SandboxStatus, SeccompProfile } from '../runtime.js';
import type {
  CriContainerConfig,
  CriContainerSecurityContext,
  CriContainerState,
  CriContainerStatus,
  CriLinuxResources,
  CriPodSandbox,
  CriPodSandboxConfig,
  CriSandboxSecurityContext,
  CriSecurityProfile,
  Int64,
  NamespaceOption,
} from './cri-types.js';

/**
 * The image name the pod asked for, kept on the container: containerd reports one of the
 * image's references instead, which need not be the name the kubelet used.
 */
export const IMAGE_ANNOTATION = 'k8ts.io/requested-image';

/**
 * Network and IPC shared by the pod; PID per container (the v1 PodSpec default), per pod with
 * shareProcessNamespace, or a target container's (an ephemeral container's targetContainerName).
 */
function namespaceOptions(sandbox: SandboxConfig, pidTarget?: string): NamespaceOption {
  const network = sandbox.hostNetwork ? 'NODE' : 'POD';
  if (pidTarget) return { network, pid: 'TARGET', ipc: 'POD', targetId: pidTarget };
  return { network, pid: sandbox.shareProcessNamespace ? 'POD' : 'CONTAINER', ipc: 'POD' };
}

/** User, group and extra groups: the same fields in the sandbox and container contexts. */
function identity(s: SandboxSecurity): Pick<CriSandboxSecurityContext, 'runAsUser' | 'runAsGroup' | 'supplementalGroups'> {
  return {
    ...(s.runAsUser !== undefined ? { runAsUser: { value: String(s.runAsUser) } } : {}),
    ...(s.runAsGroup !== undefined ? { runAsGroup: { value: String(s.runAsGroup) } } : {}),
    ...(s.supplementalGroups?.length ? { supplementalGroups: s.supplementalGroups.map(String) } : {}),
  };
}

function securityProfile(p: SeccompProfile | undefined): { seccomp: CriSecurityProfile } | Record<string, never> {
  return p ? { seccomp: { profileType: p.type, localhostRef: p.localhostRef ?? '' } } : {};
}

function sandboxSecurity(c: SandboxConfig): CriSandboxSecurityContext {
  const s = c.security ?? {};
  return {
    namespaceOptions: namespaceOptions(c),
    ...securityProfile(s.seccomp),
    ...identity(s),
    ...(s.privileged ? { privileged: true } : {}),
  };
}

function containerSecurity(c: ContainerConfig, sandbox: SandboxConfig): CriContainerSecurityContext {
  const s = c.security ?? {};
  const caps = s.capabilitiesAdd?.length || s.capabilitiesDrop?.length ? { capabilities: { addCapabilities: s.capabilitiesAdd ?? [], dropCapabilities: s.capabilitiesDrop ?? [] } } : {};
  return {
    namespaceOptions: namespaceOptions(sandbox, c.pidNamespaceOf),
    ...securityProfile(s.seccomp),
    ...caps,
    ...identity(s),
    ...(s.readOnlyRootFilesystem ? { readonlyRootfs: true } : {}),
    ...(s.noNewPrivileges ? { noNewPrivs: true } : {}),
    ...(s.privileged ? { privileged: true } : {}),
  };
}

export function toCriSandboxConfig(c: SandboxConfig): CriPodSandboxConfig {
  return {
    metadata: { name: c.name, uid: c.uid, namespace: c.namespace, attempt: c.attempt },
    // A host-network pod has no UTS namespace of its own, so it keeps the node's hostname
    // (runc refuses to set one); Kubernetes sends none for it.
    hostname: c.hostNetwork ? '' : c.hostname,
    logDirectory: c.logDirectory,
    ...(c.dns ? { dnsConfig: { servers: c.dns.servers, searches: c.dns.searches, options: c.dns.options } } : {}),
    portMappings: c.portMappings.map((p) => ({
      protocol: p.protocol,
      containerPort: p.containerPort,
      hostPort: p.hostPort ?? 0,
      hostIp: p.hostIp ?? '',
    })),
    labels: c.labels,
    annotations: c.annotations,
    linux: {
      cgroupParent: c.cgroupParent ?? '',
      securityContext: sandboxSecurity(c),
      ...(c.sysctls ? { sysctls: c.sysctls } : {}),
    },
  };
}

const CPU_PERIOD_US = 100_000;
const MIN_SHARES = 2;
const MIN_QUOTA_US = 1000;

/**
 * Kubernetes' cgroup values for one container: shares from the CPU request (the limit when
 * only a limit is set; 2 for none), a CFS quota from the CPU limit, the memory limit, and an
 * OOM score by how much of the node's memory the container requests (Guaranteed -997,
 * BestEffort 1000).
 */
export function toLinuxResources(r: ContainerResources, nodeMemoryBytes = totalmem()): CriLinuxResources {
  const cpuRequest = r.cpuRequestMilli ?? r.cpuLimitMilli;
  const shares = cpuRequest === undefined ? MIN_SHARES : Math.max(MIN_SHARES, Math.floor((cpuRequest * 1024) / 1000));
  const quota = r.cpuLimitMilli === undefined ? 0 : Math.max(MIN_QUOTA_US, Math.floor((r.cpuLimitMilli * CPU_PERIOD_US) / 1000));
  const memRequest = r.memoryRequestBytes ?? r.memoryLimitBytes;
  let oom: number;
  const none = r.cpuRequestMilli === undefined && r.cpuLimitMilli === undefined && r.memoryRequestBytes === undefined && r.memoryLimitBytes === undefined;
  const guaranteed =
    r.cpuLimitMilli !== undefined && r.memoryLimitBytes !== undefined && (r.cpuRequestMilli ?? r.cpuLimitMilli) === r.cpuLimitMilli && memRequest === r.memoryLimitBytes;
  if (none) oom = 1000;
  else if (guaranteed) oom = -997;
  else {
    oom = 1000 - Math.floor((1000 * (memRequest ?? 0)) / nodeMemoryBytes);
    oom = Math.min(999, Math.max(2, oom));
  }
  return {
    cpuPeriod: quota > 0 ? String(CPU_PERIOD_US) : '0',
    cpuQuota: String(quota),
    cpuShares: String(shares),
    memoryLimitInBytes: String(r.memoryLimitBytes ?? 0),
    oomScoreAdj: String(oom),
  };
}

export function toCriContainerConfig(c: ContainerConfig, sandbox: SandboxConfig, extraMounts: Mount[]): CriContainerConfig {
  const userPaths = new Set(c.mounts.map((m) => m.containerPath));
  const mounts = [...c.mounts, ...extraMounts.filter((m) => !userPaths.has(m.containerPath))];
  return {
    metadata: { name: c.name, attempt: c.attempt },
    image: { image: c.imageRef ?? c.image },
    command: c.command,
    args: c.args,
    workingDir: c.workingDir ?? '',
    envs: c.env.map((e) => ({ key: e.name, value: e.value })),
    mounts: mounts.map((m) => ({ containerPath: m.containerPath, hostPath: m.hostPath, readonly: m.readOnly })),
    labels: c.labels,
    annotations: { ...c.annotations, [IMAGE_ANNOTATION]: c.image },
    logPath: c.logPath,
    stdin: c.stdin,
    stdinOnce: c.stdinOnce,
    tty: c.tty,
    linux: {
      resources: toLinuxResources(c.resources),
      securityContext: containerSecurity(c, sandbox),
    },
  };
}

/** Nanoseconds (decimal string) → milliseconds; 0 stays 0. */
export function nanosToMs(ns: Int64): number {
  if (ns === '' || ns === '0') return 0;
  return Number(BigInt(ns) / 1_000_000n);
}

export function containerState(s: CriContainerState): ContainerState {
  switch (s) {
    case 'CONTAINER_CREATED':
      return 'created';
    case 'CONTAINER_RUNNING':
      return 'running';
    case 'CONTAINER_EXITED':
      return 'exited';
    default:
      return 'unknown';
  }
}

function withoutImageAnnotation(a: Record<string, string>): Record<string, string> {
  const out = { ...a };
  delete out[IMAGE_ANNOTATION];
  return out;
}

export function fromCriContainerStatus(s: CriContainerStatus, sandboxId: string): ContainerStatus {
  const state = containerState(s.state);
  let reason = s.reason;
  if (state === 'exited' && reason === '') reason = s.exitCode === 0 ? 'Completed' : 'Error';
  return {
    id: s.id,
    sandboxId,
    name: s.metadata?.name ?? '',
    attempt: s.metadata?.attempt ?? 0,
    state,
    image: s.annotations[IMAGE_ANNOTATION] ?? s.image?.image ?? '',
    imageRef: s.imageRef,
    createdAt: nanosToMs(s.createdAt),
    startedAt: nanosToMs(s.startedAt),
    finishedAt: nanosToMs(s.finishedAt),
    exitCode: s.exitCode,
    reason,
    message: s.message,
    logPath: s.logPath,
    labels: s.labels,
    annotations: withoutImageAnnotation(s.annotations),
  };
}

export function fromCriSandbox(s: CriPodSandbox, ip: string | undefined): SandboxStatus {
  return {
    id: s.id,
    name: s.metadata?.name ?? '',
    namespace: s.metadata?.namespace ?? '',
    uid: s.metadata?.uid ?? '',
    attempt: s.metadata?.attempt ?? 0,
    state: s.state === 'SANDBOX_READY' ? 'ready' : 'notready',
    ...(ip ? { ip } : {}),
    createdAt: nanosToMs(s.createdAt),
    labels: s.labels,
    annotations: s.annotations,
  };
}
