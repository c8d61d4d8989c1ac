// The container runtimes a node agent can run pods on, which of them this machine can use and
// why not, and how each is opened over its state directory. Each entry of RUNTIMES is a probe
// that says why it cannot run here, and an opener.
import { existsSync } from 'node:fs';
import { platform } from 'node:os';
import { findPrerequisites } from '../containerd/prerequisites.js';
import { startNodeContainerd } from '../containerd/node-containerd.js';
import { FakeRuntime } from '../kubelet/runtime/fake/fake-runtime.js';
import { findExecutable } from '../kubelet/runtime/process/isolation.js';
import { ProcessRuntime } from '../kubelet/runtime/process/process-runtime.js';
import type { ContainerRuntime } from '../kubelet/runtime/runtime.js';
import type { Logger } from '../log.js';

/** In order of preference for a node that is not told which to use. */
export const RUNTIME_NAMES = ['containerd', 'process', 'fake'] as const;
export type RuntimeName = (typeof RUNTIME_NAMES)[number];

export function isRuntimeName(s: string): s is RuntimeName {
  return (RUNTIME_NAMES as readonly string[]).includes(s);
}

export type RuntimeAvailability = { name: RuntimeName; available: true } | { name: RuntimeName; available: false; reason: string };

export interface RuntimeOpenOptions {
  /** The runtime's own directory (created by the caller). */
  stateDir: string;
  nodeName: string;
  log: Logger;
  /** Registry mirrors, TLS and credentials (k3s's registries.yaml format), used if the file exists. */
  registriesFile?: string;
  /**
   * containerd only: the CRI socket of a containerd someone else runs (`unix:///run/containerd/
   * containerd.sock` or a path) instead of one k8ts starts. Its CNI configuration is then the
   * operator's: k8ts does not write the pod network for it.
   */
  containerRuntimeEndpoint?: string;
}

/** An opened runtime and what the node agent must do for it over its life. */
export interface OpenedRuntime {
  runtime: ContainerRuntime;
  /**
   * Present when the runtime owns the pod network: called with the Node's spec.podCIDR once
   * it is assigned (and again if it changes). Until then sandboxes cannot get an address.
   */
  setPodCIDR?(podCIDR: string): Promise<void>;
  /** Closes the runtime (and stops a runtime daemon this opened); containers keep running. */
  close(): Promise<void>;
}

interface RuntimeEntry {
  /** Why the runtime cannot run on this machine, or undefined when it can. */
  unavailable(): string | undefined;
  open(o: RuntimeOpenOptions): Promise<OpenedRuntime>;
}

const RUNTIMES: Record<RuntimeName, RuntimeEntry> = {
  containerd: {
    unavailable: () => {
      if (platform() !== 'linux') return `the containerd runtime needs Linux, not ${platform()}`;
      if (process.getuid?.() !== 0) return 'the containerd runtime needs root (it creates network namespaces, bridges and cgroups)';
      try {
        findPrerequisites();
      } catch (err) {
        return err instanceof Error ? err.message : String(err);
      }
      return undefined;
    },
    open: async (o) => {
      const log = o.log.child('containerd');
      if (o.containerRuntimeEndpoint) log.info(`using the containerd at ${o.containerRuntimeEndpoint} (--container-runtime-endpoint); its CNI configuration gives pods their network`);
      const node = await startNodeContainerd({
        dataDir: o.stateDir,
        nodeName: o.nodeName,
        ...(o.containerRuntimeEndpoint ? { endpoint: o.containerRuntimeEndpoint } : {}),
        ...(o.registriesFile ? { registriesFile: o.registriesFile } : {}),
        log: (line) => log.info(line),
      });
      return { runtime: node.runtime, setPodCIDR: (cidr) => node.setPodCIDR(cidr), close: () => node.close() };
    },
  },
  process: {
    unavailable: () => {
      if (platform() !== 'linux') return `the process runtime needs Linux (/proc), not ${platform()}`;
      if (!findExecutable('sh')) return 'the process runtime needs "sh" on the PATH';
      return undefined;
    },
    open: async (o) => {
      const runtime = await ProcessRuntime.open({ root: o.stateDir });
      return { runtime, close: () => runtime.close() };
    },
  },
  fake: {
    unavailable: () => undefined,
    open: async () => {
      const runtime = new FakeRuntime();
      return { runtime, close: () => runtime.close() };
    },
  },
};

/** Every runtime k8ts knows, in order of preference, with whether it can run here. */
export function runtimeAvailability(): RuntimeAvailability[] {
  return RUNTIME_NAMES.map((name) => {
    const reason = RUNTIMES[name].unavailable();
    return reason === undefined ? { name, available: true } : { name, available: false, reason };
  });
}

/**
 * The runtime a node uses unless told otherwise: the first available one that runs real
 * containers (containerd, else process). Never the fake runtime, which runs nothing: when
 * nothing real is available the answer says why; `availability` says why each was passed over.
 */
export function defaultRuntime(): { name: RuntimeName; availability: RuntimeAvailability[] } | { name: undefined; availability: RuntimeAvailability[] } {
  const availability = runtimeAvailability();
  const real = availability.find((a) => a.available && a.name !== 'fake');
  return { name: real?.name, availability };
}

/** Opens `name`, or throws with the reason it cannot run here. */
export async function openRuntime(name: RuntimeName, o: RuntimeOpenOptions): Promise<OpenedRuntime> {
  const entry = RUNTIMES[name];
  if (o.containerRuntimeEndpoint !== undefined) {
    if (name !== 'containerd') throw new Error(`--container-runtime-endpoint is for the containerd runtime, not ${name}`);
    const socket = o.containerRuntimeEndpoint.replace(/^unix:\/\//, '');
    if (!existsSync(socket)) throw new Error(`no CRI socket at ${socket} (--container-runtime-endpoint)`);
    return entry.open(o);
  }
  const reason = entry.unavailable();
  if (reason !== undefined) throw new Error(reason);
  return entry.open(o);
}
