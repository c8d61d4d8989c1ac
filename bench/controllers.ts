// Controller-manager benchmark: N Deployments × R replicas through the Deployment and
// ReplicaSet controllers against a real API server (MemoryStorage, HTTP on loopback), with a
// fake kubelet reporting every pod Running+Ready at once. Prints the time until every
// ReplicaSet reports readyReplicas = R, pods created per second by the ReplicaSet controller,
// and CPU per reconcile. Reference: clusterloader2's load test creates pods at 10/s; the goal
// here is ≥ 1,000 pods/s.
//
// The measured run starts on a warm cluster, as a long-running control plane is: first WARMUP
// Deployments (default 200, × REPLICAS) roll out in namespace `warmup` and stay there. Their
// time is printed too (the cold figure: code not yet optimised by V8's compiler).
//
// By default the API server runs in a child process (this file with K8TS_BENCH_ROLE=apiserver),
// so this process's CPU is the controllers' (plus informers, client and fake kubelet) and the
// two do not share one event loop. APISERVER=inprocess runs everything in one process. The
// client reaches the server over its Unix domain socket, as components on the server's machine
// can (a request there skips the TCP/IP stack); CONNECT=tcp goes over loopback TCP instead.
//   node --import tsx bench/controllers.ts        (DEPLOYMENTS, REPLICAS, WORKERS, WARMUP, APISERVER, CONNECT override)
// APISERVER_PROFILE=DIR writes a CPU profile of the API server child into DIR (node --cpu-prof);
// APISERVER_NODE_FLAGS passes node flags to it (e.g. --trace-gc; its output then goes to stderr).
//
// The machine's speed drifts by ±15% from one run to the next, so the run ends with a peer:
// a bare node:http server in a child process, answering pod creates with the same bytes, driven
// through the same client. The API server's CPU per request is printed as a ratio to it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { once, setMaxListeners } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { findResource, type ResourceInfo } from '../src/api/resources.js';
import { startApiServer } from '../src/apiserver/server.js';
import { createClient, type Query, type Transport, type TransportRequest, type TransportResponse, type WatchEvent } from '../src/client/client.js';
import { HttpTransport } from '../src/client/http.js';
import { DEFAULT_CONTROLLER_OPTIONS, type ControllerContext } from '../src/controllers/controller.js';
import { createDeploymentController } from '../src/controllers/deployment/deployment.js';
import { startFakeKubelet } from '../src/controllers/deployment/fake-kubelet.js';
import { replicatedPodsController } from '../src/controllers/replicaset/replicaset.js';
import { REPLICA_SET_KIND } from '../src/controllers/replicaset/replicated-kind.js';
import { realClock } from '../src/informer/clock.js';
import { SharedInformerFactory } from '../src/informer/shared.js';
import { createLogger } from '../src/log.js';
import { MemoryStorage } from '../src/storage/memory/memory.js';

const DEPLOYMENTS = Number(process.env['DEPLOYMENTS'] ?? 1000);
const REPLICAS = Number(process.env['REPLICAS'] ?? 10);
const WORKERS = Number(process.env['WORKERS'] ?? 5);
const WARMUP = Number(process.env['WARMUP'] ?? 200);
const IN_PROCESS = process.env['APISERVER'] === 'inprocess';
const OVER_TCP = process.env['CONNECT'] === 'tcp';
/** The Unix socket a server child listens on besides TCP (set by the parent; unset: TCP only). */
const SOCKET_ENV = 'K8TS_BENCH_SOCKET';
/** The run is cut off here and reported as partial. */
const TIME_LIMIT_MS = 170_000;
const CREATE_CONCURRENCY = 50;
const TOKEN = 'bench-controllers-token';
const APISERVER_PROFILE = process.env['APISERVER_PROFILE'];
const APISERVER_NODE_FLAGS = (process.env['APISERVER_NODE_FLAGS'] ?? '').split(' ').filter(Boolean);
const PEER_REQUESTS = 10_000;
/** The client's own limit of requests in flight per server (src/client/in-flight-limit.ts). */
const PEER_IN_FLIGHT = 64;

const log = (line: string): void => console.log(`[bench:controllers] ${line}`);

