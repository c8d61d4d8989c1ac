// One node's containerd process: writes its config under the node's directory, starts it,
// waits until its socket answers, and restarts it when it dies (with a growing delay, reset
// after a minute of uptime). Running pods survive a restart: their shims are separate
// processes. stop() ends containerd only; pods keep running unless removed first.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { containerdsWithConfig, stopProcess } from './leftovers.js';
import { cniConflist, containerdPaths, containerdToml, MIRRORED_REGISTRIES, type ContainerdPaths } from './config.js';
import { findPrerequisites, type Prerequisites } from './prerequisites.js';
import { EMPTY_REGISTRIES, registryAuthToml, registryHostFiles, withDefaultMirror, type RegistriesConfig } from './registries.js';

export interface ContainerdSupervisorOptions {
  /** Directory of this node's containerd (config, sockets, root, state, CNI files). */
  dir: string;
  /** Names the CNI network and, hashed, nothing else; the bridge is named separately. */
  networkName: string;
  /** Linux bridge of this node's pods (≤ 15 characters, distinct per node). */
  bridgeName: string;
  /** The node's spec.podCIDR; without one the pod network stays unconfigured until setPodCIDR. */
  podCIDR?: string;
  sandboxImage?: string;
  /** host:port of a plain-HTTP registry used as mirror for docker.io and registry.k8s.io. */
  registryMirror?: string;
  /** Mirrors, TLS and credentials per registry (registries.yaml); they win over registryMirror. */
  registries?: RegistriesConfig;
  cniBinDir?: string;
  readyTimeoutMs?: number;
  log?: (line: string) => void;
}

export const DEFAULT_SANDBOX_IMAGE = 'registry.k8s.io/pause:3.9';

const MIN_RESTART_DELAY_MS = 500;
const MAX_RESTART_DELAY_MS = 30_000;
const HEALTHY_UPTIME_MS = 60_000;

function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export class ContainerdSupervisor {
  readonly paths: ContainerdPaths;
  readonly prerequisites: Prerequisites;
  private child: ChildProcess | undefined;
  private stopping = false;
  private restartDelay = MIN_RESTART_DELAY_MS;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly log: (line: string) => void;
  /** Times containerd was started, the first included. */
  starts = 0;

  private constructor(private readonly options: ContainerdSupervisorOptions) {
    this.paths = containerdPaths(options.dir);
    this.prerequisites = findPrerequisites(options.cniBinDir ? { cniBinDir: options.cniBinDir } : {});
    this.log = options.log ?? (() => undefined);
  }

  /** Writes the configuration, starts containerd and resolves once its socket answers. */
  static async start(options: ContainerdSupervisorOptions): Promise<ContainerdSupervisor> {
    const s = new ContainerdSupervisor(options);
    await s.writeConfig();
    for (const pid of await containerdsWithConfig(s.paths.config)) {
      s.log(`stopping containerd (pid ${pid}) left running by an earlier run of this node`);
      await stopProcess(pid, 10_000);
    }
    try {
      await s.spawnAndWait(options.readyTimeoutMs ?? 30_000);
    } catch (err) {
      await s.stop();
      throw err;
    }
    return s;
  }

  /** `unix://` endpoint of the CRI socket. */
  get endpoint(): string {
    return `unix://${this.paths.socket}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** (Re)writes the CNI network for the pod CIDR; containerd picks the change up by itself. */
  async setPodCIDR(podCIDR: string): Promise<void> {
    const text = cniConflist({ networkName: this.options.networkName, bridgeName: this.options.bridgeName, podCIDR, ipamDir: this.paths.ipamDir });
    await mkdir(this.paths.cniConfDir, { recursive: true });
    const tmp = `${this.paths.cniConflist}.tmp`;
    await writeFile(tmp, text);
    // containerd watches conf_dir; a rename makes the new file appear complete.
    await rename(tmp, this.paths.cniConflist);
  }

  /** Ends containerd (SIGTERM, then SIGKILL after `timeoutMs`) and stops restarting it. */
  async stop(options: { timeoutMs?: number } = {}): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 10_000);
    await exited;
    clearTimeout(timer);
  }

  private async writeConfig(): Promise<void> {
    const p = this.paths;
    const registries = withDefaultMirror(this.options.registries ?? EMPTY_REGISTRIES, this.options.registryMirror, MIRRORED_REGISTRIES);
    // certs.d is generated as a whole: hosts dropped from the settings must not linger.
    await rm(p.certsDir, { recursive: true, force: true });
    for (const d of [p.dir, p.root, p.state, p.opt, p.runcRoot, p.cniConfDir, p.ipamDir, p.certsDir]) await mkdir(d, { recursive: true });
    await writeFile(
      p.config,
      containerdToml(p, {
        sandboxImage: this.options.sandboxImage ?? DEFAULT_SANDBOX_IMAGE,
        runcPath: this.prerequisites.runc,
        cniBinDir: this.prerequisites.cniBinDir,
        registryAuth: registryAuthToml(registries),
      }),
    );
    // It may hold registry credentials.
    await chmod(p.config, 0o600);
    for (const [host, text] of registryHostFiles(registries)) {
      await mkdir(join(p.certsDir, host), { recursive: true });
      await writeFile(join(p.certsDir, host, 'hosts.toml'), text);
    }
    if (this.options.podCIDR) await this.setPodCIDR(this.options.podCIDR);
  }

  private async spawnAndWait(timeoutMs: number): Promise<void> {
    await rm(this.paths.socket, { force: true });
    const logFile = await open(this.paths.log, 'a');
    const child = spawn(this.prerequisites.containerd, ['--config', this.paths.config], {
      stdio: ['ignore', logFile.fd, logFile.fd],
      detached: false,
    });
    await logFile.close();
    this.child = child;
    this.starts++;
    const startedAt = Date.now();
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      if (this.stopping) return;
      if (Date.now() - startedAt > HEALTHY_UPTIME_MS) this.restartDelay = MIN_RESTART_DELAY_MS;
      const delay = this.restartDelay;
      this.restartDelay = Math.min(MAX_RESTART_DELAY_MS, this.restartDelay * 2);
      this.log(`containerd (pid ${child.pid ?? '?'}) exited (${signal ?? `code ${code ?? '?'}`}); restarting in ${delay} ms; log: ${this.paths.log}`);
      this.restartTimer = setTimeout(() => {
        this.spawnAndWait(timeoutMs).catch((err: unknown) => this.log(`containerd restart failed: ${err instanceof Error ? err.message : String(err)}`));
      }, delay);
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (exited) throw new Error(`containerd exited during startup (${exited.signal ?? `code ${exited.code ?? '?'}`}); see ${this.paths.log}`);
      if (await socketAnswers(this.paths.socket)) {
        this.log(`containerd ready (pid ${child.pid ?? '?'}, socket ${this.paths.socket})`);
        return;
      }
      if (Date.now() > deadline) throw new Error(`containerd did not open ${this.paths.socket} within ${timeoutMs} ms; see ${this.paths.log}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}
