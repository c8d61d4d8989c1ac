import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { createLogger } from '../../log.js';
import { ensurePki } from '../../pki/pki.js';
import { SpdySession, type SpdyStream } from '../../streaming/spdy/session.js';
import { LogRequestError, type ContainerLogRequest } from './logs.js';
import { startKubeletServer, type KubeletServerOptions, type RunningKubeletServer } from './server.js';
import { createShellRuntime } from './testing.js';

let kubelet: RunningKubeletServer;
let echo: Server;
const logRequests: ContainerLogRequest[] = [];

function options(extra: Partial<KubeletServerOptions> = {}): KubeletServerOptions {
  return {
    runtime: createShellRuntime({ forwardTo: (echo.address() as AddressInfo).port }),
    host: '127.0.0.1',
    port: 0,
    resolvePod: (ns, name) => (ns === 'default' && name === 'p' ? { uid: 'u1', sandboxId: 'sb1', containers: new Map([['c', 'c1']]) } : undefined),
    readLogs: async function* (request) {
      logRequests.push(request);
      if (request.previous) throw new LogRequestError('previous terminated container "c" in pod "p" not found', 400);
      yield Buffer.from('0123456789\n');
      yield Buffer.from('abcdefghij\n');
    },
    listPods: () => [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' } }],
    statsSummary: () => ({ node: { nodeName: 'n1' }, pods: [] }),
    log: createLogger('kubelet-server', { level: 'error' }),
    streamCreationTimeoutMs: 2000,
    ...extra,
  };
}

before(async () => {
  echo = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
  kubelet = await startKubeletServer(options());
});

after(async () => {
  await kubelet.close();
  await new Promise<void>((r) => echo.close(() => r()));
});

function get(path: string): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    httpRequest(new URL(path, kubelet.url), (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] ?? '', text }));
    })
      .on('error', reject)
      .end();
  });
}

test('healthz, pods, stats and metrics', async () => {
  assert.deepEqual(await get('/healthz'), { status: 200, type: 'text/plain; charset=utf-8', text: 'ok' });
  const pods = JSON.parse((await get('/pods')).text) as { kind: string; items: unknown[] };
  assert.equal(pods.kind, 'PodList');
  assert.equal(pods.items.length, 1);
  assert.equal((JSON.parse((await get('/stats/summary')).text) as { node: { nodeName: string } }).node.nodeName, 'n1');
  const metrics = await get('/metrics');
  assert.match(metrics.text, /^kubelet_running_pods 1$/m);
  assert.match(metrics.text, /^kubelet_running_containers\{container_state="running"\} 1$/m);
  assert.match(metrics.text, /^kubelet_http_requests_total\{method="GET",path="healthz",server_type="readwrite"\} 1$/m);
});

test('container logs pass the log options through and honour limitBytes', async () => {
  const r = await get('/containerLogs/default/p/c?tailLines=5&timestamps=true&sinceSeconds=10&follow=1');
  assert.equal(r.status, 200);
  assert.equal(r.text, '0123456789\nabcdefghij\n');
  const last = logRequests.at(-1);
  assert.equal(last?.containerId, 'c1');
  assert.equal(last?.tailLines, 5);
  assert.equal(last?.sinceSeconds, 10);
  assert.equal(last?.timestamps, true);
  assert.equal(last?.follow, true);
  assert.equal((await get('/containerLogs/default/p/c?limitBytes=13')).text, '0123456789\nab');
});

test('log errors are Status answers', async () => {
  const bad = await get('/containerLogs/default/p/c?tailLines=-1');
  assert.equal(bad.status, 400);
  assert.equal((JSON.parse(bad.text) as { reason: string }).reason, 'BadRequest');
  assert.equal((await get('/containerLogs/default/p/c?sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z')).status, 400);
  assert.equal((await get('/containerLogs/default/nope/c')).status, 404);
  assert.equal((await get('/containerLogs/default/p/other')).status, 404);
  const previous = await get('/containerLogs/default/p/c?previous=true');
  assert.equal(previous.status, 400);
  assert.match(previous.text, /previous terminated container/);
  assert.equal((await get('/exec/default/p/c?command=ls&stdout=1')).status, 400, 'exec without an upgrade');
  assert.equal((await get('/nothing/here')).status, 404);
});

