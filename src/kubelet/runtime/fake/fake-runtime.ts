// A simulated container runtime in the manner of KWOK: no processes, no images, no network.
// Sandboxes get IPs from a CIDR, containers run on timers and do what their annotations
// script (see script.ts and README.md). Everything lives in memory; the per-container cost is
// one small record, one optional timer and one log file, so a process can simulate thousands.
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CriLineSplitter, formatCriRecord, type LogStream } from '../cri-log.js';
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
import { IpAllocator } from './ip-allocator.js';
import { readScript, type FakeScript } from './script.js';

export interface FakeRuntimeOptions {
  /** Delay of every startContainer, simulating image unpacking and process start. Default 0. */
  startLatencyMs?: number;
  /** Pod IPs come from here. Default 10.244.0.0/16. */
  podCidr?: string;
  /** Write CRI log files (one line per container start by default). Default true. */
  writeLogs?: boolean;
  /** Clock for status times, ms since the epoch. */
  now?: () => number;
}

interface FakeSandbox {
  status: SandboxStatus;
  containers: Set<string>;
}

interface FakeContainer {
  status: ContainerStatus;
  script: FakeScript;
  podName: string;
  timer: NodeJS.Timeout | undefined;
  /** Called once when the container exits (attach sessions, stop waiting for exit). */
  exitWaiters: Array<() => void> | undefined;
}

const RUNTIME_VERSION = '0.1.0';

export class FakeRuntime implements ContainerRuntime {
  readonly name = 'fake';
  private readonly startLatencyMs: number;
  private readonly writeLogs: boolean;
  private readonly now: () => number;
  private readonly ips: IpAllocator;
  private readonly sandboxes = new Map<string, FakeSandbox>();
  private readonly containers = new Map<string, FakeContainer>();
  private readonly images = new Map<string, ImageInfo>();

  constructor(options: FakeRuntimeOptions = {}) {
    this.startLatencyMs = Math.max(0, options.startLatencyMs ?? 0);
    this.writeLogs = options.writeLogs ?? true;
    this.now = options.now ?? Date.now;
    this.ips = new IpAllocator(options.podCidr ?? '10.244.0.0/16');
  }

  async version(): Promise<{ runtimeName: string; runtimeVersion: string }> {
    return { runtimeName: 'k8ts-fake', runtimeVersion: RUNTIME_VERSION };
  }

  async runPodSandbox(config: SandboxConfig): Promise<string> {
    const id = newRuntimeId();
    const status: SandboxStatus = {
      id,
      name: config.name,
      namespace: config.namespace,
      uid: config.uid,
      attempt: config.attempt,
      state: 'ready',
      createdAt: this.now(),
      labels: config.labels,
      annotations: config.annotations,
    };
    if (!config.hostNetwork) status.ip = this.ips.allocate();
    this.sandboxes.set(id, { status, containers: new Set() });
    return id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    for (const cid of sb.containers) {
      const c = this.containers.get(cid);
      if (c?.status.state === 'running') this.exit(c, 137, 'Error');
    }
    sb.status.state = 'notready';
    // Stopping a sandbox tears down its network, as the CRI says: its status has no address.
    if (sb.status.ip !== undefined) this.ips.release(sb.status.ip);
    delete sb.status.ip;
  }

