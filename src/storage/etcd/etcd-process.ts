// Runs a real single-member etcd (the Debian etcd-server binary) on free loopback ports, for
// tests, benchmarks and end-to-end runs. The data directory is a fresh temp dir unless given;
// a temp dir is removed on stop(). Any etcd still running when this process exits is killed.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface RunningEtcd {
  /** "127.0.0.1:<port>", the client endpoint (use as `etcd://${endpoint}`). */
  endpoint: string;
  /** The data directory in use. */
  dataDir: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;
/** Large enough for a MAX_VALUE_BYTES value plus its key and framing. */
const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

export async function startEtcd(options: { dataDir?: string } = {}): Promise<RunningEtcd> {
  const binary = findEtcd();
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'k8ts-etcd-')));
  let lastError: unknown;
  // Free ports are found by binding port 0 and releasing it, which can race with another
  // process; a start that fails on a taken port is retried on new ones.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await launch(binary, dataDir, ownDir);
    } catch (err) {
      lastError = err;
      if (!(err instanceof Error && /address already in use/i.test(err.message))) break;
    }
  }
  if (ownDir) await rm(dataDir, { recursive: true, force: true });
  throw lastError;
}

async function launch(binary: string, dataDir: string, ownDir: boolean): Promise<RunningEtcd> {
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const child = spawn(
    binary,
    [
      '--name', 'k8ts',
      '--data-dir', dataDir,
      '--listen-client-urls', client,
      '--advertise-client-urls', client,
      '--listen-peer-urls', peer,
      '--initial-advertise-peer-urls', peer,
      '--initial-cluster', `k8ts=${peer}`,
      '--max-request-bytes', String(MAX_REQUEST_BYTES),
      '--logger', 'zap',
      '--log-level', 'warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ETCD_UNSUPPORTED_ARCH: process.arch === 'arm64' ? 'arm64' : '' } },
  );
  track(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (true) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`etcd exited before becoming ready (${child.exitCode ?? child.signalCode}): ${stderr.trim()}`);
    }
    if (await healthy(client)) break;
    if (Date.now() > deadline) {
      await stopChild(child, exited);
      throw new Error(`etcd did not become ready at ${client} within ${READY_TIMEOUT_MS} ms: ${stderr.trim()}`);
    }
    // No event tells when etcd starts serving, so readiness is probed until the deadline.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  let stopped: Promise<void> | undefined;
  return {
    endpoint: `127.0.0.1:${clientPort}`,
    dataDir,
    stop: () =>
      (stopped ??= (async () => {
        await stopChild(child, exited);
        if (ownDir) await rm(dataDir, { recursive: true, force: true });
      })()),
  };
}

function findEtcd(): string {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/bin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, 'etcd');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory; try the next one.
    }
  }
  throw new Error('etcd is not installed (no `etcd` on PATH): run `scripts/install-deps.sh --for-tests` to install etcd-server');
}

async function healthy(clientUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(1000) });
    const body: unknown = await res.json();
    return typeof body === 'object' && body !== null && (body as { health?: unknown }).health === 'true';
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
  running.delete(child);
}

function track(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of running) c.kill('SIGKILL');
  });
}
