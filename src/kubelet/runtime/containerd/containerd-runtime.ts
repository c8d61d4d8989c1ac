// ContainerRuntime over containerd's CRI (runtime.v1, gRPC on a unix socket). containerd 1.6
// has no event stream, so state is read by ContainerStatus / ListContainers / ListPodSandbox;
// full container statuses are cached per (id, state) because a container's status only
// changes together with its state. What containerd leaves to the kubelet side is done here:
// the pod's /etc/hosts, the log path's parent directory, removing the pod's cgroup after its
// sandbox, and "NOT_FOUND on stop/remove = done".
import { mkdir, readFile, rm, writeFile, access } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { normalizeImageName } from '../image-ref.js';
import {
  ImagePullError,
  NotFoundError,
  type ContainerConfig,
  type ContainerRuntime,
  type ContainerStats,
  type ContainerStatus,
  type ExecOptions,
  type ImageInfo,
  type Mount,
  type PortStream,
  type RegistryAuth,
  type SandboxConfig,
  type SandboxStatus,
  type StreamSession,
} from '../runtime.js';
import { CriClient, CriError, GrpcCode, isCriError } from './cri-client.js';
import type { CriContainerState, CriImage } from './cri-types.js';
import { hostNetworkHostsFile, podHostsFile } from './etc-hosts.js';
import { removePodCgroup } from './pod-cgroup.js';
import { fromCriStats, listCriContainerStats } from './stats.js';
import { exitCodeFromStatus, openCommandSession, openPortStream } from './stream-client.js';
import { fromCriContainerStatus, fromCriSandbox, toCriContainerConfig, toCriSandboxConfig } from './translate.js';

export interface ContainerdRuntimeOptions {
  /** containerd's socket: an absolute path or a `unix:///abs/path` endpoint. */
  endpoint: string;
  /** Directory for the files this runtime writes per pod (hosts files); kept across restarts. */
  stateDir: string;
  /** Deadline of ordinary calls; default 30 s. */
  callTimeoutMs?: number;
  /** Deadline of image pulls and of RunPodSandbox (which may pull the pause image); default 5 min. */
  pullTimeoutMs?: number;
}

const RUNTIME_API_VERSION = 'v1';
/** File in a sandbox's state directory naming its cgroupParent. */
const CGROUP_PARENT_FILE = 'cgroup-parent';

export class ContainerdRuntime implements ContainerRuntime {
  readonly name = 'containerd';
  private readonly cri: CriClient;
  private readonly stateDir: string;
  private readonly callTimeoutMs: number;
  private readonly pullTimeoutMs: number;
  /** Sandbox of each container (immutable). */
  private readonly sandboxOf = new Map<string, string>();
  /** Last full status of each container, valid while its listed state is unchanged. */
  private readonly statusCache = new Map<string, { state: CriContainerState; status: ContainerStatus }>();
  /** Pod IP of each sandbox ('' for none), read once. */
  private readonly sandboxIp = new Map<string, string>();

  constructor(options: ContainerdRuntimeOptions) {
    this.cri = new CriClient(options.endpoint);
    this.stateDir = options.stateDir;
    this.callTimeoutMs = options.callTimeoutMs ?? 30_000;
    this.pullTimeoutMs = options.pullTimeoutMs ?? 300_000;
  }

  async version(): Promise<{ runtimeName: string; runtimeVersion: string }> {
    const v = await this.cri.runtime('Version', { version: RUNTIME_API_VERSION }, this.callTimeoutMs);
    return { runtimeName: v.runtimeName, runtimeVersion: v.runtimeVersion };
  }

  /** containerd's RuntimeReady/NetworkReady conditions (false ones carry reason and message). */
  async conditions(): Promise<{ type: string; status: boolean; reason: string; message: string }[]> {
    const s = await this.cri.runtime('Status', { verbose: false }, this.callTimeoutMs);
    return s.status?.conditions ?? [];
  }

  // ---- sandboxes ----

