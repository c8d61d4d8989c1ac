// A node joins a TLS API server with only its join token (CA pinned by hash, certificates by
// CSR through the approving and signing controllers), then runs a real process pod whose log
// the API server reads through the node's kubelet API.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { startApiServer, type RunningApiServer } from '../apiserver/server.js';
import { createClient, type ApiClient } from '../client/client.js';
import { HttpTransport } from '../client/http.js';
import { csrApprovingController } from '../controllers/certificates/approving.js';
import { csrSigningController } from '../controllers/certificates/signing.js';
import { startControllerManager, type RunningControllerManager } from '../controllers/manager.js';
import { createLogger } from '../log.js';
import { loadPrivateKey } from '../pki/certificates.js';
import { ensurePki, type ClusterPki } from '../pki/pki.js';
import { MemoryStorage } from '../storage/memory/memory.js';
import { startNodeAgent, type RunningNodeAgent } from './agent.js';
import { bootstrapNodeCredentials, BootstrapError, nodeClient, type NodeCredentials } from './bootstrap.js';
import { ClusterCaError } from './cluster-ca.js';
import { formatJoinToken } from './join-token.js';

const SECRET = 'join-secret-for-tests';
const PODS = { group: '', version: 'v1', resource: 'pods' } as const;
const NODES = { group: '', version: 'v1', resource: 'nodes' } as const;
const CSRS = { group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests' } as const;
const log = createLogger('test', { level: process.env['K8TS_LOG_LEVEL'] === 'debug' ? 'debug' : 'error' });

let dir: string;
let pki: ClusterPki;
let storage: MemoryStorage;
let server: RunningApiServer;
let admin: ApiClient;
let manager: RunningControllerManager;
const stop = new AbortController();

async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'k8ts-node-'));
  pki = ensurePki(join(dir, 'server'), { altNames: ['127.0.0.1', 'localhost'] });
  storage = new MemoryStorage();
  server = await startApiServer({
    storage,
    host: '127.0.0.1',
    port: 0,
    // The CA rides along in the chain so joining agents can read (and verify) it.
    tls: { cert: pki.servingCert + pki.caCert, key: pki.servingKey, clientCA: pki.caCert },
    tokens: new Map([[SECRET, { username: 'system:k8ts:node-joiner', groups: ['system:bootstrappers'] }]]),
    kubelet: { cert: pki.adminCert, key: pki.adminKey, ca: pki.caCert },
    // No serviceaccount controller runs here to make `default` accounts.
    serviceAccountAdmission: false,
  });
  admin = createClient(new HttpTransport({ server: server.url, ca: pki.caCert, cert: pki.adminCert, key: pki.adminKey }));
  const caKey = loadPrivateKey(readFileSync(join(pki.tlsDir, 'ca.key'), 'utf8'));
  manager = await startControllerManager({ client: admin, factories: [csrApprovingController, csrSigningController({ caCert: pki.caCert, caKey })], log });
});

after(async () => {
  stop.abort();
  await manager?.stop();
  admin?.close();
  await server?.close();
  await storage?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a wrong secret or a token pinning another CA is refused before anything is issued', async () => {
  const otherCa = ensurePki(join(dir, 'other')).caCert;
  await assert.rejects(
    bootstrapNodeCredentials({ server: server.url, token: formatJoinToken(otherCa, SECRET), nodeName: 'x', log, signal: stop.signal }),
    (err: unknown) => err instanceof ClusterCaError && /does not match|matches the join token/.test(err.message),
  );
  await assert.rejects(
    bootstrapNodeCredentials({ server: server.url, token: formatJoinToken(pki.caCert, 'wrong'), nodeName: 'x', log, signal: stop.signal }),
    (err: unknown) => err instanceof BootstrapError && /does not accept the join token/.test(err.message),
  );
  assert.equal((await admin.resource(CSRS).list()).items.length, 0);
});

test('join by token, run a process pod, read its log through the API server', async () => {
  const pkiDir = join(dir, 'agent', 'pki');
  const token = formatJoinToken(pki.caCert, SECRET);
  const creds: NodeCredentials = await bootstrapNodeCredentials({ server: server.url, token, nodeName: 'n1', servingNames: ['127.0.0.1', 'n1'], pkiDir, log, signal: stop.signal });
  const csrs = (await admin.resource<CertificateSigningRequest>(CSRS).list()).items;
  assert.deepEqual(csrs.map((c) => c.spec.signerName).sort(), ['kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving']);
  assert.ok(creds.serving);
  // A restart reuses the stored certificates: no new requests.
  await bootstrapNodeCredentials({ server: server.url, token, nodeName: 'n1', servingNames: ['127.0.0.1', 'n1'], pkiDir, log, signal: stop.signal });
  assert.equal((await admin.resource(CSRS).list()).items.length, 2);

  const client = nodeClient(server.url, creds, 'k8ts-agent-test');
  let agent: RunningNodeAgent | undefined;
  try {
    agent = await startNodeAgent({
      client,
      nodeName: 'n1',
      runtime: 'process',
      dataDir: join(dir, 'agent'),
      kubeletTls: { cert: creds.serving.cert, key: creds.serving.key, clientCA: creds.caCert },
      address: '127.0.0.1',
      kubeletPort: 0,
      nodeLabels: { 'example.com/role': 'test' },
      log,
      kubelet: { heartbeatIntervalMs: 500, nodeStatusUpdateFrequencyMs: 500 },
      signal: stop.signal,
    });
    const node = await waitFor('node Ready', async () => {
      const n = await admin.resource<Node>(NODES).get('n1');
      return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? n : undefined;
    });
    assert.equal(node.status?.daemonEndpoints?.kubeletEndpoint?.Port, agent.kubeletPort);
    assert.equal(node.metadata?.labels?.['example.com/role'], 'test');
    assert.deepEqual(node.status?.addresses?.[0], { type: 'InternalIP', address: '127.0.0.1' });

    const pods = admin.resource<Pod>(PODS, 'default');
    await pods.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'echo', namespace: 'default' },
      spec: { nodeName: 'n1', terminationGracePeriodSeconds: 2, containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'echo started; while true; do sleep 1; done'] }] },
    });
    await waitFor('pod Running', async () => (await pods.get('echo')).status?.phase === 'Running');
    const logText = await waitFor('log line', async () => {
      const res = await admin.transport.request({ method: 'GET', path: '/api/v1/namespaces/default/pods/echo/log', accept: '*/*' });
      const text = Buffer.from(res.body).toString('utf8');
      return res.status === 200 && text.includes('started') ? text : undefined;
    });
    assert.equal(logText, 'started\n');

    // The node's own certificate may not use another kubelet's API.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: agent?.kubeletPort, path: '/pods', ca: creds.caCert, cert: creds.client.cert, key: creds.client.key },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 403);

    await pods.delete('echo');
    await waitFor('pod gone', async () => !(await pods.list()).items.some((p) => p.metadata?.name === 'echo'));
  } finally {
    await agent?.stop();
    client.close();
  }
});
