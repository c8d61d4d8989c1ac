// The real kubectl 1.27 (SPDY), 1.30 (WebSocket exec, SPDY port-forward) and 1.33 (WebSocket
// exec, WebSocket-tunnelled port-forward) through the real API server proxy to this kubelet
// server, with a runtime whose exec runs real processes. Skipped where kubectl is missing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, get, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer, type RunningApiServer } from '../../apiserver/server.js';
import { createLogger } from '../../log.js';
import { ensurePki } from '../../pki/pki.js';
import { MemoryStorage } from '../../storage/memory/memory.js';
import type { ContainerLogRequest } from './logs.js';
import { startKubeletServer, type RunningKubeletServer } from './server.js';
import { createShellRuntime, type ShellRuntime } from './testing.js';

const KUBECTL_DIR = '/usr/lib/google-cloud-sdk/bin';
const TOKEN = 'kubectl-streaming-token';
const VERSIONS = ['1.27', '1.30', '1.33'];
/** What each kubectl speaks (kubectl-wire.md, Streaming): exec and port-forward transports. */
const PROTOCOLS: Record<string, { exec: string; portForward: string }> = {
  '1.27': { exec: 'SPDY v4.channel.k8s.io', portForward: 'SPDY portforward.k8s.io' },
  '1.30': { exec: 'WebSocket v5.channel.k8s.io', portForward: 'SPDY portforward.k8s.io' },
  '1.33': { exec: 'WebSocket v5.channel.k8s.io', portForward: 'WebSocket SPDY/3.1+portforward.k8s.io' },
};
const LOG_LINES = ['line 1', 'line 2', 'line 3', 'line 4', 'line 5'];

let storage: MemoryStorage;
let api: RunningApiServer;
let kubelet: RunningKubeletServer;
let runtime: ShellRuntime;
let backend: Server;
let dir: string;
let caCert: string;
const logRequests: ContainerLogRequest[] = [];
const serverLog: string[] = [];
let releaseFollow: () => void = () => undefined;

async function* readLogs(request: ContainerLogRequest, signal: AbortSignal): AsyncIterable<Uint8Array> {
  logRequests.push(request);
  const lines = request.tailLines !== undefined ? LOG_LINES.slice(Math.max(0, LOG_LINES.length - request.tailLines)) : LOG_LINES;
  for (const l of lines) yield Buffer.from(`${l}\n`);
  if (!request.follow) return;
  await new Promise<void>((resolve) => {
    releaseFollow = resolve;
    signal.addEventListener('abort', () => resolve());
  });
  if (!signal.aborted) yield Buffer.from('line 6\n');
}

interface Run {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

interface Running {
  /** Resolves once the output contains `text`; rejects at the deadline. */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<string>;
  write(text: string): void;
  kill(): void;
  done: Promise<Run>;
}

function kubectl(version: string, args: string[], options: { stdinFile?: string; pty?: boolean } = {}): Running {
  const binary = join(KUBECTL_DIR, `kubectl.${version}`);
  const argv = [binary, '--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, `cache-${version}`), ...args];
  const stdinFd = options.stdinFile ? openSync(options.stdinFile, 'r') : undefined;
  const child = options.pty
    ? spawn('script', ['-qfec', argv.map((a) => `'${a}'`).join(' '), '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, HOME: dir, TERM: 'dumb' } })
    : spawn(argv[0] ?? binary, argv.slice(1), { stdio: [stdinFd ?? 'pipe', 'pipe', 'pipe'], env: { ...process.env, HOME: dir } });
  if (stdinFd !== undefined) closeSync(stdinFd);
  const out: Buffer[] = [];
  let err = '';
  const waiters: (() => void)[] = [];
  const notify = (): void => waiters.forEach((w) => w());
  child.stdout?.on('data', (d: Buffer) => {
    out.push(d);
    notify();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    notify();
  });
  const done = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: err })));
  return {
    waitFor: (text, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const check = (): boolean => {
          const all = Buffer.concat(out).toString() + err;
          const hit = typeof text === 'string' ? all.includes(text) : text.test(all);
          if (hit) resolve(all);
          return hit;
        };
        if (check()) return;
        const timer = setTimeout(() => reject(new Error(`no ${String(text)} in output:\n${Buffer.concat(out).toString()}\n${err}`)), timeoutMs);
        waiters.push(() => {
          if (check()) clearTimeout(timer);
        });
        void done.then(() => {
          if (!check()) {
            clearTimeout(timer);
            reject(new Error(`kubectl exited without ${String(text)}:\n${Buffer.concat(out).toString()}\n${err}`));
          }
        });
      }),
    write: (text) => void child.stdin?.write(text),
    kill: () => void child.kill('SIGINT'),
    done,
  };
}

