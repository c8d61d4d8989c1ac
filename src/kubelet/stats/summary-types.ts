// The kubelet's stats API as served at /stats/summary: the Summary of group stats/v1alpha1
// (Kubernetes v1.33, k8s.io/kubelet/pkg/apis/stats/v1alpha1). Field names and JSON shape are
// the wire format metrics-server and `kubectl top` read; times are RFC 3339 strings, amounts
// plain integers. Optional fields are left out when not measured, as the kubelet does.

export interface PodReference {
  name: string;
  namespace: string;
  uid: string;
}

export interface CPUStats {
  time: string;
  /** Average over the last sampling interval, in billionths of a core. */
  usageNanoCores?: number;
  /** Cumulative CPU time since the object started. */
  usageCoreNanoSeconds?: number;
}

export interface MemoryStats {
  time: string;
  availableBytes?: number;
  usageBytes?: number;
  workingSetBytes?: number;
  rssBytes?: number;
  pageFaults?: number;
  majorPageFaults?: number;
}

export interface FsStats {
  time: string;
  availableBytes?: number;
  capacityBytes?: number;
  usedBytes?: number;
  inodesFree?: number;
  inodes?: number;
  inodesUsed?: number;
}

export interface RuntimeStats {
  /** The filesystem holding images (and, here, container writable layers). */
  imageFs?: FsStats;
  containerFs?: FsStats;
}

export interface RlimitStats {
  time: string;
  /** Most processes the node may run (kernel pid_max / threads-max). */
  maxpid?: number;
  /** Processes now running. */
  curproc?: number;
}

export interface ContainerStats {
  name: string;
  startTime: string;
  cpu?: CPUStats;
  memory?: MemoryStats;
  rootfs?: FsStats;
  logs?: FsStats;
}

export interface VolumeStats extends FsStats {
  name: string;
}

export interface NodeStats {
  nodeName: string;
  startTime: string;
  cpu?: CPUStats;
  memory?: MemoryStats;
  /** The filesystem of the kubelet's root directory (nodefs). */
  fs?: FsStats;
  runtime?: RuntimeStats;
  rlimit?: RlimitStats;
}

export interface PodStats {
  podRef: PodReference;
  startTime: string;
  containers: ContainerStats[];
  cpu?: CPUStats;
  memory?: MemoryStats;
  volume?: VolumeStats[];
  'ephemeral-storage'?: FsStats;
  process_stats?: { process_count?: number };
}

export interface Summary {
  node: NodeStats;
  pods: PodStats[];
}
