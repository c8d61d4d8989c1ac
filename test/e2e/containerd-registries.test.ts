// Registries and pod cgroups on real containerd: `k8ts server --runtime containerd` with a
// registries.yaml in its data dir (a made-up registry host mirrored to the local plain-HTTP
// registry; another mirrored to a password-protected HTTPS registry whose credentials and CA
// the file holds), imagePullSecrets against that protected registry (Debian's docker-registry
// with htpasswd auth and a self-signed certificate, busybox pushed into it with skopeo), and
// the pod's cgroup removed after `kubectl delete pod`. Needs root, containerd, runc, the CNI
// plugins, docker-registry, skopeo, openssl and a bcrypt generator (htpasswd or python3's
// crypt) for the password file. docker-registry would do basic auth over plain HTTP too;
// TLS is here to exercise the `tls` settings.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { removeNodeContainerdFootprint } from '../../src/containerd/cleanup.js';
import { bridgeNameFor } from '../../src/containerd/config.js';
import { cgroupMountPoints } from '../../src/kubelet/runtime/containerd/pod-cgroup.js';
import { eventually, manifestFile, startCluster, type KubectlResult, type TestCluster } from './cluster.js';
import { containerdSkipReason, freePort, killLeftoverShims, prepareTestImages } from './containerd-node.js';

const USER = 'k8ts-e2e';
const PASSWORD = `pw-${process.pid}`;

/** An htpasswd line with a bcrypt hash (the only kind docker-registry accepts), or undefined. */
function htpasswdLine(): string | undefined {
  const h = spawnSync('htpasswd', ['-nbB', USER, PASSWORD], { encoding: 'utf8' });
  if (h.status === 0) return h.stdout.trim();
  const py = spawnSync('python3', ['-W', 'ignore', '-c', 'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))', PASSWORD], { encoding: 'utf8' });
  if (py.status === 0 && py.stdout.startsWith('$2')) return `${USER}:${py.stdout.trim()}`;
  return undefined;
}

function missingTool(): string | undefined {
  for (const t of ['docker-registry', 'skopeo', 'openssl']) if (spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0) return `${t} is not installed`;
  return undefined;
}

const baseSkip = containerdSkipReason();
const htpasswd = baseSkip === false ? htpasswdLine() : undefined;
const skip = baseSkip !== false ? baseSkip : (missingTool() ?? (htpasswd === undefined ? 'no bcrypt generator (htpasswd or python3 crypt) for the registry password file' : false));

const NODE = `e2e-reg-${process.pid}`;
// Distinct from the other containerd e2e files and benches, which may run at the same time.
const CLUSTER_CIDR = '10.82.0.0/16';
const REGISTRY = '127.0.0.1:5000';

let c: TestCluster | undefined;
let registry: ChildProcess | undefined;
let registryDir = '';
let port = 0;

function cluster(): TestCluster {
  if (!c) throw new Error('the cluster did not start');
  return c;
}

function k(args: readonly string[], input?: string): KubectlResult {
  return cluster().kubectl('1.33', args, input === undefined ? {} : { input });
}

function ok(r: KubectlResult, what: string): string {
  assert.equal(r.code, 0, `${what} failed (${r.code}): ${r.stderr}\n${cluster().logs().slice(-3000)}`);
  return r.stdout;
}

function pod(name: string): Pod {
  return JSON.parse(ok(k(['get', 'pod', name, '-o', 'json']), `get pod ${name}`)) as Pod;
}

