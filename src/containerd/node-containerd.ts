// The containerd runtime of one node, from its data directory: starts and supervises a
// private containerd (or connects to one given by endpoint), imports the offline images, and
// opens the ContainerRuntime over it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ContainerdRuntime } from '../kubelet/runtime/containerd/containerd-runtime.js';
import { bridgeNameFor } from './config.js';
import { builtImageArchives, defaultImageDir, importImages } from './images.js';
import { parseRegistries, type RegistriesConfig } from './registries.js';
import { ContainerdSupervisor } from './supervisor.js';

export interface NodeContainerdOptions {
  /** The node's data directory; containerd lives in `<dataDir>/containerd`. */
  dataDir: string;
  nodeName: string;
  /** spec.podCIDR of the node; may come later through setPodCIDR. */
  podCIDR?: string;
  /** An existing containerd's CRI endpoint (`--container-runtime-endpoint`): nothing is started. */
  endpoint?: string;
  /** Where build-images.sh put its archives; default defaultImageDir(). */
  imageDir?: string;
  /** Plain-HTTP registry mirroring docker.io and registry.k8s.io; default 127.0.0.1:5000, false for none. */
  registryMirror?: string | false;
  /** A registries.yaml (k3s's format: mirrors, plain-HTTP endpoints, TLS, credentials); read if it exists. */
  registriesFile?: string;
  log?: (line: string) => void;
}

export interface NodeContainerd {
  runtime: ContainerdRuntime;
  /** Absent when connected to an existing containerd. */
  supervisor?: ContainerdSupervisor;
  endpoint: string;
  /** Configures the pod network for the node's CIDR (a no-op for an external containerd). */
  setPodCIDR(podCIDR: string): Promise<void>;
  /** Closes the runtime and stops the containerd this started; pods keep running. */
  close(): Promise<void>;
}

const MAX_SOCKET_PATH = 107;

export async function startNodeContainerd(o: NodeContainerdOptions): Promise<NodeContainerd> {
  const stateDir = join(o.dataDir, 'containerd-runtime');
  if (o.endpoint) {
    const runtime = new ContainerdRuntime({ endpoint: o.endpoint, stateDir });
    return { runtime, endpoint: o.endpoint, setPodCIDR: async () => undefined, close: () => runtime.close() };
  }
  const dir = join(o.dataDir, 'containerd');
  const longest = join(dir, 'containerd.sock.ttrpc');
  if (longest.length > MAX_SOCKET_PATH) {
    throw new Error(`the node data directory ${o.dataDir} is too long for containerd's sockets (${longest.length} > ${MAX_SOCKET_PATH} characters)`);
  }
  const mirror = o.registryMirror === false ? undefined : (o.registryMirror ?? '127.0.0.1:5000');
  const registries = o.registriesFile ? await readRegistries(o.registriesFile) : undefined;
  if (registries && o.registriesFile) o.log?.(`registry settings from ${o.registriesFile}: mirrors for ${Object.keys(registries.mirrors).join(', ') || 'none'}`);
  const supervisor = await ContainerdSupervisor.start({
    dir,
    networkName: `k8ts-${o.nodeName}`,
    bridgeName: bridgeNameFor(o.nodeName),
    ...(o.podCIDR ? { podCIDR: o.podCIDR } : {}),
    ...(mirror ? { registryMirror: mirror } : {}),
    ...(registries ? { registries } : {}),
    ...(o.log ? { log: o.log } : {}),
  });
  try {
    const imported = await importImages({
      ctr: supervisor.prerequisites.ctr,
      socket: supervisor.paths.socket,
      archives: builtImageArchives(o.imageDir ?? defaultImageDir()),
    });
    if (imported.length > 0) o.log?.(`imported ${imported.join(', ')} into containerd`);
  } catch (err) {
    await supervisor.stop();
    throw err;
  }
  const runtime = new ContainerdRuntime({ endpoint: supervisor.endpoint, stateDir });
  return {
    runtime,
    supervisor,
    endpoint: supervisor.endpoint,
    setPodCIDR: (cidr) => supervisor.setPodCIDR(cidr),
    close: async () => {
      await runtime.close();
      await supervisor.stop();
    },
  };
}

/** The parsed file, or undefined when it does not exist; a malformed file is an error. */
async function readRegistries(path: string): Promise<RegistriesConfig | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT') return undefined;
    throw err;
  }
  return parseRegistries(text, path);
}
