// Real kubectl against the Deployment and ReplicaSet controllers: `rollout status`, `history`,
// `restart` and `undo` as a user runs them (kubectl-wire.md, rollout). Skipped when the
// kubectl binary is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setMaxListeners } from 'node:events';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { startApiServer } from '../../apiserver/server.js';
import { createClient } from '../../client/client.js';
import { HttpTransport } from '../../client/http.js';
import { discardEvents } from '../../events/recorder.js';
import { realClock } from '../../informer/clock.js';
import { SharedInformerFactory } from '../../informer/shared.js';
import { createLogger } from '../../log.js';
import { ensurePki } from '../../pki/pki.js';
import { MemoryStorage } from '../../storage/memory/memory.js';
import { DEFAULT_CONTROLLER_OPTIONS } from '../controller.js';
import { replicaSetController } from '../replicaset/replicaset.js';
import { deploymentController } from './deployment.js';
import { startFakeKubelet } from './fake-kubelet.js';
import { deployment, DEPLOYMENTS, NS, REPLICASETS, waitFor } from './test-support.js';

const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.33';
const TOKEN = 'deployment-kubectl-token';

function run(kubeconfig: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(KUBECTL, ['--kubeconfig', kubeconfig, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

test('kubectl rollout status, history, restart and undo', { skip: !existsSync(KUBECTL), timeout: 120_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'k8ts-rollout-'));
  // kubectl sends its token only over TLS.
  const pki = ensurePki(dir);
  const storage = new MemoryStorage();
  const server = await startApiServer({
    storage,
    port: 0,
    tls: { cert: pki.servingCert, key: pki.servingKey, clientCA: pki.caCert },
    tokens: new Map([[TOKEN, { username: 'admin', groups: ['system:masters'] }]]),
    // No serviceaccount controller runs here to make `default` accounts.
    serviceAccountAdmission: false,
  });
  const client = createClient(new HttpTransport({ server: server.url, token: TOKEN, ca: pki.caCert }));
  const log = createLogger('test', { level: 'error' });
  const informers = new SharedInformerFactory(client, { log });
  const stop = new AbortController();
  setMaxListeners(50, stop.signal);
  informers.start(stop.signal);
  const ctx = { client, informers, recorder: discardEvents, clock: realClock, log, options: DEFAULT_CONTROLLER_OPTIONS };
  const runs = [deploymentController(ctx).run(stop.signal), replicaSetController(ctx).run(stop.signal)];
  const kubelet = startFakeKubelet(client, informers);
  t.after(async () => {
    kubelet.stop();
    stop.abort();
    await Promise.allSettled(runs);
    client.close();
    await server.close();
    await storage.close();
    await rm(dir, { recursive: true, force: true });
  });
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: k, cluster: {server: "${server.url}", certificate-authority-data: ${Buffer.from(pki.caCert).toString('base64')}}}]`,
      `users: [{name: u, user: {token: ${TOKEN}}}]`,
      'contexts: [{name: c, context: {cluster: k, user: u, namespace: default}}]',
      'current-context: c',
    ].join('\n'),
  );
  const kubectl = (...args: string[]): Promise<{ code: number; out: string }> => run(kubeconfig, args);

  await client.resource<Deployment>(DEPLOYMENTS, NS).create(deployment('web', 2));
  const status = await kubectl('rollout', 'status', 'deployment/web', '--timeout=60s');
  assert.equal(status.code, 0, status.out);
  assert.match(status.out, /deployment "web" successfully rolled out/);

  const image = await kubectl('set', 'image', 'deployment/web', 'web=nginx:1.28');
  assert.equal(image.code, 0, image.out);
  assert.equal((await kubectl('rollout', 'status', 'deployment/web', '--timeout=60s')).code, 0);

  const restart = await kubectl('rollout', 'restart', 'deployment/web');
  assert.match(restart.out, /deployment.apps\/web restarted/);
  assert.equal((await kubectl('rollout', 'status', 'deployment/web', '--timeout=60s')).code, 0);

  const history = await kubectl('rollout', 'history', 'deployment/web');
  assert.equal(history.code, 0, history.out);
  assert.match(history.out, /REVISION\s+CHANGE-CAUSE\s*\n1\s+<none>\s*\n2\s+<none>\s*\n3\s+<none>/);

  const undo = await kubectl('rollout', 'undo', 'deployment/web', '--to-revision=1');
  assert.equal(undo.code, 0, undo.out);
  assert.match(undo.out, /deployment.apps\/web rolled back/);
  assert.equal((await kubectl('rollout', 'status', 'deployment/web', '--timeout=60s')).code, 0);
  // Revision 1's ReplicaSet was reused: still three ReplicaSets, the first now revision 4.
  const rss = await waitFor('revision 4', async () => {
    const list = (await client.resource<ReplicaSet>(REPLICASETS, NS).list()).items;
    return list.some((rs) => rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] === '4') ? list : undefined;
  });
  assert.equal(rss.length, 3);
  const reused = rss.find((rs) => rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] === '4');
  assert.equal(reused?.spec?.template?.spec?.containers[0]?.image, 'nginx:1.27');
  assert.equal(reused?.spec?.replicas, 2);
  const after = await kubectl('rollout', 'history', 'deployment/web');
  assert.match(after.out, /\n2\s+<none>\s*\n3\s+<none>\s*\n4\s+<none>/);
});
