// Node registration and status: the Node object the scheduler and `kubectl get nodes` read —
// capacity/allocatable, well-known labels, taints, addresses, nodeInfo, the four conditions
// and the kubelet endpoint. Status is computed every nodeStatusUpdateFrequency and written
// only when it changed or every nodeStatusReportFrequency, as Kubernetes does with leases on.
import { readFileSync } from 'node:fs';
import { arch, platform, release, type } from 'node:os';
import type { Node, NodeCondition, NodeStatus } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../api/errors.js';
import { sleep } from '../informer/clock.js';
import type { KubeletConfig } from './config.js';
import { allocatable, capacityList } from './resources.js';

export const KUBELET_VERSION = 'v1.33.0';
const NODES = { group: '', version: 'v1', resource: 'nodes' } as const;

function goArch(): string {
  const a = arch();
  return a === 'x64' ? 'amd64' : a === 'ia32' ? '386' : a;
}

function goOs(): string {
  return platform() === 'win32' ? 'windows' : platform();
}

export function nodeLabels(cfg: KubeletConfig): Record<string, string> {
  return {
    'beta.kubernetes.io/arch': goArch(),
    'beta.kubernetes.io/os': goOs(),
    'kubernetes.io/arch': goArch(),
    'kubernetes.io/hostname': cfg.nodeName,
    'kubernetes.io/os': goOs(),
    ...cfg.nodeLabels,
  };
}

let cachedOsImage: string | undefined;

/** The OS image as the kubelet reports it: PRETTY_NAME of /etc/os-release, else the kernel's name. */
function osImage(): string {
  if (cachedOsImage === undefined) {
    let pretty: string | undefined;
    try {
      pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
    } catch {
      pretty = undefined;
    }
    cachedOsImage = pretty || type();
  }
  return cachedOsImage;
}

export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

