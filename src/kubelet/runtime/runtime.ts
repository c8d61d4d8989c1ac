// The container runtime contract the kubelet drives, shaped like the CRI (runtime.v1 of
// Kubernetes' cri-api): a pod is a sandbox (shared network/IPC, the pod IP) holding
// containers; state is observed by listing, not by events (containerd 1.6 has no event
// stream). Every implementation — containerd/, process/, fake/ — passes conformance.ts.

export interface KeyValue {
  name: string;
  value: string;
}

export interface PortMapping {
  protocol: 'TCP' | 'UDP' | 'SCTP';
  containerPort: number;
  hostPort?: number;
  hostIp?: string;
}

export interface DnsConfig {
  servers: string[];
  searches: string[];
  options: string[];
}

export interface HostAlias {
  ip: string;
  hostnames: string[];
}

export interface SandboxConfig {
  /** Pod metadata; (namespace, name, uid, attempt) identifies a sandbox. */
  name: string;
  namespace: string;
  uid: string;
  attempt: number;
  hostname: string;
  /** Absolute directory for this pod's container logs (the kubelet creates it). */
  logDirectory: string;
  dns?: DnsConfig;
  portMappings: PortMapping[];
  hostNetwork: boolean;
  /** Extra /etc/hosts entries (the pod's spec.hostAliases). */
  hostAliases?: HostAlias[];
  /** `<subdomain>.<namespace>.svc.<cluster domain>` when the pod has a subdomain: /etc/hosts also names the pod by its FQDN. */
  hostDomain?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** cgroupfs-style parent, e.g. `/k8ts/pod<uid>`. */
  cgroupParent?: string;
  /** The pod-level identity of the sandbox (CRI LinuxSandboxSecurityContext). */
  security?: SandboxSecurity;
  /** Namespaced kernel parameters set in the sandbox, dot-separated names (`kernel.shm_rmid_forced`). */
  sysctls?: Record<string, string>;
  /** The pod's containers share one PID namespace (spec.shareProcessNamespace). */
  shareProcessNamespace?: boolean;
}

/** Pod-level Linux identity: applies to the sandbox (pause) process. */
export interface SandboxSecurity {
  runAsUser?: number;
  runAsGroup?: number;
  supplementalGroups?: number[];
  /** Set when any container of the pod is privileged (containerd requires it then). */
  privileged?: boolean;
  seccomp?: SeccompProfile;
}

/** A seccomp profile: the runtime's default, none, or a file on the node (`localhostRef`, absolute). */
export interface SeccompProfile {
  type: 'RuntimeDefault' | 'Unconfined' | 'Localhost';
  localhostRef?: string;
}

/**
 * A container's effective Linux security settings, pod and container securityContext
 * already merged by the kubelet (CRI LinuxContainerSecurityContext). Absent: the image's
 * user and the runtime's defaults.
 */
export interface ContainerSecurity {
  runAsUser?: number;
  runAsGroup?: number;
  /** fsGroup first, then the pod's supplementalGroups. */
  supplementalGroups?: number[];
  readOnlyRootFilesystem?: boolean;
  /** no_new_privs: set for allowPrivilegeEscalation=false (never when privileged). */
  noNewPrivileges?: boolean;
  privileged?: boolean;
  /** Capability names as the pod spells them (`NET_ADMIN`, `ALL`). */
  capabilitiesAdd?: string[];
  capabilitiesDrop?: string[];
  seccomp?: SeccompProfile;
}

export interface Mount {
  containerPath: string;
  hostPath: string;
  readOnly: boolean;
  /**
   * A runtime that cannot give the container a place of its own for this mount may leave it
   * out (the process runtime, whose containers share the node's filesystem, binds it only over
   * a path that already exists rather than create one on the node).
   */
  optional?: boolean;
}

export interface ContainerResources {
  cpuRequestMilli?: number;
  cpuLimitMilli?: number;
  memoryRequestBytes?: number;
  memoryLimitBytes?: number;
}

export interface ContainerConfig {
  name: string;
  /** Restart count of this container in the pod: 0 for the first run. */
  attempt: number;
  /** The image as the pod names it, and the resolved reference from pullImage. */
  image: string;
  imageRef?: string;
  command: string[];
  args: string[];
  workingDir?: string;
  env: KeyValue[];
  mounts: Mount[];
  /** Relative to the sandbox's logDirectory, e.g. `main/0.log`. */
  logPath: string;
  stdin: boolean;
  stdinOnce: boolean;
  tty: boolean;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  resources: ContainerResources;
  security?: ContainerSecurity;
  /** Join this running container's PID namespace (an ephemeral container's targetContainerName). */
  pidNamespaceOf?: string;
}

/**
 * A plain container: the command as given, no env, mounts, stdin or tty, logging to
 * `<name>/0.log`; `overrides` set anything else (for tests, conformance and benchmarks).
 */
export function containerConfig(name: string, image: string, command: string[], overrides: Partial<ContainerConfig> = {}): ContainerConfig {
  return {
    name,
    attempt: 0,
    image,
    command,
    args: [],
    env: [],
    mounts: [],
    logPath: `${name}/0.log`,
    stdin: false,
    stdinOnce: false,
    tty: false,
    labels: {},
    annotations: {},
    resources: {},
    ...overrides,
  };
}