function resource(group: string, version: string, plural: string): ResourceInfo {
  const r = findResource(group, version, plural);
  if (!r) throw new Error(`no ${plural}`);
  return r;
}

async function serveApi(socketPath: string | undefined): Promise<{ url: string; close(): Promise<void> }> {
  const storage = new MemoryStorage();
  const server = await startApiServer({
    storage,
    port: 0,
    ...(socketPath !== undefined ? { socketPath } : {}),
    tokens: new Map([[TOKEN, { username: 'system:kube-controller-manager', groups: ['system:masters'] }]]),
    // No serviceaccount controller runs here, so no `default` account would admit the pods.
    serviceAccountAdmission: false,
  });
  return {
    url: server.url,
    close: async () => {
      await server.close();
      await storage.close();
    },
  };
}

/** The peer: answers every request with 201 and its own body, as a create returns the object. */
async function serveBare(socketPath: string | undefined): Promise<{ url: string; close(): Promise<void> }> {
  const answer = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      res.writeHead(201, { 'Content-Type': 'application/json', 'Content-Length': body.length });
      res.end(body);
    });
  };
  const tcp = createServer(answer);
  const local = socketPath === undefined ? undefined : createServer(answer);
  const servers = local ? [tcp, local] : [tcp];
  for (const s of servers) s.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  if (local) await new Promise<void>((resolve) => local.listen(socketPath, resolve));
  const addr = tcp.address();
  const port = addr && typeof addr === 'object' ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}

/** Where a server of this run listens besides TCP; undefined with CONNECT=tcp. */
function socketFor(role: 'apiserver' | 'bare'): string | undefined {
  return OVER_TCP ? undefined : join(tmpdir(), `k8ts-bench-controllers-${process.pid}-${role}.sock`);
}

/** A client of a server of this run, over its Unix socket unless CONNECT=tcp. */
function transportTo(url: string, socketPath: string | undefined): HttpTransport {
  return new HttpTransport({ server: url, token: TOKEN, ...(socketPath !== undefined ? { socketPath } : {}) });
}

