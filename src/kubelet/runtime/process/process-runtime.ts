// Containers as host processes. Each container runs under a small shell wrapper in its own
// process group (run-script.ts) that records the main pid and the exit status on disk, with
// output appended to raw files that a log pump turns into CRI logs. All state lives under
// `root` (state.ts), so containers survive the runtime: a new instance over the same root
// re-adopts them, and sees exits that happened meanwhile. See README.md for what is isolated.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { newRuntimeId } from '../ids.js';
import { normalizeImageName, syntheticImageInfo } from '../image-ref.js';
import {
  NotFoundError,
  type ContainerConfig,
  type ContainerRuntime,
  type ContainerStats,
  type ContainerStatus,
  type ExecOptions,
  type ImageInfo,
  type PortStream,
  type SandboxConfig,
  type SandboxStatus,
  type StreamSession,
} from '../runtime.js';
import { BufferedStreamSession } from '../stream-session.js';
import { execSession, execSync, type ExecTarget } from './exec.js';
import { setprivPrefix } from './security.js';
import { detectIsolation, findExecutable, findTools, startPause, type Isolation, type Tools } from './isolation.js';
import { LogPump } from './log-pump.js';
import { childrenOf, groupsUsage, groupUsage, identify, innermostPid, isAlive, killGroup, signalProcess, type GroupUsage, type ProcessIdentity } from './procfs.js';
import { buildRunScript, type BindMount } from './run-script.js';
import { FifoWriter } from './fifo-writer.js';
import { StateDir, type ContainerRecord, type SandboxRecord } from './state.js';

export interface ProcessRuntimeOptions {
  /** State directory; pods live under `<root>/pods/<uid>/`. */
  root: string;
  /** 'auto' (default): namespaces when running as root with util-linux unshare/nsenter. */
  isolation?: 'auto' | Isolation;
  /** The host tools to use (default: found on PATH); tests leave some out. */
  tools?: Tools;
  /** How often running containers are checked for exits and their output pumped. Default 100. */
  pollIntervalMs?: number;
  now?: () => number;
}

const RUNTIME_VERSION = '0.1.0';
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Exit code and reason of a container that could not be started, as containerd reports it. */
const START_ERROR = { exitCode: 128, reason: 'StartError' } as const;

export class ProcessRuntime implements ContainerRuntime {
  readonly name = 'process';
  readonly isolation: Isolation;
  private readonly state: StateDir;
  private readonly tools: Tools;
  private readonly now: () => number;
  private readonly sandboxes = new Map<string, SandboxRecord>();
  private readonly containers = new Map<string, ContainerRecord>();
  private readonly pumps = new Map<string, LogPump>();
  private readonly exitWaiters = new Map<string, Array<() => void>>();
  private images: Record<string, string>;
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  /** Opens the runtime over `root`, re-adopting whatever a previous instance left there. */
  static async open(options: ProcessRuntimeOptions): Promise<ProcessRuntime> {
    const tools = options.tools ?? findTools();
    const requested = options.isolation ?? 'auto';
    const isolation = requested === 'auto' ? detectIsolation(tools) : requested;
    if (isolation === 'namespaces' && detectIsolation(tools) !== 'namespaces') {
      throw new Error('namespace isolation needs root and util-linux unshare/nsenter');
    }
    mkdirSync(join(options.root, 'pods'), { recursive: true });
    return new ProcessRuntime(options, tools, isolation);
  }

  private constructor(options: ProcessRuntimeOptions, tools: Tools, isolation: Isolation) {
    this.state = new StateDir(options.root);
    this.tools = tools;
    this.isolation = isolation;
    this.now = options.now ?? Date.now;
    this.images = this.state.loadImages();
    const loaded = this.state.loadAll();
    for (const s of loaded.sandboxes) this.sandboxes.set(s.id, s);
    for (const c of loaded.containers) this.containers.set(c.id, c);
    this.poll();
    this.timer = setInterval(() => this.poll(), options.pollIntervalMs ?? 100);
    this.timer.unref();
  }

  async version(): Promise<{ runtimeName: string; runtimeVersion: string }> {
    return { runtimeName: 'k8ts-process', runtimeVersion: RUNTIME_VERSION };
  }

  // ---- sandboxes -------------------------------------------------------------------------