  async runPodSandbox(config: SandboxConfig): Promise<string> {
    const res = await this.cri.runtime('RunPodSandbox', { config: toCriSandboxConfig(config), runtimeHandler: '' }, this.pullTimeoutMs);
    const id = res.podSandboxId;
    if (config.cgroupParent) {
      // Kept beside the hosts file so a restarted kubelet still knows what to remove.
      await mkdir(this.sandboxDir(id), { recursive: true });
      await writeFile(join(this.sandboxDir(id), CGROUP_PARENT_FILE), config.cgroupParent);
    }
    await this.writeHostsFile(id, config);
    return id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    await this.ignoreNotFound(this.cri.runtime('StopPodSandbox', { podSandboxId: id }, this.callTimeoutMs * 2));
  }

  async removePodSandbox(id: string): Promise<void> {
    await this.ignoreNotFound(this.cri.runtime('RemovePodSandbox', { podSandboxId: id }, this.callTimeoutMs * 2));
    const cgroupParent = await readFile(join(this.sandboxDir(id), CGROUP_PARENT_FILE), 'utf8').catch(() => '');
    if (cgroupParent) await removePodCgroup(cgroupParent);
    this.sandboxIp.delete(id);
    for (const [c, sb] of this.sandboxOf) {
      if (sb === id) {
        this.sandboxOf.delete(c);
        this.statusCache.delete(c);
      }
    }
    await rm(this.sandboxDir(id), { recursive: true, force: true });
  }

  async podSandboxStatus(id: string): Promise<SandboxStatus> {
    const res = await this.orNotFound(this.cri.runtime('PodSandboxStatus', { podSandboxId: id, verbose: false }, this.callTimeoutMs), `sandbox ${id}`);
    if (!res.status) throw new NotFoundError(`sandbox ${id} not found`);
    const ip = res.status.network?.ip ?? '';
    this.sandboxIp.set(res.status.id, ip);
    return fromCriSandbox(res.status, ip);
  }

  async listPodSandboxes(): Promise<SandboxStatus[]> {
    const { items } = await this.cri.runtime('ListPodSandbox', {}, this.callTimeoutMs);
    return Promise.all(
      items.map(async (s) => {
        let ip = this.sandboxIp.get(s.id);
        if (ip === undefined) {
          const st = await this.cri.runtime('PodSandboxStatus', { podSandboxId: s.id, verbose: false }, this.callTimeoutMs).catch(() => undefined);
          ip = st?.status?.network?.ip ?? '';
          this.sandboxIp.set(s.id, ip);
        }
        return fromCriSandbox(s, ip);
      }),
    );
  }

  // ---- images ----

  async pullImage(image: string, auth?: RegistryAuth): Promise<string> {
    normalizeImageName(image);
    try {
      const res = await this.cri.image(
        'PullImage',
        {
          image: { image },
          ...(auth
            ? {
                auth: {
                  username: auth.username ?? '',
                  password: auth.password ?? '',
                  auth: auth.auth ?? '',
                  serverAddress: auth.serverAddress ?? '',
                  identityToken: auth.identityToken ?? '',
                },
              }
            : {}),
        },
        this.pullTimeoutMs,
      );
      return res.imageRef;
    } catch (err) {
      if (err instanceof CriError) {
        const reason = err.code === GrpcCode.INVALID_ARGUMENT && /reference|invalid/i.test(err.details) ? 'InvalidImageName' : 'ErrImagePull';
        throw new ImagePullError(`failed to pull image "${image}": ${err.details}`, reason);
      }
      throw err;
    }
  }

  async imageStatus(image: string): Promise<ImageInfo | undefined> {
    normalizeImageName(image);
    const res = await this.cri.image('ImageStatus', { image: { image }, verbose: false }, this.callTimeoutMs);
    return res.image ? imageInfo(res.image) : undefined;
  }

  async listImages(): Promise<ImageInfo[]> {
    const res = await this.cri.image('ListImages', {}, this.callTimeoutMs);
    return res.images.map(imageInfo);
  }

  // ---- containers ----

  async createContainer(sandboxId: string, config: ContainerConfig, sandbox: SandboxConfig): Promise<string> {
    await mkdir(dirname(join(sandbox.logDirectory, config.logPath)), { recursive: true });
    const hosts: Mount = { containerPath: '/etc/hosts', hostPath: await this.hostsFile(sandboxId, sandbox), readOnly: false };
    const res = await this.orNotFound(
      this.cri.runtime(
        'CreateContainer',
        { podSandboxId: sandboxId, config: toCriContainerConfig(config, sandbox, [hosts]), sandboxConfig: toCriSandboxConfig(sandbox) },
        this.callTimeoutMs,
      ),
      `sandbox ${sandboxId}`,
    );
    this.sandboxOf.set(res.containerId, sandboxId);
    return res.containerId;
  }