/** HTTP status of GET url (0 when nothing answers). */
function status(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = get(url, { timeout: 2000, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

function podYaml(name: string, image: string, pullSecret?: string): string {
  return `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  terminationGracePeriodSeconds: 1
${pullSecret ? `  imagePullSecrets: [{name: ${pullSecret}}]\n` : ''}  containers:
  - name: main
    image: ${image}
    imagePullPolicy: Always
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1 & wait $!; done"]
`;
}

function runPod(name: string, image: string, pullSecret?: string): void {
  ok(k(['apply', '-f', manifestFile(cluster(), `${name}.yaml`, podYaml(name, image, pullSecret))]), `apply ${name}`);
}

async function runningPod(name: string): Promise<Pod> {
  return eventually(
    () => {
      const p = pod(name);
      return p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.state?.running ? p : undefined;
    },
    `pod ${name} Running (last status: ${JSON.stringify(pod(name).status?.containerStatuses?.[0]?.state ?? {})})`,
    90_000,
  );
}

describe('containerd registries and pod cgroups', { skip, timeout: 600_000 }, () => {
  before(async () => {
    prepareTestImages(REGISTRY);
    // A second registry that wants a password, over HTTPS with a self-signed certificate.
    registryDir = mkdtempSync(join(tmpdir(), 'k8ts-e2e-authreg-'));
    port = await freePort();
    writeFileSync(join(registryDir, 'htpasswd'), `${htpasswd ?? ''}\n`);
    const cert = join(registryDir, 'cert.pem');
    const key = join(registryDir, 'key.pem');
    const ssl = spawnSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', key, '-out', cert],
      { encoding: 'utf8' },
    );
    assert.equal(ssl.status, 0, `openssl failed: ${ssl.stderr}`);
    writeFileSync(
      join(registryDir, 'config.yml'),
      `version: 0.1
log: {level: warn}
storage: {filesystem: {rootdirectory: ${join(registryDir, 'data')}}}
http: {addr: 127.0.0.1:${port}, tls: {certificate: ${cert}, key: ${key}}}
auth: {htpasswd: {realm: k8ts-e2e, path: ${join(registryDir, 'htpasswd')}}}
`,
    );
    registry = spawn('docker-registry', ['serve', join(registryDir, 'config.yml')], { stdio: 'ignore' });
    await eventually(async () => ((await status(`https://127.0.0.1:${port}/v2/`)) === 401 ? true : undefined), 'the password-protected registry to answer 401', 20_000);
    const copy = spawnSync(
      'skopeo',
      ['copy', '-q', '--src-tls-verify=false', '--dest-tls-verify=false', '--dest-creds', `${USER}:${PASSWORD}`, `docker://${REGISTRY}/library/busybox:1.35`, `docker://127.0.0.1:${port}/busybox:1.35`],
      { encoding: 'utf8', timeout: 120_000 },
    );
    assert.equal(copy.status, 0, `skopeo copy failed: ${copy.stderr}`);

    const dataDir = mkdtempSync(join(tmpdir(), 'k8ts-e2e-'));
    mkdirSync(dataDir, { recursive: true });
    // "localhost:PORT" and "127.0.0.1:PORT" are different hosts to containerd: the file's
    // credentials apply to the first only, so pulls by the second need an imagePullSecret.
    // Both trust the registry's certificate through the file's tls.ca_file.
    writeFileSync(
      join(dataDir, 'registries.yaml'),
      `mirrors:
  mirror.k8ts.test:
    endpoint: ["http://${REGISTRY}"]
  private.k8ts.test:
    endpoint: ["https://localhost:${port}"]
configs:
  "localhost:${port}":
    auth: {username: ${USER}, password: ${PASSWORD}}
    tls: {ca_file: ${cert}}
  "127.0.0.1:${port}":
    tls: {ca_file: ${cert}}
`,
    );
    c = await startCluster({ dataDir, extraArgs: ['--runtime', 'containerd', '--node-name', NODE, '--cluster-cidr', CLUSTER_CIDR] });
    await eventually(() => (k(['get', 'node', NODE, '-o', 'jsonpath={.spec.podCIDR}']).stdout || undefined), 'the podCIDR', 20_000);
  });

  after(async () => {
    if (c) {
      k(['delete', 'pods', '--all', '--grace-period=1', '--wait=true', '--timeout=60s']);
      await c.stopKeepingData();
      const dir = join(c.dataDir, 'agent', 'runtime', 'containerd', 'containerd');
      killLeftoverShims(dir);
      await removeNodeContainerdFootprint({ dir, bridgeName: bridgeNameFor(NODE) });
      rmSync(c.dataDir, { recursive: true, force: true });
    }
    if (registry && registry.exitCode === null) {
      const exited = new Promise((r) => registry?.once('exit', r));
      registry.kill('SIGTERM');
      await exited;
    }
    if (registryDir) rmSync(registryDir, { recursive: true, force: true });
  });

  test('an image named by a mirrored registry host is pulled from the local plain-HTTP registry', async () => {
    runPod('mirrored', 'mirror.k8ts.test/library/busybox:1.35');
    const p = await runningPod('mirrored');
    assert.equal(p.status?.containerStatuses?.[0]?.image, 'mirror.k8ts.test/library/busybox:1.35');
  });

  test('registries.yaml credentials and CA let a mirrored host pull from the password-protected HTTPS registry', async () => {
    runPod('private-mirror', 'private.k8ts.test/busybox:1.35');
    await runningPod('private-mirror');
  });

  test('without an imagePullSecret the protected registry refuses the pull: ErrImagePull', async () => {
    runPod('no-secret', `127.0.0.1:${port}/busybox:1.35`);
    const reason = await eventually(
      () => {
        const r = pod('no-secret').status?.containerStatuses?.[0]?.state?.waiting?.reason;
        return r === 'ErrImagePull' || r === 'ImagePullBackOff' ? r : undefined;
      },
      'ErrImagePull on the no-secret pod',
      60_000,
    );
    assert.ok(reason);
    const events = ok(k(['get', 'events', '--field-selector', 'involvedObject.name=no-secret', '-o', 'custom-columns=MESSAGE:.message', '--no-headers']), 'get events');
    assert.match(events, /Failed to pull image .*(401|[Uu]nauthorized)/);
  });

  test('a docker-registry secret in imagePullSecrets pulls with its credentials: Running', async () => {
    ok(
      k(['create', 'secret', 'docker-registry', 'regcred', `--docker-server=127.0.0.1:${port}`, `--docker-username=${USER}`, `--docker-password=${PASSWORD}`]),
      'create secret docker-registry',
    );
    ok(k(['create', 'secret', 'docker-registry', 'wrongcred', `--docker-server=127.0.0.1:${port}`, `--docker-username=${USER}`, '--docker-password=wrong']), 'create wrong secret');
    runPod('with-secret', `127.0.0.1:${port}/busybox:1.35`, 'regcred');
    runPod('wrong-secret', `127.0.0.1:${port}/busybox:1.35`, 'wrongcred');
    await runningPod('with-secret');
    await eventually(() => (pod('wrong-secret').status?.containerStatuses?.[0]?.state?.waiting?.reason?.match(/ErrImagePull|ImagePullBackOff/) ? true : undefined), 'a wrong password to fail the pull', 60_000);
  });

  test("the pod's cgroup is removed after kubectl delete pod", async () => {
    const p = await runningPod('with-secret');
    const uid = p.metadata?.uid ?? '';
    const mounts = cgroupMountPoints(readFileSync('/proc/self/mountinfo', 'utf8'));
    const dirs = mounts.map((m) => join(m, 'k8ts', `pod${uid}`));
    const present = dirs.filter((d) => existsSync(d));
    assert.ok(present.length > 0, `the running pod has a cgroup under /k8ts (looked in ${dirs.join(', ')})`);
    ok(k(['delete', 'pod', 'with-secret', '--grace-period=1', '--wait=true', '--timeout=60s']), 'delete pod');
    await eventually(() => (dirs.every((d) => !existsSync(d)) ? true : undefined), `the pod cgroup to be removed (still: ${dirs.filter((d) => existsSync(d)).join(', ')})`, 30_000);
  });
});