/** Starts this file in a child process in `role` (the API server or the bare peer); resolves with its URL and the child. */
async function childProcess(role: 'apiserver' | 'bare'): Promise<{ url: string; child: ChildProcess }> {
  const socketPath = socketFor(role);
  const profile = role === 'apiserver' && APISERVER_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', APISERVER_PROFILE] : [];
  const flags = role === 'apiserver' ? APISERVER_NODE_FLAGS : [];
  const child = spawn(process.execPath, [...profile, ...flags, '--import', 'tsx', fileURLToPath(import.meta.url)], {
    env: { ...process.env, K8TS_BENCH_ROLE: role, ...(socketPath !== undefined ? { [SOCKET_ENV]: socketPath } : {}) },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  let buffered = '';
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the ${role} process exited (${code}) before listening`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += String(chunk);
      const m = /^url (\S+)$/m.exec(buffered);
      if (m?.[1]) resolve({ url: m[1], child });
      if (flags.length > 0) process.stderr.write(chunk);
    });
  });
}

/** Counts the requests a transport sends (watches apart). */
class CountingTransport implements Transport {
  requests = 0;
  constructor(private readonly inner: Transport) {}
  request(req: TransportRequest): Promise<TransportResponse> {
    this.requests++;
    return this.inner.request(req);
  }
  watch(path: string, query: Query, signal: AbortSignal): AsyncIterable<WatchEvent> {
    return this.inner.watch(path, query, signal);
  }
  close(): void {
    this.inner.close();
  }
}

/**
 * The peer: CPU per request of a bare node:http server (child process) answering pod creates
 * with their own bytes, sent through the same client with as many in flight as the controllers'.
 */
async function bareServerCpuPerRequest(): Promise<number> {
  const bare = await childProcess('bare');
  const client = createClient(transportTo(bare.url, socketFor('bare')));
  const pods = client.resource<Pod>(resource('', 'v1', 'pods'), 'default');
  const pod = (i: number): Pod => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `peer-${i}`, namespace: 'default', labels: { app: 'peer' } },
    spec: { containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10' }] },
  });
  const send = async (count: number): Promise<void> => {
    let next = 0;
    await Promise.all(Array.from({ length: PEER_IN_FLIGHT }, async () => { while (next < count) await pods.create(pod(next++)); }));
  };
  await send(2_000); // warm-up
  const cpu0 = await childCpuMs(bare.child);
  await send(PEER_REQUESTS);
  const perRequest = ((await childCpuMs(bare.child)) - cpu0) / PEER_REQUESTS;
  client.close();
  bare.child.kill('SIGTERM');
  return perRequest;
}

function deployment(i: number, namespace: string): Deployment {
  const app = `app-${i}`;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: app, namespace },
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: { app } },
      template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10' }] } },
    },
  };
}

/** The child's CPU time in ms (user + system), asked over IPC. */
async function childCpuMs(child: ChildProcess): Promise<number> {
  child.send('cpu');
  const [reply] = (await once(child, 'message')) as [unknown];
  return typeof reply === 'number' ? reply : Number.NaN;
}

async function main(): Promise<void> {
  const inProcess = IN_PROCESS ? await serveApi(socketFor('apiserver')) : undefined;
  const remote = inProcess ? undefined : await childProcess('apiserver');
  const url = inProcess?.url ?? remote?.url ?? '';
  const transport = new CountingTransport(transportTo(url, socketFor('apiserver')));
  const client = createClient(transport);
  const logger = createLogger('bench', { level: 'error' });
  const informers = new SharedInformerFactory(client, { log: logger });
  let created = 0;
  let firstCreateMs = 0;
  let lastCreateMs = 0;
  const context: ControllerContext = {
    client,
    informers,
    clock: realClock,
    log: logger,
    options: { ...DEFAULT_CONTROLLER_OPTIONS, workers: WORKERS },
    recorder: {
      event: (_obj, _type, reason) => {
        if (reason !== 'SuccessfulCreate') return;
        created++;
        lastCreateMs = performance.now();
        firstCreateMs ||= lastCreateMs;
      },
    },
  };
  const stop = new AbortController();
  // Every informer, worker pool and sync wait listens on it.
  setMaxListeners(100, stop.signal);
  informers.start(stop.signal);
  const reconciles = { deployment: 0, replicaset: 0 };
  const runs = [
    createDeploymentController({ onReconcile: () => void reconciles.deployment++ })(context).run(stop.signal),
    replicatedPodsController(REPLICA_SET_KIND, { onReconcile: () => void reconciles.replicaset++ })(context).run(stop.signal),
  ];
  const kubeletErrors: string[] = [];
  const kubelet = startFakeKubelet(client, informers, { readyAfterMs: 0, onError: (err) => void kubeletErrors.push(String(err)) });
  const rsInformer = informers.informerFor<ReplicaSet>(resource('apps', 'v1', 'replicasets'));
  await informers.waitForSync(stop.signal);

  const readyIn = (namespace: string): number =>
    rsInformer.cache.list().filter((rs) => rs.metadata?.namespace === namespace && (rs.status?.readyReplicas ?? 0) === REPLICAS).length;
  /** Creates `count` Deployments in `namespace`, CREATE_CONCURRENCY at a time. */
  const createDeployments = async (namespace: string, count: number): Promise<void> => {
    const deployments = client.resource<Deployment>(resource('apps', 'v1', 'deployments'), namespace);
    let next = 0;
    await Promise.all(
      Array.from({ length: CREATE_CONCURRENCY }, async () => {
        while (next < count) await deployments.create(deployment(next++, namespace));
      }),
    );
  };
  /** Waits until `count` ReplicaSets in `namespace` are ready; false when TIME_LIMIT_MS after `since` came first. */
  const waitReady = async (namespace: string, count: number, since: number): Promise<boolean> => {
    while (readyIn(namespace) < count) {
      if (performance.now() - since > TIME_LIMIT_MS) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
    return true;
  };
  if (WARMUP > 0) {
    const w0 = performance.now();
    await client.resource(resource('', 'v1', 'namespaces')).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'warmup' } });
    await createDeployments('warmup', WARMUP);
    if (!(await waitReady('warmup', WARMUP, w0))) throw new Error(`warm-up: only ${readyIn('warmup')}/${WARMUP} ReplicaSets ready`);
    const warmS = (performance.now() - w0) / 1000;
    log(`warm-up: ${WARMUP} Deployments × ${REPLICAS} in namespace warmup ready after ${warmS.toFixed(2)} s (${((WARMUP * REPLICAS) / warmS).toFixed(0)} pods/s, cold)`);
    created = 0;
    firstCreateMs = 0;
  }
  const expectedPods = DEPLOYMENTS * REPLICAS;
  log(
    `${DEPLOYMENTS} Deployments × ${REPLICAS} replicas = ${expectedPods} pods; ${WORKERS} workers per controller; ` +
      `API server on MemoryStorage over HTTP (${OVER_TCP ? 'loopback TCP' : 'its Unix socket'}), ${inProcess ? 'in this process' : 'in a child process'}`,
  );
  const cpu0 = process.cpuUsage();
  const apiCpu0 = remote ? await childCpuMs(remote.child) : 0;
  const requests0 = transport.requests;
  const t0 = performance.now();
  await createDeployments('default', DEPLOYMENTS);
  const tCreated = performance.now();
  const partial = !(await waitReady('default', DEPLOYMENTS, t0));
  const tDone = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const apiCpuMs = remote ? (await childCpuMs(remote.child)) - apiCpu0 : Number.NaN;
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const requests = transport.requests - requests0;
  const totalReconciles = reconciles.deployment + reconciles.replicaset;
  const createSpanS = (lastCreateMs - firstCreateMs) / 1000;

  log(`${partial ? 'PARTIAL (stopped at the time limit): ' : ''}${readyIn('default')}/${DEPLOYMENTS} ReplicaSets at readyReplicas=${REPLICAS}`);
  log(`Deployments created in ${((tCreated - t0) / 1000).toFixed(2)} s (${CREATE_CONCURRENCY} concurrent POSTs)`);
  log(`all ReplicaSets ready after ${((tDone - t0) / 1000).toFixed(2)} s`);
  log(`pods created by the ReplicaSet controller: ${created} in ${createSpanS.toFixed(2)} s = ${(created / createSpanS).toFixed(0)} pods/s (clusterloader2 creates 10 pods/s; goal ≥ 1,000)`);
  log(`reconciles: ${reconciles.deployment} deployment + ${reconciles.replicaset} replicaset = ${totalReconciles}`);
  log(
    `CPU of ${inProcess ? 'the whole process (API server included)' : 'the controller process (controllers, informers, client, fake kubelet)'}: ` +
      `${(cpuMs / 1000).toFixed(2)} s = ${(cpuMs / totalReconciles).toFixed(3)} ms per reconcile`,
  );
  if (remote) {
    const busy = apiCpuMs / (tDone - t0);
    log(`API server process CPU: ${(apiCpuMs / 1000).toFixed(2)} s = ${(busy * 100).toFixed(0)}% of one core over the run, ${(apiCpuMs / created).toFixed(2)} ms per pod`);
  }
  log(`requests: ${requests} (${(requests / created).toFixed(2)} per pod)`);
  log(`fake kubelet: ${kubelet.readied} pods reported ready (warm-up included), ${kubeletErrors.length} calls failed${kubeletErrors[0] ? ` (first: ${kubeletErrors[0]})` : ''}`);

  kubelet.stop();
  stop.abort();
  await Promise.allSettled(runs);
  client.close();
  await inProcess?.close();
  remote?.child.kill('SIGTERM');
  if (remote) {
    const bareUs = (await bareServerCpuPerRequest()) * 1000;
    const apiUs = (apiCpuMs * 1000) / requests;
    log(
      `API server CPU per request: ${apiUs.toFixed(0)} µs; peer in this run, a bare node:http server answering ${PEER_REQUESTS} pod creates ` +
        `with the same bytes: ${bareUs.toFixed(0)} µs per request; ratio ${(apiUs / bareUs).toFixed(1)}×`,
    );
  }
}

const role = process.env['K8TS_BENCH_ROLE'];
if (role === 'apiserver' || role === 'bare') {
  const socketPath = process.env[SOCKET_ENV];
  const api = role === 'apiserver' ? await serveApi(socketPath) : await serveBare(socketPath);
  console.log(`url ${api.url}`);
  process.on('message', () => {
    const u = process.cpuUsage();
    process.send?.((u.user + u.system) / 1000);
  });
  process.once('SIGTERM', () => void api.close().then(() => process.exit(0)));
} else {
  await main();
}