  async startContainer(id: string): Promise<void> {
    await this.orNotFound(this.cri.runtime('StartContainer', { containerId: id }, this.callTimeoutMs), `container ${id}`);
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    const timeout = Math.max(0, Math.ceil(timeoutSeconds));
    await this.ignoreNotFound(this.cri.runtime('StopContainer', { containerId: id, timeout }, timeout * 1000 + this.callTimeoutMs));
  }

  async removeContainer(id: string): Promise<void> {
    await this.ignoreNotFound(this.cri.runtime('RemoveContainer', { containerId: id }, this.callTimeoutMs));
    this.sandboxOf.delete(id);
    this.statusCache.delete(id);
  }

  async containerStatus(id: string): Promise<ContainerStatus> {
    const res = await this.orNotFound(this.cri.runtime('ContainerStatus', { containerId: id, verbose: false }, this.callTimeoutMs), `container ${id}`);
    if (!res.status) throw new NotFoundError(`container ${id} not found`);
    const sandboxId = await this.sandboxOfContainer(res.status.id);
    const status = fromCriContainerStatus(res.status, sandboxId);
    this.statusCache.set(status.id, { state: res.status.state, status });
    return status;
  }

  async listContainers(filter?: { sandboxId?: string }): Promise<ContainerStatus[]> {
    const { containers } = await this.cri.runtime(
      'ListContainers',
      filter?.sandboxId ? { filter: { podSandboxId: filter.sandboxId } } : {},
      this.callTimeoutMs,
    );
    const out = await Promise.all(
      containers.map(async (c) => {
        this.sandboxOf.set(c.id, c.podSandboxId);
        const cached = this.statusCache.get(c.id);
        if (cached && cached.state === c.state) return cached.status;
        return this.containerStatus(c.id).catch((err: unknown) => {
          if (err instanceof NotFoundError) return undefined;
          throw err;
        });
      }),
    );
    const live = new Set(containers.map((c) => c.id));
    if (!filter?.sandboxId) for (const id of this.statusCache.keys()) if (!live.has(id)) this.statusCache.delete(id);
    return out.filter((s): s is ContainerStatus => s !== undefined);
  }

  // ---- exec, attach, port-forward ----

  async execSync(id: string, command: string[], timeoutMs: number): Promise<{ exitCode: number; stdout: Uint8Array; stderr: Uint8Array }> {
    try {
      // The gRPC deadline is the real limit (containerd kills the process when the call is
      // cancelled); the CRI timeout, in whole seconds, is a backstop.
      const res = await this.cri.runtime('ExecSync', { containerId: id, cmd: command, timeout: Math.ceil(timeoutMs / 1000) + 1 }, timeoutMs);
      return { exitCode: res.exitCode, stdout: res.stdout, stderr: res.stderr };
    } catch (err) {
      if (isCriError(err, GrpcCode.NOT_FOUND)) throw new NotFoundError(`container ${id} not found`);
      if (isCriError(err, GrpcCode.DEADLINE_EXCEEDED) || (err instanceof CriError && /timeout/i.test(err.details))) {
        throw new Error(`command ${JSON.stringify(command)} timed out after ${timeoutMs} ms`, { cause: err });
      }
      throw err;
    }
  }

  async exec(id: string, options: ExecOptions): Promise<StreamSession> {
    const stderr = options.stderr && !options.tty;
    const { url } = await this.orNotFound(
      this.cri.runtime('Exec', { containerId: id, cmd: options.command, tty: options.tty, stdin: options.stdin, stdout: options.stdout, stderr }, this.callTimeoutMs),
      `container ${id}`,
    );
    const { session, ended } = await openCommandSession(url, { stdin: options.stdin, stdout: options.stdout, stderr, tty: options.tty }, { timeoutMs: this.callTimeoutMs });
    void ended.then((e) => session.finish(exitCodeFromStatus(e.status) ?? (e.closedByCaller ? 0 : 1)));
    return session;
  }

