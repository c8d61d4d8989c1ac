// Whole-system test harness: starts the real `k8ts server` (the built CLI) in a temp data dir
// on a free port, runs the real kubectl binaries against it, and reads state back over HTTPS.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

const root = new URL('../../', import.meta.url).pathname;
export const KUBECTL_DIR = '/usr/lib/google-cloud-sdk/bin';
/** The kubectl minors every kubectl e2e test runs against (protocol differences: kubectl-wire.md). */
export const KUBECTL_VERSIONS = ['1.27', '1.30', '1.33'] as const;

/**
 * `k8ts agent` flags for a node that shares this machine with the test's server: no service
 * proxy, network policy or ingress, whose iptables chains and ports exist once per machine.
 */
export const AGENT_WITHOUT_NETWORKING = ['--disable', 'proxy', '--disable', 'netpol', '--disable', 'ingress'] as const;

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: () => unknown;
}

export interface TestCluster {
  dataDir: string;
  kubeconfig: string;
  url: string;
  /** The server's stderr so far (for failure messages). */
  logs(): string;
  kubectl(version: string, args: readonly string[], options?: { input?: string; env?: Record<string, string> }): KubectlResult;
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
  /** Streams a watch (`path` includes `watch=true`); `onEvent` gets each parsed event. */
  watch(path: string, onEvent: (event: { type: string; object: unknown }) => void): { close(): void };
  /** Stops the server and removes its data dir. */
  stop(): Promise<void>;
  /** Stops the server and keeps the data dir (to start again on it). */
  stopKeepingData(): Promise<void>;
}

export async function startCluster(
  options: { datastore?: string; dataDir?: string; extraArgs?: readonly string[]; nodeNetworking?: boolean } = {},
): Promise<TestCluster> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'k8ts-e2e-'));
  const cacheDir = join(dataDir, 'kubectl-cache');
  const args = [
    join(root, 'bin/k8ts.js'),
    'server',
    '--data-dir',
    dataDir,
    '--port',
    '0',
    '--bind-address',
    '127.0.0.1',
    '--user-kubeconfig',
    'none',
    // Many test servers run at once: DNS and the metrics-server on any free port, and no service proxy
    // or ingress (their host-wide rules and ports would collide) unless a test asks for them.
    '--cluster-dns-port',
    '0',
    '--metrics-server-port',
    '0',
    ...(options.nodeNetworking ? [] : ['--disable', 'proxy', '--disable', 'netpol', '--disable', 'ingress']),
    '--datastore',
    options.datastore ?? 'sqlite',
    ...(options.extraArgs ?? []),
  ];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`k8ts server did not start within 30 s:\n${output}`)), 30_000);
    const check = (): void => {
      const m = /API server listening on (https:\/\/[^\s]+)/.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stderr?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`k8ts server exited with ${code}:\n${output}`));
    });
  });
  const kubeconfig = join(dataDir, 'kubeconfig.yaml');
  const cfg = parse(readFileSync(kubeconfig, 'utf8')) as {
    clusters: { cluster: { 'certificate-authority-data': string } }[];
    users: { user: { 'client-certificate-data': string; 'client-key-data': string } }[];
  };
  const decode = (s: string | undefined): string => Buffer.from(s ?? '', 'base64').toString('utf8');
  const tls = {
    ca: decode(cfg.clusters[0]?.cluster['certificate-authority-data']),
    cert: decode(cfg.users[0]?.user['client-certificate-data']),
    key: decode(cfg.users[0]?.user['client-key-data']),
  };
  const target = new URL(url);

  const api = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const req = request(
        {
          host: target.hostname,
          port: target.port,
          path,
          method,
          ...tls,
          // A connection of its own: the tests block their event loop in kubectl calls
          // (spawnSync) longer than the server keeps an idle connection, and a kept-alive socket
          // the server closed meanwhile would fail the next call with "socket hang up".
          agent: false,
          headers: { ...(payload !== undefined ? { 'content-type': 'application/json' } : {}), accept: 'application/json', ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json: () => JSON.parse(text) as unknown });
          });
        },
      );
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });

  const watch = (path: string, onEvent: (event: { type: string; object: unknown }) => void): { close(): void } => {
    const req = request({ host: target.hostname, port: target.port, path, method: 'GET', ...tls }, (res) => {
      let pending = '';
      res.on('data', (c: Buffer) => {
        pending += c.toString('utf8');
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) onEvent(JSON.parse(line) as { type: string; object: unknown });
      });
    });
    req.on('error', () => undefined);
    req.end();
    return { close: () => req.destroy() };
  };

  const kubectl = (version: string, kargs: readonly string[], opts: { input?: string; env?: Record<string, string> } = {}): KubectlResult => {
    const r = spawnSync(join(KUBECTL_DIR, `kubectl.${version}`), ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, ...kargs], {
      input: opts.input,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, HOME: dataDir, ...opts.env },
    });
    return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };

  const cluster: TestCluster = {
    dataDir,
    kubeconfig,
    url,
    logs: () => output,
    kubectl,
    api,
    watch,
    stopKeepingData: () => terminate(child),
    async stop() {
      await terminate(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  // Tests create pods in `default` at once; its account and CA ConfigMap come from controllers.
  const flags = options.extraArgs ?? [];
  const controllersOff = flags.some((f, i) => f === 'controllers' && flags[i - 1] === '--disable');
  if (!controllersOff) {
    try {
      await waitForNamespaceProvisioned(cluster, 'default');
    } catch (err) {
      await terminate(child);
      throw new Error(`${err instanceof Error ? err.message : String(err)}; server output:\n${output}`, { cause: err });
    }
  }
  return cluster;
}

/**
 * Waits, as Kubernetes' e2e framework does after creating a namespace, for its `default`
 * ServiceAccount (without it ServiceAccount admission refuses pods) and its `kube-root-ca.crt`
 * ConfigMap (which pods' kube-api-access volumes project): controllers create both moments later.
 */
export async function waitForNamespaceProvisioned(c: Pick<TestCluster, 'api'>, ns: string, timeoutMs = 30_000): Promise<void> {
  for (const path of [`/api/v1/namespaces/${ns}/serviceaccounts/default`, `/api/v1/namespaces/${ns}/configmaps/kube-root-ca.crt`]) {
    await eventually(async () => ((await c.api('GET', path)).status === 200 ? true : undefined), `${path} to exist`, timeoutMs);
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
export async function terminate(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Writes a manifest to a temp file and returns its path. */
export function manifestFile(cluster: TestCluster, name: string, content: string): string {
  const path = join(cluster.dataDir, name);
  writeFileSync(path, content);
  return path;
}

/** Polls `check` until it returns a value or the deadline passes. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