interface WsResult {
  stdout: string;
  stderr: string;
  status: { status: string; reason?: string; details?: { causes: { reason?: string; message: string }[] } } | undefined;
}

function execOverWebSocket(query: string, stdin?: string, protocol = 'v5.channel.k8s.io'): Promise<WsResult> {
  const ws = new WebSocket(`${kubelet.url.replace('http', 'ws')}/exec/default/p/c?${query}`, [protocol]);
  const result: WsResult = { stdout: '', stderr: '', status: undefined };
  return new Promise((resolve, reject) => {
    ws.on('open', () => {
      assert.equal(ws.protocol, protocol);
      if (stdin === undefined) return;
      ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(stdin)]));
      ws.send(Buffer.from([255, 0]));
    });
    ws.on('message', (raw: Buffer) => {
      const body = raw.subarray(1).toString();
      if (raw[0] === 1) result.stdout += body;
      if (raw[0] === 2) result.stderr += body;
      if (raw[0] === 3) result.status = JSON.parse(body) as WsResult['status'];
    });
    ws.on('close', () => resolve(result));
    ws.on('error', reject);
  });
}

test('exec over WebSocket v5: output channels, stdin close, and the exit code as a Status', async () => {
  const r = await execOverWebSocket('command=sh&command=-c&command=echo%20out%3B%20echo%20err%20%3E%262%3B%20exit%207&stdout=true&stderr=true');
  assert.equal(r.stdout, 'out\n');
  assert.equal(r.stderr, 'err\n');
  assert.equal(r.status?.status, 'Failure');
  assert.equal(r.status?.reason, 'NonZeroExitCode');
  assert.deepEqual(r.status?.details?.causes, [{ reason: 'ExitCode', message: '7' }]);
  const cat = await execOverWebSocket('command=cat&stdin=true&stdout=true', 'round trip');
  assert.equal(cat.stdout, 'round trip');
  assert.equal(cat.status?.status, 'Success');
});

test('exec over WebSocket v4 works without the stdin close message', async () => {
  const r = await execOverWebSocket('command=echo&command=v4&stdout=true', undefined, 'v4.channel.k8s.io');
  assert.equal(r.stdout, 'v4\n');
  assert.equal(r.status?.status, 'Success');
});

/** Every message of an exec, as [channel, payload]; binary protocols only. */
function execMessages(query: string, protocols: string[]): Promise<{ protocol: string; messages: [number, string][] }> {
  const ws = new WebSocket(`${kubelet.url.replace('http', 'ws')}/exec/default/p/c?${query}`, protocols);
  const messages: [number, string][] = [];
  return new Promise((resolve, reject) => {
    ws.on('message', (raw: Buffer) => messages.push([raw[0] ?? -1, raw.subarray(1).toString()]));
    ws.on('close', () => resolve({ protocol: ws.protocol, messages }));
    ws.on('error', reject);
  });
}

test('exec over channel.k8s.io (v1), as the conformance test asks: stdout, and no Status on success', async () => {
  const r = await execMessages('command=echo&command=remote%20execution%20test&stderr=1&stdout=1&container=c', ['channel.k8s.io']);
  assert.equal(r.protocol, 'channel.k8s.io');
  // The empty stdout message announces the session; the error channel stays silent.
  assert.deepEqual(r.messages, [[1, ''], [1, 'remote execution test\n']]);
});

