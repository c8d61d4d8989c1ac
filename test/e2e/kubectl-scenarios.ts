// The kubectl commands a user runs every day, each checked by kubectl's exit code AND by the
// resulting state read back through the API. Run once per kubectl version (kubectl-1.NN.test.ts).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { KUBECTL_DIR, manifestFile, startCluster, waitForNamespaceProvisioned, type KubectlResult, type TestCluster } from './cluster.js';

interface Obj {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string>; resourceVersion?: string; uid?: string };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

function ok(r: KubectlResult, what: string): string {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

export function kubectlScenarios(version: string): void {
  describe(`kubectl ${version}`, () => {
    let c: TestCluster;
    const k = (...args: string[]): KubectlResult => c.kubectl(version, args);
    const get = async (path: string): Promise<Obj> => {
      const r = await c.api('GET', path);
      assert.equal(r.status, 200, `GET ${path}: ${r.body}`);
      return r.json() as Obj;
    };
    const absent = async (path: string): Promise<void> => {
      const r = await c.api('GET', path);
      assert.equal(r.status, 404, `expected ${path} to be gone: ${r.body}`);
    };

    before(async () => {
      c = await startCluster({ extraArgs: ['--disable', 'agent'] });
    });
    after(async () => {
      await c?.stop();
    });

    test('version and api-resources', () => {
      const v = JSON.parse(ok(k('version', '-o', 'json'), 'version')) as { serverVersion: { major: string; minor: string } };
      assert.equal(v.serverVersion.major, '1');
      assert.equal(v.serverVersion.minor, '33');
      const res = ok(k('api-resources'), 'api-resources');
      assert.match(res, /^pods\s+po\s+v1\s+true\s+Pod$/m);
      assert.match(res, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
      assert.match(res, /^namespaces\s+ns\s+v1\s+false\s+Namespace$/m);
    });

    test('get --raw /healthz and namespaces', () => {
      assert.equal(ok(k('get', '--raw', '/healthz'), 'get --raw').trim(), 'ok');
      const ns = ok(k('get', 'namespaces'), 'get namespaces');
      for (const n of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) assert.match(ns, new RegExp(`^${n}\\s+Active\\s+`, 'm'));
    });

    test('create namespace, configmap, secret, deployment (protobuf bodies on 1.32+)', async () => {
      ok(k('create', 'namespace', 'e2e'), 'create namespace');
      await waitForNamespaceProvisioned(c, 'e2e');
      assert.equal((await get('/api/v1/namespaces/e2e')).metadata.name, 'e2e');
      ok(k('-n', 'e2e', 'create', 'configmap', 'cfg', '--from-literal=a=1', '--from-literal=b=2'), 'create configmap');
      assert.deepEqual((await get('/api/v1/namespaces/e2e/configmaps/cfg')).data, { a: '1', b: '2' });
      ok(k('-n', 'e2e', 'create', 'secret', 'generic', 'sec', '--from-literal=password=s3cret'), 'create secret');
      assert.equal((await get('/api/v1/namespaces/e2e/secrets/sec')).data?.['password'], Buffer.from('s3cret').toString('base64'));
      ok(k('-n', 'e2e', 'create', 'deployment', 'web', '--image=busybox:1.36', '--replicas=2'), 'create deployment');
      const d = await get('/apis/apps/v1/namespaces/e2e/deployments/web');
      assert.equal(d.spec?.['replicas'], 2);
      assert.deepEqual((d.spec?.['selector'] as { matchLabels: unknown }).matchLabels, { app: 'web' });
      const dup = k('-n', 'e2e', 'create', 'configmap', 'cfg');
      assert.notEqual(dup.code, 0);
      assert.match(dup.stderr, /AlreadyExists|already exists/);
    });

    test('get --raw /metrics counts those requests in Kubernetes’ series', () => {
      const text = ok(k('get', '--raw', '/metrics'), 'get --raw /metrics');
      const created = /^apiserver_request_total\{[^}]*resource="configmaps",scope="namespace",subresource="",verb="POST",version="v1",code="201"\} (\d+)$/m.exec(text);
      assert.ok(created, `no count of configmap creates in:\n${text.slice(0, 2000)}`);
      assert.ok(Number(created[1]) >= 1);
      assert.match(text, /^apiserver_request_total\{[^}]*resource="configmaps",scope="namespace",subresource="",verb="POST",version="v1",code="409"\} [1-9]\d*$/m);
      assert.match(text, /^apiserver_request_duration_seconds_count\{[^}]*resource="namespaces",scope="cluster",subresource="",verb="POST",version="v1"\} [1-9]\d*$/m);
    });

    test('create -f, get in every output format, labels and selectors', async () => {
      const pod = manifestFile(
        c,
        `pod-${version}.yaml`,
        `apiVersion: v1
kind: Pod
metadata:
  name: p1
  namespace: e2e
  labels: {app: demo, tier: web}
spec:
  containers:
  - name: main
    image: busybox:1.36
    command: ["sleep", "3600"]
`,
      );
      ok(k('create', '-f', pod), 'create -f');
      const stored = await get('/api/v1/namespaces/e2e/pods/p1');
      assert.equal((stored.spec?.['restartPolicy'] as string), 'Always', 'defaults applied');
      const table = ok(k('-n', 'e2e', 'get', 'pods'), 'get pods');
      assert.match(table, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
      assert.match(table, /^p1\s+0\/1\s+Pending\s+0\s+\d+s$/m);
      const wide = ok(k('-n', 'e2e', 'get', 'pods', '-o', 'wide'), 'get -o wide');
      assert.match(wide, /NOMINATED NODE\s+READINESS GATES/);
      const all = ok(k('get', 'pods', '-A'), 'get -A');
      assert.match(all, /^e2e\s+p1\s+/m);
      const y = ok(k('-n', 'e2e', 'get', 'pod', 'p1', '-o', 'yaml'), 'get -o yaml');
      assert.match(y, /^kind: Pod$/m);
      assert.match(y, /^ {2}uid: /m);
      const j = JSON.parse(ok(k('-n', 'e2e', 'get', 'pod', 'p1', '-o', 'json'), 'get -o json')) as Obj;
      assert.equal(j.metadata.uid, stored.metadata.uid);
      assert.match(ok(k('-n', 'e2e', 'get', 'pods', '--show-labels'), '--show-labels'), /app=demo,tier=web/);
      assert.match(ok(k('-n', 'e2e', 'get', 'pods', '-l', 'tier=web'), 'get -l'), /^p1\s/m);
      assert.doesNotMatch(ok(k('-n', 'e2e', 'get', 'pods', '-l', 'tier in (db)'), 'get -l in'), /^p1\s/m);
      assert.match(ok(k('get', 'all', '-n', 'e2e'), 'get all'), /deployment\.apps\/web/);
      const bad = k('-n', 'e2e', 'get', 'pod', 'nope');
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /pods "nope" not found/);
    });

    test('apply: create, update, unchanged; server-side apply with a forced conflict', async () => {
      const file = (replicas: number): string =>
        manifestFile(
          c,
          `app-${version}.yaml`,
          `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: e2e
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      containers:
      - name: c
        image: busybox:1.36
`,
        );
      assert.match(ok(k('apply', '-f', file(1)), 'apply create'), /deployment.apps\/app created/);
      assert.match(ok(k('apply', '-f', file(3)), 'apply update'), /deployment.apps\/app configured/);
      assert.equal((await get('/apis/apps/v1/namespaces/e2e/deployments/app')).spec?.['replicas'], 3);
      assert.match(ok(k('apply', '-f', file(3)), 'apply no-op'), /deployment.apps\/app unchanged/);

      // Taking over from client-side apply is allowed while the live value still matches the
      // last-applied configuration; after another manager changes replicas it is a conflict.
      ok(k('-n', 'e2e', 'scale', 'deployment', 'app', '--replicas=4'), 'scale');
      const conflict = k('apply', '--server-side', '-f', file(5));
      assert.notEqual(conflict.code, 0, 'server-side apply over replicas owned by another manager should conflict');
      assert.match(conflict.stderr, /conflict/i);
      ok(k('apply', '--server-side', '--force-conflicts', '-f', file(5)), 'apply --server-side --force-conflicts');
      assert.equal((await get('/apis/apps/v1/namespaces/e2e/deployments/app')).spec?.['replicas'], 5);
    });

    test('diff, replace, edit, patch (json, merge, strategic), label, annotate, scale', async () => {
      const cm = (v: string): string =>
        manifestFile(c, `cm-${version}.yaml`, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: e2e\ndata:\n  mode: "${v}"\n`);
      ok(k('create', '-f', cm('a')), 'create cm');
      const d = k('diff', '-f', cm('b'));
      assert.equal(d.code, 1, `diff should report a difference: ${d.stderr}`);
      assert.match(d.stdout, /\+ {2}mode: b/);
      ok(k('replace', '-f', cm('b')), 'replace');
      assert.equal((await get('/api/v1/namespaces/e2e/configmaps/settings')).data?.['mode'], 'b');

      const editor = join(c.dataDir, 'editor.sh');
      writeFileSync(editor, `#!/bin/sh\nsed -i 's/mode: b/mode: edited/' "$1"\n`);
      chmodSync(editor, 0o755);
      ok(c.kubectl(version, ['-n', 'e2e', 'edit', 'configmap', 'settings'], { env: { KUBE_EDITOR: editor } }), 'edit');
      assert.equal((await get('/api/v1/namespaces/e2e/configmaps/settings')).data?.['mode'], 'edited');

      ok(k('-n', 'e2e', 'patch', 'configmap', 'settings', '--type=merge', '-p', '{"data":{"m":"1"}}'), 'patch merge');
      ok(k('-n', 'e2e', 'patch', 'configmap', 'settings', '--type=json', '-p', '[{"op":"add","path":"/data/j","value":"2"}]'), 'patch json');
      ok(k('-n', 'e2e', 'patch', 'deployment', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"busybox","image":"busybox:1.37"}]}}}}'), 'patch strategic');
      const data = (await get('/api/v1/namespaces/e2e/configmaps/settings')).data;
      assert.equal(data?.['m'], '1');
      assert.equal(data?.['j'], '2');
      const web = await get('/apis/apps/v1/namespaces/e2e/deployments/web');
      const containers = ((web.spec?.['template'] as { spec: { containers: { name: string; image: string }[] } }).spec.containers);
      assert.deepEqual(containers.map((x) => [x.name, x.image]), [['busybox', 'busybox:1.37']]);

      ok(k('-n', 'e2e', 'label', 'configmap', 'settings', 'env=prod'), 'label');
      ok(k('-n', 'e2e', 'annotate', 'configmap', 'settings', 'owner=team-a'), 'annotate');
      const labelled = await get('/api/v1/namespaces/e2e/configmaps/settings');
      assert.equal(labelled.metadata.labels?.['env'], 'prod');
      assert.equal(labelled.metadata.annotations?.['owner'], 'team-a');
      ok(k('-n', 'e2e', 'label', 'configmap', 'settings', 'env-'), 'label remove');
      assert.equal((await get('/api/v1/namespaces/e2e/configmaps/settings')).metadata.labels?.['env'], undefined);

      ok(k('-n', 'e2e', 'scale', 'deployment', 'web', '--replicas=4'), 'scale');
      assert.equal((await get('/apis/apps/v1/namespaces/e2e/deployments/web')).spec?.['replicas'], 4);

      // kubectl before 1.33 creates an autoscaling/v1 HPA (JSON), 1.33 an autoscaling/v2 one (protobuf).
      ok(k('-n', 'e2e', 'autoscale', 'deployment', 'web', '--min=4', '--max=6', '--cpu-percent=55'), 'autoscale');
      const hpa = await get('/apis/autoscaling/v2/namespaces/e2e/horizontalpodautoscalers/web');
      assert.deepEqual(hpa.spec?.['metrics'], [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 55 } } }]);
      assert.equal((await get('/apis/autoscaling/v1/namespaces/e2e/horizontalpodautoscalers/web')).spec?.['targetCPUUtilizationPercentage'], 55);
      ok(k('-n', 'e2e', 'delete', 'hpa', 'web'), 'delete hpa');
    });

    test('describe, explain, auth can-i', () => {
      const d = ok(k('-n', 'e2e', 'describe', 'pod', 'p1'), 'describe pod');
      assert.match(d, /^Name:\s+p1$/m);
      assert.match(d, /^Namespace:\s+e2e$/m);
      assert.match(d, /busybox:1\.36/);
      assert.match(ok(k('-n', 'e2e', 'describe', 'deployment', 'web'), 'describe deployment'), /^Replicas:\s+4 desired/m);
      const e = ok(k('explain', 'pods.spec.containers'), 'explain');
      assert.match(e, /FIELDS:/);
      assert.match(e, /image\s/);
      assert.equal(ok(k('auth', 'can-i', 'create', 'deployments'), 'auth can-i').trim(), 'yes');
    });

    test('get -w streams changes', async () => {
      const watcher = spawn(join(KUBECTL_DIR, `kubectl.${version}`), ['--kubeconfig', c.kubeconfig, '-n', 'e2e', 'get', 'configmaps', '-w'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      watcher.stdout.on('data', (b: Buffer) => (out += b.toString()));
      try {
        const seen = (re: RegExp): Promise<void> =>
          new Promise((resolve, reject) => {
            const deadline = setTimeout(() => reject(new Error(`watch output never matched ${re}:\n${out}`)), 15_000);
            const poll = setInterval(() => {
              if (re.test(out)) {
                clearInterval(poll);
                clearTimeout(deadline);
                resolve();
              }
            }, 50);
          });
        await seen(/^settings\s+\d+\s+/m);
        ok(k('-n', 'e2e', 'create', 'configmap', 'watched', '--from-literal=x=y'), 'create during watch');
        await seen(/^watched\s+1\s+/m);
      } finally {
        watcher.kill();
      }
    });

    test('wait --for=condition and delete: single, -l, --all', async () => {
      const status = { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }] } };
      const r = await c.api('PATCH', '/api/v1/namespaces/e2e/pods/p1/status', status, { 'content-type': 'application/merge-patch+json' });
      assert.equal(r.status, 200, r.body);
      ok(k('-n', 'e2e', 'wait', '--for=condition=Ready', 'pod/p1', '--timeout=20s'), 'wait');

      ok(k('-n', 'e2e', 'delete', 'configmap', 'watched'), 'delete one');
      await absent('/api/v1/namespaces/e2e/configmaps/watched');
      ok(k('-n', 'e2e', 'create', 'configmap', 'l1', '--from-literal=a=b'), 'create l1');
      ok(k('-n', 'e2e', 'label', 'configmap', 'l1', 'group=x'), 'label l1');
      ok(k('-n', 'e2e', 'delete', 'configmap', '-l', 'group=x'), 'delete -l');
      await absent('/api/v1/namespaces/e2e/configmaps/l1');
      ok(k('-n', 'e2e', 'delete', 'secrets', '--all'), 'delete --all');
      await absent('/api/v1/namespaces/e2e/secrets/sec');
      ok(k('-n', 'e2e', 'delete', 'pod', 'p1', '--grace-period=0', '--force'), 'delete pod');
      await absent('/api/v1/namespaces/e2e/pods/p1');
    });
  });
}
