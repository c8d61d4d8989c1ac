// The container runtimes a node agent can run pods on, which of them this machine can use and
// why not, and how each is opened over its state directory. A new runtime (containerd over
// CRI) is one more entry in RUNTIMES: a probe that says why it cannot run here, and an opener.
import { platform } from 'node:os';
import { FakeRuntime } from '../kubelet/runtime/fake/fake-runtime.js';
import { findExecutable } from '../kubelet/runtime/process/isolation.js';
import { ProcessRuntime } from '../kubelet/runtime/process/process-runtime.js';
import type { ContainerRuntime } from '../kubelet/runtime/runtime.js';

export const RUNTIME_NAMES = ['process', 'fake'] as const;
export type RuntimeName = (typeof RUNTIME_NAMES)[number];

export function isRuntimeName(s: string): s is RuntimeName {
  return (RUNTIME_NAMES as readonly string[]).includes(s);
}

export type RuntimeAvailability = { name: RuntimeName; available: true } | { name: RuntimeName; available: false; reason: string };

interface RuntimeEntry {
  /** Why the runtime cannot run on this machine, or undefined when it can. */
  unavailable(): string | undefined;
  /** Opens the runtime; `stateDir` is its own directory (created if missing). */
  open(stateDir: string): Promise<ContainerRuntime>;
}

const RUNTIMES: Record<RuntimeName, RuntimeEntry> = {
  process: {
    unavailable: () => {
      if (platform() !== 'linux') return `the process runtime needs Linux (/proc), not ${platform()}`;
      if (!findExecutable('sh')) return 'the process runtime needs "sh" on the PATH';
      return undefined;
    },
    open: (stateDir) => ProcessRuntime.open({ root: stateDir }),
  },
  fake: {
    unavailable: () => undefined,
    open: async () => new FakeRuntime(),
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
 * containers (process today; containerd once it exists). Never the fake runtime, which runs
 * nothing: when nothing real is available the answer says why.
 */
export function defaultRuntime(): { name: RuntimeName; availability: RuntimeAvailability[] } | { name: undefined; availability: RuntimeAvailability[] } {
  const availability = runtimeAvailability();
  const real = availability.find((a) => a.available && a.name !== 'fake');
  return { name: real?.name, availability };
}

/** Opens `name`, or throws with the reason it cannot run here. */
export async function openRuntime(name: RuntimeName, stateDir: string): Promise<ContainerRuntime> {
  const entry = RUNTIMES[name];
  const reason = entry.unavailable();
  if (reason !== undefined) throw new Error(reason);
  return entry.open(stateDir);
}