test('exec over v1–v3 writes a failure as plain text on the error channel', async () => {
  for (const protocol of ['channel.k8s.io', 'v2.channel.k8s.io', 'v3.channel.k8s.io']) {
    const r = await execMessages('command=sh&command=-c&command=exit%203&stdout=true', [protocol]);
    assert.equal(r.protocol, protocol);
    const errors = r.messages.filter(([c]) => c === 3).map(([, text]) => text);
    assert.deepEqual(errors, ['command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3'], protocol);
  }
});

test('the most preferred protocol of the client wins; no protocol at all means binary v1', async () => {
  const preferred = await execMessages('command=true&stdout=true', ['v4.channel.k8s.io', 'v5.channel.k8s.io']);
  assert.equal(preferred.protocol, 'v4.channel.k8s.io');
  assert.deepEqual(preferred.messages.at(-1), [3, '{"metadata":{},"status":"Success"}']);
  const unnamed = await execMessages('command=echo&command=hi&stdout=true', []);
  assert.equal(unnamed.protocol, '');
  assert.deepEqual(unnamed.messages, [[1, ''], [1, 'hi\n']]);
});

test('exec over base64.channel.k8s.io (v1) sends base64 text with the channel digit', async () => {
  const ws = new WebSocket(`${kubelet.url.replace('http', 'ws')}/exec/default/p/c?command=echo&command=b64&stderr=1&stdout=1`, ['base64.channel.k8s.io']);
  const messages: string[] = [];
  await new Promise<void>((resolve, reject) => {
    ws.on('message', (raw: Buffer, isBinary: boolean) => {
      assert.equal(isBinary, false);
      messages.push(raw.toString());
    });
    ws.on('close', () => resolve());
    ws.on('error', reject);
  });
  assert.equal(ws.protocol, 'base64.channel.k8s.io');
  assert.deepEqual(messages, ['1', `1${Buffer.from('b64\n').toString('base64')}`]);
});

/** Performs the SPDY upgrade on a raw socket and returns a client session over it. */
async function spdyUpgrade(path: string, protocols: string[]): Promise<{ status: number; protocol: string; session?: SpdySession; socket: Socket }> {
  const socket = connect(kubelet.port, '127.0.0.1');
  await new Promise<void>((r) => socket.once('connect', () => r()));
  socket.write(
    [`POST ${path} HTTP/1.1`, 'Host: x', 'Connection: Upgrade', 'Upgrade: SPDY/3.1', ...protocols.map((p) => `X-Stream-Protocol-Version: ${p}`), '', ''].join('\r\n'),
  );
  let head = Buffer.alloc(0);
  while (!head.includes('\r\n\r\n')) {
    head = Buffer.concat([head, await new Promise<Buffer>((r) => socket.once('data', r))]);
  }
  const end = head.indexOf('\r\n\r\n') + 4;
  const text = head.subarray(0, end).toString();
  const status = Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1]);
  const protocol = /X-Stream-Protocol-Version: (.*)\r\n/i.exec(text)?.[1] ?? '';
  if (status !== 101) return { status, protocol, socket };
  return { status, protocol, socket, session: new SpdySession(socket, { role: 'client', head: head.subarray(end) }) };
}

function readAll(s: SpdyStream): Promise<string> {
  let text = '';
  s.onData((d) => (text += d.toString()));
  return new Promise((r) => s.onEnd(() => r(text)));
}

test('exec over SPDY v4: one stream per channel, Status on the error stream', async () => {
  const up = await spdyUpgrade('/exec/default/p/c?command=sh&command=-c&command=cat%3B%20exit%205&stdin=true&stdout=true&stderr=true', ['v4.channel.k8s.io', 'v3.channel.k8s.io']);
  assert.equal(up.status, 101);
  assert.equal(up.protocol, 'v4.channel.k8s.io');
  const session = up.session;
  assert.ok(session);
  const open = (type: string): Promise<SpdyStream> => session.openStream(new Map([['streamtype', [type]]]));
  const error = await open('error');
  const stdin = await open('stdin');
  const stdout = await open('stdout');
  const stderr = await open('stderr');
  const [out, err, status] = [readAll(stdout), readAll(stderr), readAll(error)];
  stdin.write(Buffer.from('via spdy'));
  stdin.end();
  assert.equal(await out, 'via spdy');
  assert.equal(await err, '');
  assert.deepEqual((JSON.parse(await status) as WsResult['status'])?.details?.causes, [{ reason: 'ExitCode', message: '5' }]);
  up.socket.destroy();
});