export type SandboxState = 'ready' | 'notready';
export type ContainerState = 'created' | 'running' | 'exited' | 'unknown';

export interface SandboxStatus {
  id: string;
  name: string;
  namespace: string;
  uid: string;
  attempt: number;
  state: SandboxState;
  /** Pod IP, once the network is set up (absent for runtimes without pod networking). */
  ip?: string;
  createdAt: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface ContainerStatus {
  id: string;
  sandboxId: string;
  name: string;
  attempt: number;
  state: ContainerState;
  image: string;
  imageRef: string;
  /** Times in ms since the epoch; 0 when not reached. */
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  /** E.g. "Completed", "Error", "OOMKilled" once exited. */
  reason: string;
  message: string;
  /** Absolute path of the CRI-format log file. */
  logPath: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface ImageInfo {
  /** Resolved reference (digest form where the runtime has one). */
  ref: string;
  repoTags: string[];
  sizeBytes: number;
  /** The user the image runs as: a numeric uid, or a name; neither when it sets no USER (root). */
  uid?: number;
  username?: string;
}

export interface RegistryAuth {
  username?: string;
  password?: string;
  auth?: string;
  serverAddress?: string;
  identityToken?: string;
}

/** Raised by pullImage; `reason` maps to the pod's waiting reason (ErrImagePull …). */
export class ImagePullError extends Error {
  constructor(
    message: string,
    readonly reason: 'ErrImagePull' | 'ErrImageNeverPull' | 'InvalidImageName',
  ) {
    super(message);
    this.name = 'ImagePullError';
  }
}

/** A "not found" from the runtime; stop/remove treat it as done. */
export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

export interface ExecOptions {
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/**
 * An interactive stream into a container (exec or attach). Output arrives through the
 * callbacks, never before the first listener is attached (it is held until then); `done`
 * resolves with the exit code when the process ends (attach: when the container exits or the
 * session is closed), and only after all of its stdout and stderr has been delivered — callers
 * write the exit status right after it.
 */
export interface StreamSession {
  writeStdin(data: Uint8Array): void;
  closeStdin(): void;
  resize(width: number, height: number): void;
  onStdout(listener: (data: Uint8Array) => void): void;
  onStderr(listener: (data: Uint8Array) => void): void;
  readonly done: Promise<{ exitCode: number }>;
  close(): void;
}

/** A bidirectional byte stream to a port inside the pod's network. */
export interface PortStream {
  write(data: Uint8Array): void;
  end(): void;
  onData(listener: (data: Uint8Array) => void): void;
  readonly closed: Promise<void>;
  close(): void;
}

/** A container's resource usage (CRI ContainerStats); absent fields were not measured. */
export interface ContainerStats {
  id: string;
  cpuUsageNanoCores?: number;
  /** Cumulative CPU time; usageNanoCores is derived from two samples of it when absent. */
  cpuUsageCoreNanoSeconds?: number;
  memoryWorkingSetBytes?: number;
  memoryUsageBytes?: number;
  memoryRssBytes?: number;
  /** Bytes the container's writable layer uses (CRI writable_layer). */
  rootfsUsedBytes?: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

export interface RuntimeCondition {
  type: string;
  status: boolean;
  reason: string;
  message: string;
}

export interface ContainerRuntime {
  /** "containerd", "process" or "fake". */
  readonly name: string;
  version(): Promise<{ runtimeName: string; runtimeVersion: string }>;

  runPodSandbox(config: SandboxConfig): Promise<string>;
  /** Stops every container of the sandbox and its network; NotFound is success. */
  stopPodSandbox(id: string): Promise<void>;
  removePodSandbox(id: string): Promise<void>;
  podSandboxStatus(id: string): Promise<SandboxStatus>;
  listPodSandboxes(): Promise<SandboxStatus[]>;

  pullImage(image: string, auth?: RegistryAuth): Promise<string>;
  imageStatus(image: string): Promise<ImageInfo | undefined>;
  listImages(): Promise<ImageInfo[]>;

  createContainer(sandboxId: string, config: ContainerConfig, sandbox: SandboxConfig): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** SIGTERM, then SIGKILL after `timeoutSeconds`; NotFound is success. */
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  containerStatus(id: string): Promise<ContainerStatus>;
  listContainers(filter?: { sandboxId?: string }): Promise<ContainerStatus[]>;

  /** Runs a command to completion (probes, hooks). */
  execSync(id: string, command: string[], timeoutMs: number): Promise<{ exitCode: number; stdout: Uint8Array; stderr: Uint8Array }>;
  exec(id: string, options: ExecOptions): Promise<StreamSession>;
  attach(id: string, options: Omit<ExecOptions, 'command'>): Promise<StreamSession>;
  portForward(sandboxId: string, port: number): Promise<PortStream>;

  containerStats(id: string): Promise<ContainerStats | undefined>;
  /**
   * Stats of every running container in one call (CRI ListContainerStats), for
   * /stats/summary and eviction. Optional: without it the kubelet asks containerStats per
   * container.
   */
  listContainerStats?(): Promise<ContainerStats[]>;
  /**
   * The runtime's own conditions (CRI Status: RuntimeReady, NetworkReady). A runtime without
   * pod networking to set up may omit it; the kubelet then takes both as ready.
   */
  conditions?(): Promise<RuntimeCondition[]>;
  /** Releases connections and timers; running containers keep running. */
  close(): Promise<void>;
}
