// In-cluster credentials end to end: `k8ts server` with its own node on the process runtime.
// A new namespace gets its `default` ServiceAccount and `kube-root-ca.crt` ConfigMap; a pod with
// no service account settings gets a kube-api-access volume, and what its container reads from
// /var/run/secrets/kubernetes.io/serviceaccount (token, ca.crt, namespace) is enough for the
// real kubectl to reach the API as that service account — as client-go's InClusterConfig does.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, KUBECTL_DIR, manifestFile, startCluster, waitForNamespaceProvisioned, type KubectlResult, type TestCluster } from './cluster.js';

const V = '1.33';
const NS = 'in-cluster';
const MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

function ok(r: KubectlResult, what: string): string {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

/** kubectl with no kubeconfig: only the server, the CA and the bearer token a pod would have. */
function kubectlAsPod(c: TestCluster, caFile: string, token: string, args: readonly string[]): KubectlResult {
  const r = spawnSync(
    join(KUBECTL_DIR, `kubectl.${V}`),
    ['--kubeconfig', '/dev/null', '--server', c.url, '--certificate-authority', caFile, '--token', token, ...args],
    { encoding: 'utf8', timeout: 60_000, env: { ...process.env, HOME: c.dataDir } },
  );
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

describe('service account credentials inside pods', { timeout: 180_000 }, () => {
  let c: TestCluster;
  const k = (...args: string[]): KubectlResult => c.kubectl(V, args);

  before(async () => {
    c = await startCluster({ extraArgs: ['--runtime', 'process'] });
  });
  after(async () => {
    // The pod is a host process: delete it through the node before the server stops.
    c?.kubectl(V, ['delete', 'namespace', NS, '--wait=true', '--timeout=60s']);
    await c?.stop();
  });

  test('a new namespace gets kube-root-ca.crt holding the cluster CA, with its description', async () => {
    ok(k('create', 'namespace', NS), 'create namespace');
    await waitForNamespaceProvisioned(c, NS);
    const cm = JSON.parse(ok(k('-n', NS, 'get', 'configmap', 'kube-root-ca.crt', '-o', 'json'), 'get configmap')) as {
      data: Record<string, string>;
      metadata: { annotations: Record<string, string> };
    };
    const caData = /certificate-authority-data:\s*(\S+)/.exec(ok(k('config', 'view', '--raw', '-o', 'yaml'), 'config view'))?.[1] ?? '';
    assert.equal(cm.data['ca.crt'], Buffer.from(caData, 'base64').toString('utf8'));
    assert.match(cm.metadata.annotations['kubernetes.io/description'] ?? '', /^Contains a CA bundle that can be used to verify the kube-apiserver/);
  });

  test("a pod's mounted token, CA and namespace authenticate it to the API as its service account", async () => {
    const pod = manifestFile(
      c,
      'reader.yaml',
      `apiVersion: v1
kind: Pod
metadata: {name: reader, namespace: ${NS}}
spec:
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "echo TOKEN=$(cat ${MOUNT}/token); echo NS=$(cat ${MOUNT}/namespace); echo ENV=$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT; cat ${MOUNT}/ca.crt; sleep 3600"]
`,
    );
    ok(k('apply', '-f', pod), 'apply pod');
    const spec = JSON.parse(ok(k('-n', NS, 'get', 'pod', 'reader', '-o', 'jsonpath={.spec}'), 'get pod')) as {
      serviceAccountName: string;
      volumes: { name: string }[];
      containers: { volumeMounts: { name: string; mountPath: string; readOnly: boolean }[] }[];
    };
    assert.equal(spec.serviceAccountName, 'default');
    const volume = spec.volumes.find((v) => v.name.startsWith('kube-api-access-'));
    assert.ok(volume, JSON.stringify(spec.volumes));
    assert.deepEqual(spec.containers[0]?.volumeMounts, [{ name: volume.name, mountPath: MOUNT, readOnly: true }]);

    const logs = await eventually(() => {
      const r = k('-n', NS, 'logs', 'reader');
      return r.code === 0 && r.stdout.includes('-----END CERTIFICATE-----') ? r.stdout : undefined;
    }, 'the pod to print its credentials', 60_000);
    const token = /^TOKEN=(\S+)$/m.exec(logs)?.[1] ?? assert.fail(`no token in:\n${logs}`);
    assert.match(logs, new RegExp(`^NS=${NS}$`, 'm'));
    assert.match(logs, /^ENV=\d+\.\d+\.\d+\.\d+:443$/m, 'KUBERNETES_SERVICE_HOST and _PORT are set');
    const ca = logs.slice(logs.indexOf('-----BEGIN CERTIFICATE-----'));
    const caFile = join(c.dataDir, 'pod-ca.crt');
    writeFileSync(caFile, ca);

    const whoami = JSON.parse(ok(kubectlAsPod(c, caFile, token, ['auth', 'whoami', '-o', 'json']), 'auth whoami with the pod token')) as {
      status: { userInfo: { username: string; groups: string[] } };
    };
    assert.equal(whoami.status.userInfo.username, `system:serviceaccount:${NS}:default`);
    assert.ok(whoami.status.userInfo.groups.includes(`system:serviceaccounts:${NS}`));
    // RBAC: the account may do nothing until it is bound to a role.
    const refused = kubectlAsPod(c, caFile, token, ['-n', NS, 'get', 'pods']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, new RegExp(`pods is forbidden: User "system:serviceaccount:${NS}:default" cannot list resource "pods" in API group "" in the namespace "${NS}"`));
    ok(k('-n', NS, 'create', 'rolebinding', 'reader-view', '--clusterrole=view', `--serviceaccount=${NS}:default`), 'create rolebinding');
    const listed = await eventually(() => {
      const r = kubectlAsPod(c, caFile, token, ['-n', NS, 'get', 'pods']);
      return r.code === 0 ? r.stdout : undefined;
    }, 'the role binding to take effect', 10_000);
    assert.match(listed, /^reader\s+1\/1\s+Running\s/m);
    const forged = kubectlAsPod(c, caFile, `${token}x`, ['-n', NS, 'get', 'pods']);
    assert.notEqual(forged.code, 0);
    assert.match(forged.stderr, /Unauthorized/);
  });
});