  async removePodSandbox(id: string): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    await this.stopPodSandbox(id);
    for (const cid of sb.containers) this.containers.delete(cid);
    this.sandboxes.delete(id);
  }

  async podSandboxStatus(id: string): Promise<SandboxStatus> {
    return { ...this.sandbox(id).status };
  }

  async listPodSandboxes(): Promise<SandboxStatus[]> {
    return [...this.sandboxes.values()].map((s) => ({ ...s.status }));
  }

  async pullImage(image: string): Promise<string> {
    const normalized = normalizeImageName(image);
    const info = this.images.get(normalized) ?? syntheticImageInfo(normalized);
    this.images.set(normalized, info);
    return info.ref;
  }

  async imageStatus(image: string): Promise<ImageInfo | undefined> {
    const info = this.images.get(normalizeImageName(image));
    return info && { ...info, repoTags: [...info.repoTags] };
  }

  async listImages(): Promise<ImageInfo[]> {
    return [...this.images.values()].map((i) => ({ ...i, repoTags: [...i.repoTags] }));
  }

  async createContainer(sandboxId: string, config: ContainerConfig, sandbox: SandboxConfig): Promise<string> {
    const sb = this.sandbox(sandboxId);
    if (sb.status.state !== 'ready') throw new Error(`sandbox ${sandboxId} is not ready`);
    const id = newRuntimeId();
    const image = this.images.get(normalizeImageName(config.image));
    this.containers.set(id, {
      status: {
        id,
        sandboxId,
        name: config.name,
        attempt: config.attempt,
        state: 'created',
        image: config.image,
        imageRef: config.imageRef ?? image?.ref ?? syntheticImageInfo(normalizeImageName(config.image)).ref,
        createdAt: this.now(),
        startedAt: 0,
        finishedAt: 0,
        exitCode: 0,
        reason: '',
        message: '',
        logPath: join(sandbox.logDirectory, config.logPath),
        labels: config.labels,
        annotations: config.annotations,
      },
      script: readScript(config, sandbox),
      podName: sandbox.name,
      timer: undefined,
      exitWaiters: undefined,
    });
    sb.containers.add(id);
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.container(id);
    if (c.status.state !== 'created') throw new Error(`container ${id} is ${c.status.state}, not created`);
    if (c.script.startError !== undefined) {
      this.exit(c, 128, 'StartError', c.script.startError);
      throw new Error(c.script.startError);
    }
    if (this.startLatencyMs > 0) await new Promise((r) => setTimeout(r, this.startLatencyMs));
    if (!this.containers.has(id) || c.status.state !== 'created') return;
    c.status.state = 'running';
    c.status.startedAt = this.now();
    if (this.writeLogs) await this.writeStartLogs(c);
    const after = c.script.exitAfterMs;
    if (after !== undefined && c.status.state === 'running') {
      c.timer = setTimeout(() => {
        c.timer = undefined;
        const code = c.script.exitCode;
        this.exit(c, code, c.script.oom ? 'OOMKilled' : code === 0 ? 'Completed' : 'Error');
      }, after);
    }
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    const c = this.containers.get(id);
    if (!c || c.status.state !== 'running') return;
    if (!c.script.ignoreTerm) {
      const code = c.script.termExitCode;
      this.exit(c, code, code === 0 ? 'Completed' : 'Error');
      return;
    }
    const exited = await this.waitExit(c, Math.max(0, timeoutSeconds) * 1000);
    if (!exited) this.exit(c, 137, 'Error');
  }

  async removeContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return;
    if (c.status.state === 'running') this.exit(c, 137, 'Error');
    this.containers.delete(id);
    this.sandboxes.get(c.status.sandboxId)?.containers.delete(id);
  }

  async containerStatus(id: string): Promise<ContainerStatus> {
    return { ...this.container(id).status };
  }

  async listContainers(filter: { sandboxId?: string } = {}): Promise<ContainerStatus[]> {
    if (filter.sandboxId !== undefined) {
      const sb = this.sandboxes.get(filter.sandboxId);
      if (!sb) return [];
      return [...sb.containers].flatMap((cid) => {
        const c = this.containers.get(cid);
        return c ? [{ ...c.status }] : [];
      });
    }
    return [...this.containers.values()].map((c) => ({ ...c.status }));
  }

  /** Answers at once, so the timeout never applies. */
  async execSync(
    id: string,
    command: string[],
    _timeoutMs: number,
  ): Promise<{ exitCode: number; stdout: Uint8Array; stderr: Uint8Array }> {
    const c = this.running(id);
    const r = answer(c.script, command);
    return { exitCode: r.exitCode, stdout: Buffer.from(r.stdout), stderr: Buffer.alloc(0) };
  }

  async exec(id: string, options: ExecOptions): Promise<StreamSession> {
    const c = this.running(id);
    const echoesStdin = options.command[0] === 'cat' && options.command.length === 1 && options.stdin && !c.script.probeFail;
    const session: BufferedStreamSession = new BufferedStreamSession({
      writeStdin: (data) => {
        if (echoesStdin) session.emit('stdout', data);
      },
      closeStdin: () => {
        if (echoesStdin) session.finish(0);
      },
      resize: () => undefined,
      close: () => session.finish(137),
    });
    if (!echoesStdin) {
      const r = answer(c.script, options.command);
      if (r.stdout !== '' && options.stdout) session.emit('stdout', Buffer.from(r.stdout));
      session.finish(r.exitCode);
    }
    return session;
  }

  async attach(id: string): Promise<StreamSession> {
    const c = this.container(id);
    const session: BufferedStreamSession = new BufferedStreamSession({
      writeStdin: () => undefined,
      closeStdin: () => undefined,
      resize: () => undefined,
      close: () => session.finish(c.status.exitCode),
    });
    if (c.status.state === 'exited') session.finish(c.status.exitCode);
    else (c.exitWaiters ??= []).push(() => session.finish(c.status.exitCode));
    return session;
  }

  async portForward(sandboxId: string, port: number): Promise<PortStream> {
    this.sandbox(sandboxId);
    throw new Error(`fake runtime: pods have no network, cannot forward port ${port}`);
  }

  /**
   * Scripted figures: `memory-bytes` as usage, working set and RSS; `cpu-millicores` as a steady
   * CPU use since start (cumulative time only: the kubelet derives the rate); `rootfs-bytes`
   * as the writable layer.
   */
  async containerStats(id: string): Promise<ContainerStats | undefined> {
    const c = this.container(id);
    if (c.status.state !== 'running') return undefined;
    const now = this.now();
    const memory = c.script.memoryBytes;
    return {
      id,
      timestamp: now,
      cpuUsageCoreNanoSeconds: c.script.cpuMillicores * 1000 * Math.max(0, now - c.status.startedAt),
      memoryWorkingSetBytes: memory,
      memoryUsageBytes: memory,
      memoryRssBytes: memory,
      rootfsUsedBytes: c.script.rootfsBytes,
    };
  }

  async listContainerStats(): Promise<ContainerStats[]> {
    const out: ContainerStats[] = [];
    for (const [id, c] of this.containers) {
      if (c.status.state !== 'running') continue;
      const s = await this.containerStats(id);
      if (s) out.push(s);
    }
    return out;
  }

  /** Stops all timers; the simulated containers freeze in their current state. */
  async close(): Promise<void> {
    for (const c of this.containers.values()) {
      if (c.timer) clearTimeout(c.timer);
      c.timer = undefined;
    }
  }

  private sandbox(id: string): FakeSandbox {
    const sb = this.sandboxes.get(id);
    if (!sb) throw new NotFoundError(`pod sandbox ${id} not found`);
    return sb;
  }

  private container(id: string): FakeContainer {
    const c = this.containers.get(id);
    if (!c) throw new NotFoundError(`container ${id} not found`);
    return c;
  }

  private running(id: string): FakeContainer {
    const c = this.container(id);
    if (c.status.state !== 'running') throw new Error(`container ${id} is not running`);
    return c;
  }

  private exit(c: FakeContainer, exitCode: number, reason: string, message = ''): void {
    if (c.timer) clearTimeout(c.timer);
    c.timer = undefined;
    c.status.state = 'exited';
    c.status.exitCode = exitCode;
    c.status.reason = reason;
    c.status.message = message;
    c.status.finishedAt = this.now();
    const waiters = c.exitWaiters;
    c.exitWaiters = undefined;
    for (const w of waiters ?? []) w();
  }

  private waitExit(c: FakeContainer, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      (c.exitWaiters ??= []).push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private async writeStartLogs(c: FakeContainer): Promise<void> {
    const ms = this.now();
    const records: Buffer[] = [];
    const add = (stream: LogStream, text: string): void => {
      const splitter = new CriLineSplitter();
      for (const r of [...splitter.push(Buffer.from(text)), ...splitter.end()]) {
        records.push(formatCriRecord(ms, stream, r));
      }
    };
    const { stdout, stderr } = c.script;
    if (stdout === undefined && stderr === undefined) {
      add('stdout', `fake container ${c.status.name} of pod ${c.podName} started\n`);
    } else {
      if (stdout) add('stdout', stdout);
      if (stderr) add('stderr', stderr);
    }
    try {
      await mkdir(dirname(c.status.logPath), { recursive: true });
      await appendFile(c.status.logPath, Buffer.concat(records));
    } catch {
      // A missing or unwritable log directory only costs the simulated log line.
    }
  }
}

/** Built-in commands (echo, true, false, cat) and the scripted answer for anything else. */
function answer(script: FakeScript, command: string[]): { exitCode: number; stdout: string } {
  if (script.probeFail) return { exitCode: 1, stdout: '' };
  switch (command[0]) {
    case 'echo':
      return { exitCode: 0, stdout: `${command.slice(1).join(' ')}\n` };
    case 'true':
    case 'cat':
      return { exitCode: 0, stdout: '' };
    case 'false':
      return { exitCode: 1, stdout: '' };
    default:
      return { exitCode: script.execExitCode, stdout: script.execStdout };
  }
}