test('port-forward over SPDY pairs the error and data streams of a request', async () => {
  const up = await spdyUpgrade('/portForward/default/p', ['portforward.k8s.io']);
  assert.equal(up.protocol, 'portforward.k8s.io');
  const session = up.session;
  assert.ok(session);
  const headers = (type: string): Map<string, string[]> => new Map([['streamtype', [type]], ['port', ['8080']], ['requestid', ['0']]]);
  const error = await session.openStream(headers('error'));
  error.end();
  const data = await session.openStream(headers('data'));
  let echoed = '';
  data.onData((d) => (echoed += d.toString()));
  const ended = new Promise<void>((r) => data.onEnd(() => r()));
  data.write(Buffer.from('ping through the pod'));
  data.end();
  await ended;
  assert.equal(echoed, 'ping through the pod');
  up.socket.destroy();
});

test('SPDY upgrades without a common protocol, and exec without a command, are refused', async () => {
  const refused = await spdyUpgrade('/exec/default/p/c?command=ls&stdout=true', ['v1.channel.k8s.io']);
  assert.equal(refused.status, 403);
  refused.socket.destroy();
  const noCommand = await spdyUpgrade('/exec/default/p/c?stdout=true', ['v4.channel.k8s.io']);
  assert.equal(noCommand.status, 400);
  noCommand.socket.destroy();
  const missing = await spdyUpgrade('/exec/default/nope/c?command=ls&stdout=true', ['v4.channel.k8s.io']);
  assert.equal(missing.status, 404);
  missing.socket.destroy();
});

test('with TLS only clients holding a certificate of the cluster CA get in', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-kubelet-tls-'));
  const pki = ensurePki(dir);
  const secure = await startKubeletServer(options({ tls: { cert: pki.servingCert, key: pki.servingKey, clientCA: pki.caCert } }));
  const status = (withCert: boolean): Promise<number> =>
    new Promise((resolve, reject) => {
      httpsRequest(
        { host: '127.0.0.1', port: secure.port, path: '/pods', ca: pki.caCert, ...(withCert ? { cert: pki.adminCert, key: pki.adminKey } : {}) },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      )
        .on('error', reject)
        .end();
    });
  try {
    assert.equal(await status(false), 401);
    assert.equal(await status(true), 200);
  } finally {
    await secure.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('exec over the base64 channel protocol sends text messages: channel digit, then base64', async () => {
  const ws = new WebSocket(`${kubelet.url.replace('http', 'ws')}/exec/default/p/c?command=cat&stdin=true&stdout=true`, ['v4.base64.channel.k8s.io']);
  const messages: string[] = [];
  await new Promise<void>((resolve, reject) => {
    ws.on('open', () => {
      ws.send(`0${Buffer.from('b64 in').toString('base64')}`);
      // v4 has no stdin close message: end the session from the client side once output arrived.
    });
    ws.on('message', (raw: Buffer, isBinary: boolean) => {
      assert.equal(isBinary, false);
      messages.push(raw.toString());
      // The first message is the empty "1" announcing the session.
      if (messages.some((m) => m.startsWith('1') && m.length > 1)) ws.close();
    });
    ws.on('close', () => resolve());
    ws.on('error', reject);
  });
  const stdout = messages.filter((m) => m.startsWith('1')).map((m) => Buffer.from(m.slice(1), 'base64').toString()).join('');
  assert.equal(stdout, 'b64 in');
});
