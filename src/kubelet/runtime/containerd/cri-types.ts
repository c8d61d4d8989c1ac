// The runtime.v1 messages as @grpc/proto-loader presents them with the options in
// cri-client.ts: camelCase fields, int64/uint64 as decimal strings, enums as their names,
// every scalar and repeated field present (defaults), absent sub-messages as null.

export type Int64 = string;
export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';
export type CriContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';
export type CriSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';

export interface NamespaceOption {
  network: NamespaceMode;
  pid: NamespaceMode;
  ipc: NamespaceMode;
  /** The container whose namespace pid TARGET joins. */
  targetId?: string;
}

export interface PodSandboxMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt: number;
}

export interface CriPortMapping {
  protocol: 'TCP' | 'UDP' | 'SCTP';
  containerPort: number;
  hostPort: number;
  hostIp: string;
}

/** google.protobuf-style wrapper: absent means "not set", unlike 0. */
export interface CriInt64Value {
  value: Int64;
}

export interface CriSecurityProfile {
  profileType: 'RuntimeDefault' | 'Unconfined' | 'Localhost';
  localhostRef: string;
}

export interface CriSandboxSecurityContext {
  namespaceOptions: NamespaceOption;
  seccomp?: CriSecurityProfile;
  runAsUser?: CriInt64Value;
  runAsGroup?: CriInt64Value;
  supplementalGroups?: Int64[];
  privileged?: boolean;
}

export interface CriContainerSecurityContext {
  namespaceOptions: NamespaceOption;
  seccomp?: CriSecurityProfile;
  capabilities?: { addCapabilities: string[]; dropCapabilities: string[] };
  privileged?: boolean;
  runAsUser?: CriInt64Value;
  runAsGroup?: CriInt64Value;
  readonlyRootfs?: boolean;
  supplementalGroups?: Int64[];
  noNewPrivs?: boolean;
}

export interface CriPodSandboxConfig {
  metadata: PodSandboxMetadata;
  hostname: string;
  logDirectory: string;
  dnsConfig?: { servers: string[]; searches: string[]; options: string[] };
  portMappings: CriPortMapping[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  linux: {
    cgroupParent: string;
    securityContext: CriSandboxSecurityContext;
    sysctls?: Record<string, string>;
  };
}

export interface CriLinuxResources {
  cpuPeriod: Int64;
  cpuQuota: Int64;
  cpuShares: Int64;
  memoryLimitInBytes: Int64;
  oomScoreAdj: Int64;
}

export interface CriMount {
  containerPath: string;
  hostPath: string;
  readonly: boolean;
}

export interface CriContainerConfig {
  metadata: { name: string; attempt: number };
  image: { image: string };
  command: string[];
  args: string[];
  workingDir: string;
  envs: { key: string; value: string }[];
  mounts: CriMount[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  logPath: string;
  stdin: boolean;
  stdinOnce: boolean;
  tty: boolean;
  linux: {
    resources: CriLinuxResources;
    securityContext: CriContainerSecurityContext;
  };
}

export interface CriPodSandbox {
  id: string;
  metadata: PodSandboxMetadata | null;
  state: CriSandboxState;
  createdAt: Int64;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface CriPodSandboxStatus extends CriPodSandbox {
  network: { ip: string; additionalIps: { ip: string }[] } | null;
}

export interface CriContainer {
  id: string;
  podSandboxId: string;
  metadata: { name: string; attempt: number } | null;
  image: { image: string } | null;
  imageRef: string;
  state: CriContainerState;
  createdAt: Int64;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface CriContainerStatus {
  id: string;
  metadata: { name: string; attempt: number } | null;
  state: CriContainerState;
  createdAt: Int64;
  startedAt: Int64;
  finishedAt: Int64;
  exitCode: number;
  image: { image: string } | null;
  imageRef: string;
  reason: string;
  message: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  logPath: string;
}

export interface CriImage {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  size: Int64;
  /** The image's USER when numeric (null otherwise, or when it names none). */
  uid?: CriInt64Value | null;
  username?: string;
}

type CriUInt64 = { value: Int64 } | null;

export interface CriContainerStats {
  attributes: { id: string } | null;
  cpu: { timestamp: Int64; usageCoreNanoSeconds: CriUInt64; usageNanoCores: CriUInt64 } | null;
  memory: { timestamp: Int64; workingSetBytes: CriUInt64; usageBytes?: CriUInt64; rssBytes?: CriUInt64 } | null;
  writableLayer?: { timestamp: Int64; usedBytes: CriUInt64 } | null;
}

/** Request and response of each method k8ts calls. */
export interface RuntimeMethods {
  Version: [{ version: string }, { version: string; runtimeName: string; runtimeVersion: string; runtimeApiVersion: string }];
  RunPodSandbox: [{ config: CriPodSandboxConfig; runtimeHandler: string }, { podSandboxId: string }];
  StopPodSandbox: [{ podSandboxId: string }, object];
  RemovePodSandbox: [{ podSandboxId: string }, object];
  PodSandboxStatus: [{ podSandboxId: string; verbose: boolean }, { status: CriPodSandboxStatus | null }];
  ListPodSandbox: [{ filter?: { id?: string } }, { items: CriPodSandbox[] }];
  CreateContainer: [{ podSandboxId: string; config: CriContainerConfig; sandboxConfig: CriPodSandboxConfig }, { containerId: string }];
  StartContainer: [{ containerId: string }, object];
  StopContainer: [{ containerId: string; timeout: number }, object];
  RemoveContainer: [{ containerId: string }, object];
  ListContainers: [{ filter?: { id?: string; podSandboxId?: string } }, { containers: CriContainer[] }];
  ContainerStatus: [{ containerId: string; verbose: boolean }, { status: CriContainerStatus | null }];
  ExecSync: [{ containerId: string; cmd: string[]; timeout: number }, { stdout: Buffer; stderr: Buffer; exitCode: number }];
  Exec: [{ containerId: string; cmd: string[]; tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean }, { url: string }];
  Attach: [{ containerId: string; stdin: boolean; tty: boolean; stdout: boolean; stderr: boolean }, { url: string }];
  PortForward: [{ podSandboxId: string; port: number[] }, { url: string }];
  ContainerStats: [{ containerId: string }, { stats: CriContainerStats | null }];
  ListContainerStats: [{ filter?: { id?: string; podSandboxId?: string } }, { stats: CriContainerStats[] }];
  Status: [{ verbose: boolean }, { status: { conditions: { type: string; status: boolean; reason: string; message: string }[] } | null }];
}

export interface ImageMethods {
  ListImages: [{ filter?: { image?: { image: string } } }, { images: CriImage[] }];
  ImageStatus: [{ image: { image: string }; verbose: boolean }, { image: CriImage | null }];
  PullImage: [
    {
      image: { image: string };
      auth?: { username: string; password: string; auth: string; serverAddress: string; identityToken: string };
    },
    { imageRef: string },
  ];
  RemoveImage: [{ image: { image: string } }, object];
}
