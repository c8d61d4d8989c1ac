// What every part of pod syncing shares: the config, the runtime, the per-pod records the
// kubelet keeps, and the managers for probes, volumes, objects and back-off.
import type { TerminationMessages } from './termination-message.js';
import type { Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import type { RestartBackoff } from './backoff.js';
import type { KubeletConfig } from './config.js';
import type { CreatingStatus } from './creating-status.js';
import type { EventRecorder } from './events.js';
import type { InFlightLimit } from '../client/in-flight-limit.js';
import type { ObjectManager } from './objects.js';
import type { ProbeManager } from './probes/probe-manager.js';
import type { Amounts } from './resources.js';
import type { WaitingReason } from './status.js';
import type { TokenManager } from './volumes/service-account-token.js';
import type { VolumeManager } from './volumes/volume-manager.js';

/** What the kubelet knows of one pod (by uid) beyond the API object. */
export interface PodRecord {
  uid: string;
  /** The latest API object, or the last one seen once removed. */
  pod: Pod;
  /** The API object is gone: stop everything and clean up. */
  removed: boolean;
  admission: 'pending' | 'admitted' | 'rejected';
  /** The pod's resource requests, kept when it is admitted (they never change). */
  requests?: Amounts;
  /** The Failed status a rejected pod gets. */
  rejectedStatus?: PodStatus;
  /** When the kubelet first saw the pod (status.startTime). */
  firstSeen: number;
  /** Waiting reasons from the last attempt to start each container. */
  waiting: Map<string, WaitingReason>;
  /** Image → when its last pull failed (image pull back-off). */
  pullFailures: Map<string, number>;
  /** Containers to restart regardless of restart policy and back-off (spec change, probe). */
  forceRestart: Set<string>;
  /** The status last written to the API. */
  lastStatus: PodStatus | undefined;
  /** The status being written now (its echo from the watch may come before the answer). */
  writingStatus?: PodStatus;
  /**
   * The runtime state (runtimeMark) the last sync left the pod in, when a sync of that state
   * would do nothing: a relist that finds the pod so does not wake its worker.
   */
  settled?: string;
  /** Containers were stopped for deletion and the API deletion was finished. */
  terminated: boolean;
  /** The address of the pod's sandbox, kept from when it was last seen with one (a stopped sandbox has none). */
  sandboxIP?: string;
  /** The eviction manager chose this pod: the message of its Failed/Evicted status. */
  evicted?: string;
  /** During a first start: shows ContainerCreating if the runtime is slow (creating-status.ts). */
  creating?: CreatingStatus;
}

export interface KubeletContext {
  cfg: KubeletConfig;
  events: EventRecorder;
  probes: ProbeManager;
  volumes: VolumeManager;
  objects: ObjectManager;
  tokens: TokenManager;
  crashBackoff: RestartBackoff;
  terminationMessages: TerminationMessages;
  pullBackoff: RestartBackoff;
  /** Sandbox ids per pod uid, kept from relists and from the sandboxes the kubelet creates. */
  sandboxes: Map<string, Set<string>>;
  records: Map<string, PodRecord>;
  /** The node's primary address (status.hostIP). */
  hostIP: string;
  /** Pod status writes in flight at once. */
  statusWrites: InFlightLimit;
}