async function finished(r: Running, timeoutMs = 30_000): Promise<Run> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('kubectl did not exit in time')), timeoutMs);
  });
  try {
    return await Promise.race([r.done, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

interface ApiAnswer {
  status: number;
  text: string;
  json(): Record<string, unknown>;
}

function apiRequest(method: string, path: string, body: unknown): Promise<ApiAnswer> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const r = httpsRequest(
      new URL(path, api.url),
      { method, ca: caCert, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text, json: () => JSON.parse(text) as Record<string, unknown> }));
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(payload);
  });
}

function httpGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/hello', agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
      res.on('error', reject);
    }).on('error', reject);
  });
}

const available = VERSIONS.filter((v) => existsSync(join(KUBECTL_DIR, `kubectl.${v}`)));

describe('kubectl streaming through the API server to the kubelet', { skip: available.length === 0 && 'kubectl is not installed' }, () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'k8ts-kubelet-streams-'));
    backend = createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end(`hello from the pod ${req.url ?? ''}`);
    });
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', () => r()));
    runtime = createShellRuntime({ forwardTo: (backend.address() as AddressInfo).port });
    // kubectl sends its token only over TLS; the API server reaches the kubelet over TLS with
    // a client certificate, which the kubelet checks against the cluster CA.
    const pki = ensurePki(dir);
    kubelet = await startKubeletServer({
      runtime,
      host: '127.0.0.1',
      port: 0,
      tls: { cert: pki.servingCert, key: pki.servingKey, clientCA: pki.caCert },
      resolvePod: (ns, name) => (ns === 'default' && name === 'p' ? { uid: 'uid-1', sandboxId: 'sb1', containers: new Map([['c', 'c1']]) } : undefined),
      readLogs,
      log: createLogger('kubelet-server', {
        level: 'debug',
        write: (line) => {
          serverLog.push(line);
          if (process.env['K8TS_LOG_LEVEL'] === 'debug') process.stderr.write(`${line}\n`);
        },
      }),
    });
    storage = new MemoryStorage();
    api = await startApiServer({
      storage,
      port: 0,
      tls: { cert: pki.servingCert, key: pki.servingKey, clientCA: pki.caCert },
      tokens: new Map([[TOKEN, { username: 'admin', groups: ['system:masters'] }]]),
      kubelet: { scheme: 'https', ca: pki.caCert, cert: pki.adminCert, key: pki.adminKey },
      // No serviceaccount controller runs here to make `default` accounts.
      serviceAccountAdmission: false,
    });
    caCert = pki.caCert;
    writeFileSync(
      join(dir, 'kubeconfig'),
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: c, cluster: {server: "' + api.url + '", certificate-authority-data: ' + Buffer.from(pki.caCert).toString('base64') + '}}]',
        'users: [{name: u, user: {token: ' + TOKEN + '}}]',
        'contexts: [{name: c, context: {cluster: c, user: u, namespace: default}}]',
        'current-context: c',
      ].join('\n'),
    );
    const req = (method: string, path: string, body: unknown) => apiRequest(method, path, body);
    const node = await req('POST', '/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n1' },
      status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } } },
    });
    assert.equal(node.status, 201, node.text);
    const pod = await req('POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox', stdin: true }] },
    });
    assert.equal(pod.status, 201, pod.text);
    const created = pod.json();
    const running = await req('PUT', '/api/v1/namespaces/default/pods/p/status', { ...created, status: { phase: 'Running' } });
    assert.equal(running.status, 200, running.text);
  });

  after(async () => {
    await kubelet?.close();
    await api?.close();
    await storage?.close();
    await new Promise<void>((r) => (backend ? backend.close(() => r()) : r()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const version of available) {
    describe(`kubectl ${version}`, () => {
      test('exec reports output and the exit code', async () => {
        serverLog.length = 0;
        const r = await finished(kubectl(version, ['exec', 'p', '--', 'sh', '-c', 'echo hi; echo oops >&2; exit 3']));
        assert.ok(serverLog.some((l) => l.endsWith(`exec c1 over ${PROTOCOLS[version]?.exec ?? '?'}`)), serverLog.join('\n'));
        assert.equal(r.stdout.toString(), 'hi\n');
        assert.match(r.stderr, /oops/);
        assert.match(r.stderr, /command terminated with exit code 3/);
        assert.equal(r.code, 3);
      });

      test('exec succeeds with exit code 0', async () => {
        const r = await finished(kubectl(version, ['exec', 'p', '--', 'sh', '-c', 'echo ok']));
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout.toString(), 'ok\n');
      });

      test('exec -i round-trips stdin larger than a flow-control window', async () => {
        const file = join(dir, `input-${version}`);
        const content = randomBytes(300 * 1024);
        writeFileSync(file, content);
        const r = await finished(kubectl(version, ['exec', '-i', 'p', '--', 'cat'], { stdinFile: file }));
        assert.equal(r.code, 0, r.stderr);
        assert.ok(r.stdout.equals(content), `got ${r.stdout.length} bytes back of ${content.length}`);
      });

      test('exec -it drives an interactive shell through a terminal', async () => {
        const k = kubectl(version, ['exec', '-it', 'p', '--', 'sh'], { pty: true });
        await k.waitFor(/[#$] $/m);
        k.write('echo $((6*7))\r');
        await k.waitFor(/^42\r?$/m);
        k.write('exit\r');
        const r = await finished(k);
        assert.equal(r.code, 0, `${r.stdout.toString()}\n${r.stderr}`);
      });

      test('attach -i streams the container console and its stdin', async () => {
        const file = join(dir, `attach-${version}`);
        writeFileSync(file, 'one\ntwo\n');
        const r = await finished(kubectl(version, ['attach', '-i', 'p', '-c', 'c'], { stdinFile: file }));
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout.toString(), /attached\ngot:one\ngot:two\n/);
      });

      test('port-forward carries HTTP requests to the pod port', async () => {
        serverLog.length = 0;
        const k = kubectl(version, ['port-forward', 'pod/p', ':80']);
        const out = await k.waitFor(/Forwarding from 127\.0\.0\.1:(\d+) -> 80/);
        const port = Number(/Forwarding from 127\.0\.0\.1:(\d+) -> 80/.exec(out)?.[1]);
        assert.equal(await httpGet(port), 'hello from the pod /hello');
        assert.equal(await httpGet(port), 'hello from the pod /hello');
        assert.ok(runtime.forwardedPorts.includes(80));
        assert.ok(serverLog.some((l) => l.endsWith(`over ${PROTOCOLS[version]?.portForward ?? '?'}`)), serverLog.join('\n'));
        k.kill();
        await finished(k);
      });

      test('logs, --tail and -f', async () => {
        const all = await finished(kubectl(version, ['logs', 'p']));
        assert.equal(all.code, 0, all.stderr);
        assert.equal(all.stdout.toString(), LOG_LINES.map((l) => `${l}\n`).join(''));

        const tail = await finished(kubectl(version, ['logs', 'p', '--tail=2']));
        assert.equal(tail.stdout.toString(), 'line 4\nline 5\n');
        assert.equal(logRequests.at(-1)?.tailLines, 2);

        const follow = kubectl(version, ['logs', '-f', 'p']);
        await follow.waitFor('line 5\n');
        assert.equal(logRequests.at(-1)?.follow, true);
        releaseFollow();
        const r = await finished(follow);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout.toString(), [...LOG_LINES, 'line 6'].map((l) => `${l}\n`).join(''));
      });
    });
  }
});