const CONDITIONS: readonly [string, NodeCondition['status'], string, string][] = [
  ['MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
  ['DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
  ['PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
  ['Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'],
];

/**
 * Each pressure condition as Kubernetes' kubelet words it: reason and message when True, and
 * the event reasons of it turning True / False.
 */
const PRESSURE: Record<string, { reason: string; message: string; events: [string, string] }> = {
  MemoryPressure: { reason: 'KubeletHasInsufficientMemory', message: 'kubelet has insufficient memory available', events: ['NodeHasInsufficientMemory', 'NodeHasSufficientMemory'] },
  DiskPressure: { reason: 'KubeletHasDiskPressure', message: 'kubelet has disk pressure', events: ['NodeHasDiskPressure', 'NodeHasNoDiskPressure'] },
  PIDPressure: { reason: 'KubeletHasInsufficientPID', message: 'kubelet has insufficient PID available', events: ['NodeHasInsufficientPID', 'NodeHasSufficientPID'] },
};

/** The object reference node events are recorded against (the kubelet uses the name as uid). */
export function nodeRef(name: string): { apiVersion: string; kind: string; metadata: { name: string; uid: string } } {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, uid: name } };
}

export interface NodeStatusInputs {
  runtimeVersion: string;
  /** Why the runtime cannot run pods yet (e.g. no pod network), as Kubernetes words it. */
  runtimeNotReady?: string;
  images: NodeStatus['images'];
  bootId: string;
  machineId: string;
  /** Pressure conditions that are True (from the eviction manager). */
  pressure?: ReadonlySet<string>;
}

/** The status to write; heartbeat times are `now`, transition times kept from `previous` when unchanged. */
export function computeNodeStatus(cfg: KubeletConfig, inputs: NodeStatusInputs, previous: NodeStatus | undefined, now: number): NodeStatus {
  const conditions: NodeCondition[] = CONDITIONS.map(([t, readyStatus, readyReason, readyMessage]) => {
    const notReady = t === 'Ready' && inputs.runtimeNotReady !== undefined;
    const pressure = inputs.pressure?.has(t) ? PRESSURE[t] : undefined;
    const status = pressure ? 'True' : notReady ? 'False' : readyStatus;
    const reason = notReady ? 'KubeletNotReady' : pressure ? pressure.reason : readyReason;
    const message = notReady ? (inputs.runtimeNotReady ?? '') : pressure ? pressure.message : readyMessage;
    const old = previous?.conditions?.find((c) => c.type === t);
    return {
      type: t,
      status,
      lastHeartbeatTime: rfc3339(now),
      lastTransitionTime: old && old.status === status && old.lastTransitionTime ? old.lastTransitionTime : rfc3339(now),
      reason,
      message,
    };
  });
  return {
    capacity: capacityList(cfg.capacity),
    allocatable: capacityList(allocatable(cfg.capacity)),
    conditions,
    addresses: cfg.addresses,
    daemonEndpoints: { kubeletEndpoint: { Port: cfg.kubeletPort } },
    nodeInfo: {
      machineID: inputs.machineId,
      systemUUID: inputs.machineId,
      bootID: inputs.bootId,
      kernelVersion: release(),
      osImage: osImage(),
      containerRuntimeVersion: inputs.runtimeVersion,
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: '',
      operatingSystem: goOs(),
      architecture: goArch(),
    },
    images: inputs.images,
  };
}

/** Equal apart from heartbeat times. */
export function sameNodeStatus(a: NodeStatus | undefined, b: NodeStatus): boolean {
  if (!a) return false;
  const strip = (s: NodeStatus): string => JSON.stringify({ ...s, conditions: s.conditions?.map((c) => ({ ...c, lastHeartbeatTime: undefined })) });
  return strip(a) === strip(b);
}

export class NodeStatusManager {
  private lastWritten: NodeStatus | undefined;
  private lastWriteAt = 0;
  private uid = '';

  constructor(
    private readonly cfg: KubeletConfig,
    private readonly inputs: () => Promise<NodeStatusInputs>,
  ) {}

  get nodeUid(): string {
    return this.uid;
  }

  /** Creates the Node, or adopts an existing one (updating labels, keeping what others set). */
  async register(signal: AbortSignal): Promise<Node> {
    const nodes = this.cfg.client.resource<Node>(NODES);
    const status = computeNodeStatus(this.cfg, await this.inputs(), undefined, this.cfg.clock.now());
    const desired: Node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: this.cfg.nodeName, labels: nodeLabels(this.cfg), annotations: { 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' } },
      spec: this.cfg.registerWithTaints.length > 0 ? { taints: this.cfg.registerWithTaints } : {},
      status,
    };
    for (let attempt = 0; ; attempt++) {
      try {
        let node: Node;
        try {
          node = await nodes.create(desired);
        } catch (err) {
          if (!(err instanceof ApiError) || err.reason !== 'AlreadyExists') throw err;
          node = await nodes.patch(this.cfg.nodeName, 'merge', { metadata: { labels: desired.metadata?.labels } });
          node = await nodes.patch(this.cfg.nodeName, 'merge', { status: mergeable(status, node.status) }, { subresource: 'status' });
        }
        this.uid = node.metadata?.uid ?? '';
        this.lastWritten = node.status;
        this.lastWriteAt = this.cfg.clock.now();
        this.cfg.log.info(`registered node ${this.cfg.nodeName}`);
        // What `kubectl describe node` shows of a kubelet start, as Kubernetes' kubelet records it.
        const ref = nodeRef(this.cfg.nodeName);
        this.cfg.recorder.event(ref, 'Normal', 'Starting', 'Starting kubelet.');
        if (status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) {
          this.cfg.recorder.event(ref, 'Normal', 'NodeReady', `Node ${this.cfg.nodeName} status is now: NodeReady`);
        }
        return node;
      } catch (err) {
        if (signal.aborted) throw err;
        this.cfg.log.warn(`unable to register node ${this.cfg.nodeName}: ${String(err)}`);
        await sleep(this.cfg.clock, Math.min(7000, 100 * 2 ** attempt), signal);
      }
    }
  }

  /** One status round: compute, and write when changed or due. */
  async update(): Promise<void> {
    const now = this.cfg.clock.now();
    const next = computeNodeStatus(this.cfg, await this.inputs(), this.lastWritten, now);
    if (sameNodeStatus(this.lastWritten, next) && now - this.lastWriteAt < this.cfg.nodeStatusReportFrequencyMs) return;
    const nodes = this.cfg.client.resource<Node>(NODES);
    const node = await nodes.patch(this.cfg.nodeName, 'merge', { status: mergeable(next, this.lastWritten) }, { subresource: 'status' });
    this.uid = node.metadata?.uid ?? this.uid;
    this.recordPressureChanges(this.lastWritten, next);
    this.lastWritten = next;
    this.lastWriteAt = now;
  }

  /** `kubectl describe node` events of pressure transitions (NodeHasInsufficientMemory …), as the kubelet records them. */
  private recordPressureChanges(before: NodeStatus | undefined, after: NodeStatus): void {
    const ref = nodeRef(this.cfg.nodeName);
    for (const c of after.conditions ?? []) {
      const names = PRESSURE[c.type]?.events;
      const old = before?.conditions?.find((o) => o.type === c.type);
      if (!names || !old || old.status === c.status) continue;
      const event = c.status === 'True' ? names[0] : names[1];
      this.cfg.recorder.event(ref, 'Normal', event, `Node ${this.cfg.nodeName} status is now: ${event}`);
    }
  }

  /** Runs status rounds until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      // Until the node is Ready (e.g. the pod network is being set up), report fast, as the
      // kubelet's fast node status update does at start-up.
      const ready = this.lastWritten?.conditions?.find((c) => c.type === 'Ready')?.status !== 'False';
      await sleep(this.cfg.clock, ready ? this.cfg.nodeStatusUpdateFrequencyMs : Math.min(500, this.cfg.nodeStatusUpdateFrequencyMs), signal);
      if (signal.aborted) return;
      try {
        await this.update();
      } catch (err) {
        if (err instanceof ApiError && err.reason === 'NotFound') {
          this.cfg.log.warn(`node ${this.cfg.nodeName} was deleted; registering again`);
          await this.register(signal).catch(() => undefined);
        } else {
          this.cfg.log.warn(`error updating node status: ${String(err)}`);
        }
      }
    }
  }
}

/** A merge patch body: top-level fields of `old` missing from `next` are removed (null). */
function mergeable(next: NodeStatus, old: NodeStatus | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { ...next };
  for (const k of Object.keys(old ?? {})) if (!(k in out)) out[k] = null;
  return out;
}