  async attach(id: string, options: Omit<ExecOptions, 'command'>): Promise<StreamSession> {
    const stderr = options.stderr && !options.tty;
    const { url } = await this.orNotFound(
      this.cri.runtime('Attach', { containerId: id, stdin: options.stdin, tty: options.tty, stdout: options.stdout, stderr }, this.callTimeoutMs),
      `container ${id}`,
    );
    const { session, ended } = await openCommandSession(url, { stdin: options.stdin, stdout: options.stdout, stderr, tty: options.tty }, { timeoutMs: this.callTimeoutMs });
    void ended.then(async (e) => session.finish(e.closedByCaller ? 0 : await this.exitCodeAfterAttach(id)));
    return session;
  }

  async portForward(sandboxId: string, port: number): Promise<PortStream> {
    const { url } = await this.orNotFound(this.cri.runtime('PortForward', { podSandboxId: sandboxId, port: [port] }, this.callTimeoutMs), `sandbox ${sandboxId}`);
    return openPortStream(url, port, { timeoutMs: this.callTimeoutMs });
  }

  // ---- stats ----

  async containerStats(id: string): Promise<ContainerStats | undefined> {
    let res;
    try {
      res = await this.cri.runtime('ContainerStats', { containerId: id }, this.callTimeoutMs);
    } catch (err) {
      if (isCriError(err, GrpcCode.NOT_FOUND)) return undefined;
      throw err;
    }
    return res.stats ? fromCriStats(res.stats, id) : undefined;
  }

  async listContainerStats(): Promise<ContainerStats[]> {
    return listCriContainerStats(this.cri, this.callTimeoutMs);
  }

  async close(): Promise<void> {
    this.cri.close();
  }

  // ---- internals ----

  private sandboxDir(id: string): string {
    return join(this.stateDir, 'sandboxes', id);
  }

  private async writeHostsFile(sandboxId: string, config: SandboxConfig): Promise<string> {
    let text: string;
    if (config.hostNetwork) text = await hostNetworkHostsFile(config.hostAliases);
    else {
      const status = await this.podSandboxStatus(sandboxId);
      text = podHostsFile({
        hostname: config.hostname,
        aliases: config.hostAliases,
        ...(status.ip ? { ip: status.ip } : {}),
        ...(config.hostDomain ? { domain: config.hostDomain } : {}),
      });
    }
    const dir = this.sandboxDir(sandboxId);
    await mkdir(dir, { recursive: true });
    const path = join(dir, 'hosts');
    await writeFile(path, text);
    return path;
  }

  /** The sandbox's hosts file, written now if this runtime did not start the sandbox. */
  private async hostsFile(sandboxId: string, config: SandboxConfig): Promise<string> {
    const path = join(this.sandboxDir(sandboxId), 'hosts');
    try {
      await access(path);
      return path;
    } catch {
      return this.writeHostsFile(sandboxId, config);
    }
  }

  private async sandboxOfContainer(id: string): Promise<string> {
    const known = this.sandboxOf.get(id);
    if (known) return known;
    const { containers } = await this.cri.runtime('ListContainers', { filter: { id } }, this.callTimeoutMs);
    const sb = containers.find((c) => c.id === id)?.podSandboxId ?? '';
    if (sb) this.sandboxOf.set(id, sb);
    return sb;
  }

  /**
   * An attach stream ends when the container's output closes; containerd records the exit a
   * moment later. Waits briefly for that record: the session's exit code is the container's.
   */
  private async exitCodeAfterAttach(id: string): Promise<number> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const s = await this.containerStatus(id).catch(() => undefined);
      if (!s) return 0;
      if (s.state === 'exited') return s.exitCode;
      if (Date.now() > deadline) return 0;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private async ignoreNotFound(p: Promise<unknown>): Promise<void> {
    try {
      await p;
    } catch (err) {
      if (!isCriError(err, GrpcCode.NOT_FOUND)) throw err;
    }
  }

  private async orNotFound<T>(p: Promise<T>, what: string): Promise<T> {
    try {
      return await p;
    } catch (err) {
      if (isCriError(err, GrpcCode.NOT_FOUND)) throw new NotFoundError(`${what} not found: ${err.details}`);
      throw err;
    }
  }
}

function imageInfo(i: CriImage): ImageInfo {
  return {
    ref: i.id,
    repoTags: i.repoTags,
    sizeBytes: Number(i.size),
    ...(i.uid ? { uid: Number(i.uid.value) } : {}),
    ...(i.username ? { username: i.username } : {}),
  };
}