  async runPodSandbox(config: SandboxConfig): Promise<string> {
    const id = newRuntimeId();
    mkdirSync(this.state.workDir(config.uid), { recursive: true });
    const record: SandboxRecord = { id, config, createdAt: this.now(), state: 'ready' };
    if (this.isolation === 'namespaces') record.pause = await startPause(this.tools, config.hostname);
    this.sandboxes.set(id, record);
    this.state.saveSandbox(record);
    return id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    await Promise.all(this.containersOf(id).map((c) => this.stopContainer(c.id, 0)));
    if (sb.pause) signalProcess(sb.pause, 'SIGKILL');
    if (sb.state !== 'notready') {
      sb.state = 'notready';
      this.state.saveSandbox(sb);
    }
  }

  async removePodSandbox(id: string): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    await this.stopPodSandbox(id);
    for (const c of this.containersOf(id)) await this.removeContainer(c.id);
    rmSync(this.state.sandboxDir(sb.config.uid, id), { recursive: true, force: true });
    this.sandboxes.delete(id);
    const uid = sb.config.uid;
    const podInUse = [...this.sandboxes.values()].some((s) => s.config.uid === uid);
    if (!podInUse) rmSync(this.state.podDir(uid), { recursive: true, force: true });
  }

  async podSandboxStatus(id: string): Promise<SandboxStatus> {
    return this.sandboxStatus(this.sandbox(id));
  }

  async listPodSandboxes(): Promise<SandboxStatus[]> {
    return [...this.sandboxes.values()].map((s) => this.sandboxStatus(s));
  }

  // ---- images ----------------------------------------------------------------------------

  /** Nothing is fetched: the name is validated and recorded. */
  async pullImage(image: string): Promise<string> {
    const normalized = normalizeImageName(image);
    const ref = syntheticImageInfo(normalized).ref;
    if (this.images[normalized] !== ref) {
      this.images = { ...this.images, [normalized]: ref };
      this.state.saveImages(this.images);
    }
    return ref;
  }

  async imageStatus(image: string): Promise<ImageInfo | undefined> {
    const normalized = normalizeImageName(image);
    return this.images[normalized] === undefined ? undefined : syntheticImageInfo(normalized);
  }

  async listImages(): Promise<ImageInfo[]> {
    return Object.keys(this.images).map((n) => syntheticImageInfo(n));
  }

  // ---- containers ------------------------------------------------------------------------

  async createContainer(sandboxId: string, config: ContainerConfig, sandbox: SandboxConfig): Promise<string> {
    const sb = this.sandbox(sandboxId);
    if (sb.state !== 'ready') throw new Error(`pod sandbox ${sandboxId} is not ready`);
    const id = newRuntimeId();
    const record: ContainerRecord = {
      id,
      sandboxId,
      podUid: sb.config.uid,
      config,
      imageRef: config.imageRef ?? syntheticImageInfo(normalizeImageName(config.image)).ref,
      logPath: join(sandbox.logDirectory, config.logPath),
      state: 'created',
      createdAt: this.now(),
      startedAt: 0,
      finishedAt: 0,
      exitCode: 0,
      reason: '',
      message: '',
    };
    const dir = this.containerDir(record);
    mkdirSync(dir, { recursive: true });
    if (config.stdin) {
      const made = spawnSync('mkfifo', [join(dir, 'stdin')]);
      if (made.status !== 0) throw new Error(`cannot create the stdin FIFO: ${made.stderr.toString()}`);
    }
    this.containers.set(id, record);
    this.state.saveContainer(record);
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.container(id);
    if (c.state !== 'created') throw new Error(`container ${id} is ${c.state}, not created`);
    const sb = this.sandbox(c.sandboxId);
    const fail = (message: string): never => {
      this.finish(c, { exitCode: START_ERROR.exitCode, reason: START_ERROR.reason, message, finishedAt: this.now() });
      throw new Error(message);
    };
    if (sb.state !== 'ready' || (sb.pause && !isAlive(sb.pause))) return fail(`pod sandbox ${sb.id} is not running`);
    const argv = [...c.config.command, ...c.config.args];
    const env = this.environment(c, sb);
    const program = argv[0];
    if (program === undefined) return fail('the process runtime runs no images: the container needs a command');
    if (!findExecutable(program, env['PATH'])) return fail(`exec: "${program}": executable file not found in $PATH`);

    // Never run as root what asked for another identity.
    const identity = setprivPrefix(this.tools.setpriv ?? '', c.config.security);
    if (identity.length > 0 && !this.tools.setpriv) return fail('the securityContext sets a user, group or no_new_privs, and util-linux setpriv is not on this machine');

    const dir = this.containerDir(c);
    const cwd = c.config.workingDir || this.state.workDir(c.podUid);
    mkdirSync(this.state.workDir(c.podUid), { recursive: true });
    mkdirSync(dirname(c.logPath), { recursive: true });
    const bindMounts: BindMount[] = [];
    for (const m of c.config.mounts) {
      let isDirectory: boolean;
      try {
        isDirectory = statSync(m.hostPath).isDirectory();
      } catch {
        return fail(`mount source ${m.hostPath} does not exist`);
      }
      if (this.isolation === 'namespaces') bindMounts.push({ ...m, isDirectory });
      else linkMount(join(dir, 'root'), m.containerPath, m.hostPath);
    }
    if (this.isolation === 'none') env['K8TS_CONTAINER_ROOT'] = join(dir, 'root');
    writeFileSync(join(dir, 'run.sh'), buildRunScript({ containerDir: dir, workingDir: cwd, stdin: c.config.stdin, bindMounts }));
    for (const f of ['stdout', 'stderr']) writeFileSync(join(dir, f), '', { flag: 'a' });

    const out = openSync(join(dir, 'stdout'), 'a');
    const err = openSync(join(dir, 'stderr'), 'a');
    const wrapper = [this.tools.sh, join(dir, 'run.sh'), ...identity, ...argv];
    const [file, ...args] =
      this.isolation === 'namespaces' && sb.pause && this.tools.nsenter && this.tools.unshare
        ? [this.tools.nsenter, '--target', String(sb.pause.pid), '--pid', '--mount', '--uts', '--ipc', '--', this.tools.unshare, '--mount', '--propagation', 'slave', ...wrapper]
        : wrapper;
    let child;
    try {
      child = spawn(file ?? this.tools.sh, args, { detached: true, stdio: ['ignore', out, err], env, cwd: '/' });
    } finally {
      closeSync(out);
      closeSync(err);
    }
    child.on('error', () => undefined);
    child.unref();
    const supervisor = child.pid === undefined ? undefined : identify(child.pid);
    if (!supervisor) return fail('the container wrapper did not start');
    c.supervisor = supervisor;
    c.state = 'running';
    c.startedAt = this.now();
    this.state.saveContainer(c);
    c.main = await this.findMain(c);
    this.state.saveContainer(c);
    this.refresh(c);
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return;
    this.refresh(c);
    if (c.state === 'running') {
      if (c.main) signalProcess(c.main, 'SIGTERM');
      else if (c.supervisor) killGroup(c.supervisor, 'SIGTERM');
      if (!(await this.waitExited(c, Math.max(0, timeoutSeconds) * 1000))) {
        if (c.main) signalProcess(c.main, 'SIGKILL');
        if (!(await this.waitExited(c, 2000)) && c.supervisor) {
          killGroup(c.supervisor, 'SIGKILL');
          await this.waitExited(c, 2000);
        }
      }
    }
    // Like a container's pid namespace ending: nothing the main process started survives it.
    if (c.state === 'exited' && c.supervisor) killGroup(c.supervisor, 'SIGKILL');
  }

  async removeContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return;
    await this.stopContainer(id, 0);
    this.containers.delete(id);
    this.pumps.delete(id);
    rmSync(this.containerDir(c), { recursive: true, force: true });
  }

  async containerStatus(id: string): Promise<ContainerStatus> {
    const c = this.container(id);
    this.refresh(c);
    return this.containerStatusOf(c);
  }

  async listContainers(filter: { sandboxId?: string } = {}): Promise<ContainerStatus[]> {
    const list = filter.sandboxId === undefined ? [...this.containers.values()] : this.containersOf(filter.sandboxId);
    return list.map((c) => {
      this.refresh(c);
      return this.containerStatusOf(c);
    });
  }

  /** Host pid of the container's main process, while it runs. */
  mainPid(id: string): number | undefined {
    const c = this.container(id);
    this.refresh(c);
    return c.state === 'running' ? c.main?.pid : undefined;
  }

  // ---- streaming -------------------------------------------------------------------------

  async execSync(id: string, command: string[], timeoutMs: number): Promise<{ exitCode: number; stdout: Uint8Array; stderr: Uint8Array }> {
    return execSync(this.execTarget(id), command, timeoutMs);
  }

  async exec(id: string, options: ExecOptions): Promise<StreamSession> {
    return execSession(this.execTarget(id), options);
  }

  /**
   * Output comes from the log pump (at most one poll interval late); stdin goes to the
   * container's stdin FIFO. The container holds its FIFO open for writing itself, so it never
   * sees end-of-file when a session closes stdin.
   */
  async attach(id: string, options: Omit<ExecOptions, 'command'>): Promise<StreamSession> {
    const c = this.container(id);
    this.refresh(c);
    const stdin = new FifoWriter(join(this.containerDir(c), 'stdin'));
    let unsubscribe: () => void = () => undefined;
    const release = (): void => {
      unsubscribe();
      stdin.close();
    };
    const session: BufferedStreamSession = new BufferedStreamSession({
      writeStdin: (data) => {
        if (options.stdin && c.config.stdin && c.state === 'running') stdin.write(data);
      },
      closeStdin: () => stdin.close(),
      resize: () => undefined,
      close: () => {
        release();
        session.finish(c.exitCode);
      },
    });
    if (c.state !== 'running') {
      session.finish(c.exitCode);
      return session;
    }
    unsubscribe = this.pump(c).subscribe((stream, data) => {
      if (options[stream]) session.emit(stream, data);
    });
    this.onExit(c.id, () => {
      release();
      session.finish(c.exitCode);
    });
    return session;
  }

  /** Process containers share the host network: the port is 127.0.0.1:<port>. */
  async portForward(sandboxId: string, port: number): Promise<PortStream> {
    this.sandbox(sandboxId);
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    return {
      write: (data) => void socket.write(data),
      end: () => void socket.end(),
      onData: (listener) => void socket.on('data', listener),
      closed,
      close: () => void socket.destroy(),
    };
  }

  async containerStats(id: string): Promise<ContainerStats | undefined> {
    const c = this.container(id);
    this.refresh(c);
    if (c.state !== 'running' || !c.supervisor) return undefined;
    return this.statsOf(id, groupUsage(c.supervisor));
  }

  /** All running containers from one scan of /proc. */
  async listContainerStats(): Promise<ContainerStats[]> {
    const running: [string, ProcessIdentity][] = [];
    for (const [id, c] of this.containers) {
      this.refresh(c);
      if (c.state === 'running' && c.supervisor) running.push([id, c.supervisor]);
    }
    const usage = groupsUsage(running.map(([, p]) => p));
    return running.map(([id, p]) => this.statsOf(id, usage.get(p.pid) ?? { cpuNanoSeconds: 0, rssBytes: 0 }));
  }

  /**
   * A container's processes share the runtime's cgroup, so its figures are its process group's
   * from /proc: CPU time summed, resident memory as usage and working set (no page cache).
   */
  private statsOf(id: string, usage: GroupUsage): ContainerStats {
    return {
      id,
      timestamp: this.now(),
      cpuUsageCoreNanoSeconds: usage.cpuNanoSeconds,
      memoryWorkingSetBytes: usage.rssBytes,
      memoryUsageBytes: usage.rssBytes,
      memoryRssBytes: usage.rssBytes,
      rootfsUsedBytes: 0,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
  }

  // ---- internals -------------------------------------------------------------------------

  private poll(): void {
    if (this.closed) return;
    for (const c of this.containers.values()) {
      try {
        this.refresh(c);
      } catch {
        // A container directory removed under us; the next status call reports it.
      }
    }
  }

  /** Pumps output and notices an exit (the wrapper's `exit` file, or the wrapper gone). */
  private refresh(c: ContainerRecord): void {
    if (c.state !== 'running') return;
    this.pump(c).pump({ final: false });
    const dir = this.containerDir(c);
    let exit = readExit(dir);
    if (!exit) {
      if (c.supervisor && isAlive(c.supervisor)) return;
      exit = readExit(dir) ?? { code: 137, at: this.now() };
    }
    this.finish(c, {
      exitCode: exit.code,
      reason: exit.code === 0 ? 'Completed' : 'Error',
      message: '',
      finishedAt: exit.at,
    });
  }

  private finish(c: ContainerRecord, r: { exitCode: number; reason: string; message: string; finishedAt: number }): void {
    if (c.state === 'running') this.pump(c).pump({ final: true });
    this.pumps.delete(c.id);
    c.state = 'exited';
    c.exitCode = r.exitCode;
    c.reason = r.reason;
    c.message = r.message;
    c.finishedAt = Math.max(r.finishedAt, c.startedAt);
    this.state.saveContainer(c);
    const waiters = this.exitWaiters.get(c.id) ?? [];
    this.exitWaiters.delete(c.id);
    for (const w of waiters) w();
  }

  private onExit(id: string, listener: () => void): void {
    const list = this.exitWaiters.get(id) ?? [];
    list.push(listener);
    this.exitWaiters.set(id, list);
  }

  private async waitExited(c: ContainerRecord, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.refresh(c);
      if (c.state !== 'running') return true;
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Waits for the wrapper to report the main pid and maps it to a host pid. */
  private async findMain(c: ContainerRecord): Promise<ProcessIdentity | undefined> {
    const dir = this.containerDir(c);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const text = readText(join(dir, 'main.pid'));
      if (text !== undefined) {
        const pid = Number(text.trim());
        if (this.isolation === 'none' || !c.supervisor) return identify(pid);
        // nsenter (the supervisor) → wrapper shell → main process; pids inside the pod differ.
        for (const wrapper of childrenOf(c.supervisor.pid)) {
          for (const candidate of childrenOf(wrapper)) {
            if (innermostPid(candidate) === pid) return identify(candidate);
          }
        }
        return undefined;
      }
      if (existsSync(join(dir, 'exit')) || (c.supervisor && !isAlive(c.supervisor))) return undefined;
      await new Promise((r) => setTimeout(r, 5));
    }
    return undefined;
  }

  private pump(c: ContainerRecord): LogPump {
    let p = this.pumps.get(c.id);
    if (!p) {
      p = new LogPump(this.containerDir(c), c.logPath, this.now);
      this.pumps.set(c.id, p);
    }
    return p;
  }

  private environment(c: ContainerRecord, sb: SandboxRecord): Record<string, string> {
    const env: Record<string, string> = {
      PATH: DEFAULT_PATH,
      HOSTNAME: sb.config.hostname,
      HOME: homedir(),
    };
    for (const kv of c.config.env) env[kv.name] = kv.value;
    return env;
  }

  private execTarget(id: string): ExecTarget {
    const c = this.container(id);
    this.refresh(c);
    if (c.state !== 'running' || !c.main) throw new Error(`container ${id} is not running`);
    const sb = this.sandbox(c.sandboxId);
    return {
      isolation: this.isolation,
      tools: this.tools,
      mainPid: c.main.pid,
      env: this.environment(c, sb),
      cwd: c.config.workingDir || this.state.workDir(c.podUid),
    };
  }

  private sandboxStatus(s: SandboxRecord): SandboxStatus {
    if (s.state === 'ready' && s.pause && !isAlive(s.pause)) {
      s.state = 'notready';
      this.state.saveSandbox(s);
    }
    return {
      id: s.id,
      name: s.config.name,
      namespace: s.config.namespace,
      uid: s.config.uid,
      attempt: s.config.attempt,
      state: s.state,
      createdAt: s.createdAt,
      labels: s.config.labels,
      annotations: s.config.annotations,
    };
  }

  private containerStatusOf(c: ContainerRecord): ContainerStatus {
    return {
      id: c.id,
      sandboxId: c.sandboxId,
      name: c.config.name,
      attempt: c.config.attempt,
      state: c.state,
      image: c.config.image,
      imageRef: c.imageRef,
      createdAt: c.createdAt,
      startedAt: c.startedAt,
      finishedAt: c.finishedAt,
      exitCode: c.exitCode,
      reason: c.reason,
      message: c.message,
      logPath: c.logPath,
      labels: c.config.labels,
      annotations: c.config.annotations,
    };
  }

  private containersOf(sandboxId: string): ContainerRecord[] {
    return [...this.containers.values()].filter((c) => c.sandboxId === sandboxId);
  }

  private containerDir(c: ContainerRecord): string {
    return this.state.containerDir(c.podUid, c.id);
  }

  private sandbox(id: string): SandboxRecord {
    const s = this.sandboxes.get(id);
    if (!s) throw new NotFoundError(`pod sandbox ${id} not found`);
    return s;
  }

  private container(id: string): ContainerRecord {
    const c = this.containers.get(id);
    if (!c) throw new NotFoundError(`container ${id} not found`);
    return c;
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function readExit(dir: string): { code: number; at: number } | undefined {
  const path = join(dir, 'exit');
  const text = readText(path);
  if (text === undefined || text.trim() === '') return undefined;
  let at = Date.now();
  try {
    at = statSync(path).mtimeMs;
  } catch {
    // keep now
  }
  return { code: Number(text.trim()), at: Math.floor(at) };
}

/** Without namespaces a mount is a symlink at <container root>/<containerPath>. */
function linkMount(root: string, containerPath: string, hostPath: string): void {
  const link = join(root, containerPath);
  mkdirSync(dirname(link), { recursive: true });
  rmSync(link, { force: true });
  symlinkSync(hostPath, link);
}
